"""The production settings pass Django's deployment checks and send the HTTPS headers, with
only SECRET_KEY and ALLOWED_HOSTS given; the HTTPS settings follow the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

# A request through the production settings, without a database: prints what came back.
PROBE = """
import json, django
django.setup()
from django.test import Client
out = {}
for name, extra in (
    ("http", {}),
    ("forwarded", {"HTTP_X_FORWARDED_PROTO": "https"}),
    ("https", {"secure": True}),
):
    r = Client().get("/api/v1/docs", **extra)
    out[name] = {"status": r.status_code, "headers": dict(r.headers)}
r = Client().get("/login/", secure=True)
out["cookies"] = {k: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"])}
                  for k, m in r.cookies.items()}
print(json.dumps(out))
"""


def production(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "DEBUG", "SECRET"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k3Y-" + "x9Qz!v7Lm#p2Rt8Wb4Nc6Hd0Gf5Js1" * 2,
        ALLOWED_HOSTS="closeloop.example.org,testserver",
        CLOSELOOP_DATA_DIR=str(tmp_path),
        **extra,
    )
    return env


def run(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=production(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean(tmp_path: Path) -> None:
    result = run(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_https_headers_by_default(tmp_path: Path) -> None:
    result = run(tmp_path, "-c", PROBE, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    # Plain HTTP is sent to HTTPS; what came through the TLS proxy is served, with HSTS.
    assert out["http"]["status"] == 301
    assert out["http"]["headers"]["Location"] == "https://testserver/api/v1/docs"
    assert out["forwarded"]["status"] == 200
    headers = out["forwarded"]["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert out["cookies"]["csrftoken"] == {"secure": True, "httponly": True}


def test_https_settings_follow_the_environment(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "-c",
        PROBE,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="true",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["http"]["status"] == 200  # no redirect
    # Without SECURE_PROXY_SSL_HEADER a forwarded scheme is not believed: no HSTS.
    assert out["forwarded"]["status"] == 200
    assert "Strict-Transport-Security" not in out["forwarded"]["headers"]
    hsts = out["https"]["headers"]["Strict-Transport-Security"]
    assert hsts == "max-age=600; preload"

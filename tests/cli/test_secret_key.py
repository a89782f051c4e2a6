"""Each installation signs with a secret key of its own, made on its first start and kept in
its data directory; never a key written in the code."""

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What every installation used to sign sessions, CSRF tokens and challenges with.
OLD_DEFAULT = "insecure-dev-key-change-me-in-production"
PRINT_KEY = (
    "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
)


def _env(data_dir: Path, settings: str = "config.settings.dev", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(DJANGO_SETTINGS_MODULE=settings, CLOSELOOP_DATA_DIR=str(data_dir), **extra)
    return env


def _python(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _key_of(data_dir: Path, **extra: str) -> str:
    """settings.SECRET_KEY as a process of the installation at `data_dir` sees it."""
    out, err = _python("-c", PRINT_KEY, env=_env(data_dir, **extra)).communicate(timeout=120)
    assert out.strip(), err
    return out.strip()


def _init(data_dir: Path) -> None:
    proc = _python("-m", "closeloop.cli", "init", env=_env(data_dir))
    _out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err


def test_two_installations_have_two_keys(tmp_path: Path) -> None:
    first, second = _key_of(tmp_path / "a"), _key_of(tmp_path / "b")
    assert first != second
    assert len(first) >= 50 and OLD_DEFAULT not in (first, second)
    assert (tmp_path / "a" / "secret_key").read_text().strip() == first
    assert (tmp_path / "b" / "secret_key").read_text().strip() == second


def test_init_makes_a_private_key_and_a_second_init_keeps_it(tmp_path: Path) -> None:
    _init(tmp_path)
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()

    _init(tmp_path)
    assert key_file.read_text() == key
    assert _key_of(tmp_path) == key.strip()


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    # The web workers, the worker and a command may all start before any key exists.
    procs = [_python("-c", PRINT_KEY, env=_env(tmp_path)) for _ in range(8)]
    keys = {proc.communicate(timeout=120)[0].strip() for proc in procs}
    assert keys == {(tmp_path / "secret_key").read_text().strip()}
    assert not list(tmp_path.glob(".secret_key*"))  # no temporary file left behind


def test_the_environment_wins_and_then_no_file_is_made(tmp_path: Path) -> None:
    assert _key_of(tmp_path, SECRET_KEY="k" * 60) == "k" * 60
    assert not (tmp_path / "secret_key").exists()


def test_production_requires_the_key_from_the_environment(tmp_path: Path) -> None:
    proc = _python("-c", PRINT_KEY, env=_env(tmp_path, "config.settings.production"))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode != 0 and out == ""
    assert "SECRET_KEY" in err
    assert not (tmp_path / "secret_key").exists()


def test_the_old_default_is_gone_from_the_code() -> None:
    sources = [*ROOT.glob("config/**/*.py"), *ROOT.glob("closeloop/**/*.py")]
    assert sources
    assert [str(p) for p in sources if OLD_DEFAULT in p.read_text(encoding="utf-8")] == []

"""Production: PostgreSQL via DATABASE_URL, secrets from the environment, secure cookies."""

from .base import *  # noqa: F403
from .base import env

# Required, never made here: behind a load balancer every machine must sign with the same key,
# and a key made per data directory would differ from machine to machine.
SECRET_KEY = env.str("SECRET_KEY")

# HTTPS. TLS usually ends at a reverse proxy; docs/security.md says what it must send.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# A year of HSTS; preload is a promise that is hard to take back, so it is asked for.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # check --deploy warns that the site cannot join the preload list; that is the choice.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# The header a proxy on another machine sets to "https" (e.g. X-Forwarded-Proto). Unset, no
# forwarded header is believed: a client could send it itself. (gunicorn already believes
# X-Forwarded-Proto from a proxy on the same machine: its FORWARDED_ALLOW_IPS.)
_proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _proxy_ssl_header.strip().upper().replace("-", "_"),
        "https",
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # for browsers without CSP frame-ancestors

# Cookies only over HTTPS and out of reach of page scripts: htmx and the API reference take
# the CSRF token from the page, never from the cookie.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

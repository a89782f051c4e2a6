"""Test settings: same database choice as base (DATABASE_URL or SQLite), faster hashing."""

import os

from .base import *  # noqa: F403
from .base import DATA_DIR, SECRET_KEY, _huey, installation_secret_key

SECRET_KEY = SECRET_KEY or installation_secret_key(DATA_DIR)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = DATA_DIR / "test-media"
HUEY_IMMEDIATE = True
# Tasks run inline, in memory: tests need no consumer and leave no queue file.
HUEY = _huey(immediate=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A file, not the shared in-memory database: concurrency tests open several connections, and
# WAL locking (unlike shared-cache table locks) makes them wait instead of failing.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per run, so that runs at the same time on one machine do not collide.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(DATA_DIR / f"test-closeloop-{os.getpid()}.sqlite3")
    }
# Static files straight from the apps: tests need no collectstatic, and whitenoise does not
# warn about a STATIC_ROOT that a fresh clone does not have.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
SMS_BACKEND = "closeloop.notifications.sms.MemoryBackend"
# The test process is one process, so its local memory is a shared cache here; the fixtures that
# clear it (tests/web, tests/browser) then need no database. tests/cli/test_shared_limits.py
# proves the real shared caches against a server with several workers.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests assert English messages; the Chinese catalogue has its own tests.
LANGUAGE_CODE = "en"

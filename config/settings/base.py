"""Settings shared by every environment; each value can be set from the environment."""

import contextlib
import datetime
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

# First, before any module that does so is imported: Django classes the type stubs make
# generic may be written with their type arguments, as in `admin.ModelAdmin[Ticket]`.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("CLOSELOOP_DATA_DIR", default=str(BASE_DIR / "var")))

# SECRET_KEY from the environment wins. Without it the embedded default (dev.py) and the tests
# use the installation's own key in DATA_DIR (installation_secret_key); production requires it.
SECRET_KEY = env.str("SECRET_KEY", default="")


def installation_secret_key(data_dir: Path) -> str:
    """The installation's own random key, made on its first start in DATA_DIR/secret_key (0600)
    and read by every process after: web workers, the worker, the command.

    Several processes may start at once with no key yet: each writes a whole key to a private
    temporary file and links it into place, which fails if another got there first; everyone
    then reads the one file that won, always complete.
    """
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=".secret_key.")  # 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < 32:
        raise ImproperlyConfigured(f"{path} holds no usable key: delete it to make a new one")
    return key


DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served here: no CDN
    "django_htmx",
    "huey.contrib.djhuey",
    "closeloop.directory.axes_app.LockoutConfig",  # django-axes, under a translated name
    "closeloop.common",
    "closeloop.directory",
    "closeloop.policy",
    "closeloop.tickets",
    "closeloop.sla",
    "closeloop.notifications",
    "closeloop.reports",
    "closeloop.knowledge",
    "closeloop.quality",
    "closeloop.care",
    "closeloop.channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that every answer carries the policy, static files included.
    "csp.middleware.CSPMiddleware",
    "closeloop.channels.middleware.BodySizeLimitMiddleware",  # before anything reads a body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): scripts and styles come only from this site's own
# files, never from inline code or other hosts. docs/security.md explains each directive.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for icons drawn in CSS (Swagger UI)
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    """DATABASE_URL wins; otherwise the embedded SQLite file under DATA_DIR."""
    url = env.str("DATABASE_URL", default="")
    if url:
        db = env.db_url_config(url)
    else:
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "closeloop.sqlite3")}
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL + IMMEDIATE transactions + a busy timeout: concurrent writers wait
        # for each other instead of failing with "database is locked".
        db.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    else:
        db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        db.setdefault("CONN_HEALTH_CHECKS", True)
    return db


DATABASES = {"default": _database()}

# The cache every process shares: the portal's rate limits and spent challenges must be counted
# once for the whole site, not once per web worker. Unset: a table in the database (created by
# the migrations; good for the embedded default and one PostgreSQL); in production Redis, e.g.
# CACHE_URL=redis://127.0.0.1:6379/1.
CACHE_URL = env.str("CACHE_URL", default="")
CACHE_TABLE = "closeloop_cache"


def _caches() -> dict[str, Any]:
    prefix = env.str("CACHE_KEY_PREFIX", default="closeloop")
    if not CACHE_URL:
        # The database cache culls a third of its rows past MAX_ENTRIES, spent challenges with
        # them; set it well above what the portal's limits let the public create.
        cache = {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    elif CACHE_URL.split(":", 1)[0] in ("redis", "rediss", "unix"):
        cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    else:
        raise ImproperlyConfigured(
            f"CACHE_URL must be a redis://, rediss:// or unix:// URL, not {CACHE_URL!r}"
        )
    return {"default": {**cache, "KEY_PREFIX": prefix}}


CACHES = _caches()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "directory.User"

# Every password set anywhere (the command, the admin's add and change forms, Django's own
# password change) passes these; see docs/security.md.
_VALIDATION = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": f"{_VALIDATION}.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "email", "phone")},
    },
    {"NAME": f"{_VALIDATION}.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": f"{_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATION}.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Axes' backend first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login lockout (django-axes; closeloop/directory/lockout.py; docs/security.md). A failure
# counts for LOCKOUT_MINUTES after the latest failure of its record; each rule locks at its
# own number of failures: an account from one address, an address, an account from anywhere.
LOCKOUT_MINUTES = env.int("CLOSELOOP_LOCKOUT_MINUTES", default=15)
LOCKOUT_RULES = [
    (["username", "ip_address"], env.int("CLOSELOOP_LOCKOUT_PER_ACCOUNT_AND_ADDRESS", default=5)),
    (["ip_address"], env.int("CLOSELOOP_LOCKOUT_PER_ADDRESS", default=20)),
    (["username"], env.int("CLOSELOOP_LOCKOUT_PER_ACCOUNT", default=30)),
]
if LOCKOUT_MINUTES < 1 or min(limit for _rule, limit in LOCKOUT_RULES) < 1:
    raise ImproperlyConfigured("CLOSELOOP_LOCKOUT_* must be whole numbers of 1 or more")
AXES_LOCKOUT_PARAMETERS = [rule for rule, _limit in LOCKOUT_RULES]
AXES_FAILURE_LIMIT = min(limit for _rule, limit in LOCKOUT_RULES)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOCKOUT_MINUTES)
AXES_HANDLER = "closeloop.directory.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "closeloop.directory.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "closeloop.directory.lockout.client_address"
# An attempt refused during a lockout does not restart it, so the time the page names holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Every failed log-in stays on record (admin: access failures), not only the counts.
AXES_ENABLE_ACCESS_FAILURE_LOG = True

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["closeloop.channels.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "closeloop.channels.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "closeloop.channels.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "closeloop.channels.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "closeloop API",
    "DESCRIPTION": "Complaint and service-request tickets: register, dispatch, handle, reply, "
    "return visit, close.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The API reference is public; the endpoints it describes are not.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI from the drf-spectacular-sidecar package (pinned in uv.lock), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from the online validator: the page talks to this site only.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Where policy packs live, and which one `closeloop init` loads by default.
PACKS_DIR = Path(env.str("CLOSELOOP_PACKS_DIR", default=str(BASE_DIR / "packs")))
DEFAULT_PACK = env.str("CLOSELOOP_PACK", default="tax-hotline-12366")
# Tickets in the history `closeloop init --demo` replays (docs/demo.md); 0: people only.
DEMO_TICKETS = env.int("CLOSELOOP_DEMO_TICKETS", default=300)

# Limits on what a ticket may carry.
TICKET_TEXT_MAX = env.int("CLOSELOOP_TICKET_TEXT_MAX", default=20_000)
TICKET_SUBJECT_MAX = 200
ATTACHMENT_MAX_BYTES = env.int("CLOSELOOP_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_COUNT = env.int("CLOSELOOP_ATTACHMENT_MAX_COUNT", default=10)
ATTACHMENT_CONTENT_TYPES = env.list(
    "CLOSELOOP_ATTACHMENT_CONTENT_TYPES",
    default=[
        "image/jpeg",
        "image/png",
        "application/pdf",
        "text/plain",
        "audio/mpeg",
        "audio/wav",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)
ECONOMIC_LOSS_MAX = env.int("CLOSELOOP_ECONOMIC_LOSS_MAX", default=1_000_000_000)

# Request bodies, refused (413) by their Content-Length before they are read: file uploads
# (multipart) up to UPLOAD_MAX_BYTES, by default room for the most attachments a request may
# carry; any other body up to DATA_UPLOAD_MAX_MEMORY_SIZE (Django's setting, which also
# bounds the form fields of an upload). See docs/security.md.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("CLOSELOOP_BODY_MAX_BYTES", default=2_621_440)
UPLOAD_MAX_BYTES = env.int(
    "CLOSELOOP_UPLOAD_MAX_BYTES",
    default=ATTACHMENT_MAX_BYTES * ATTACHMENT_MAX_COUNT + DATA_UPLOAD_MAX_MEMORY_SIZE,
)

# Background work: Huey on SQLite by default, Redis when HUEY_REDIS_URL is set.
HUEY_REDIS_URL = env.str("HUEY_REDIS_URL", default="")
HUEY_IMMEDIATE = env.bool("HUEY_IMMEDIATE", default=False)


def _huey(immediate: bool) -> dict[str, Any]:
    """djhuey builds its Huey instance from this dict when the app registry loads."""
    config: dict[str, Any] = {
        "name": "closeloop",
        "immediate": immediate,
        "utc": True,
        # Threads suffice: tasks wait on the database, not the CPU.
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }
    if HUEY_REDIS_URL:
        config.update(huey_class="huey.RedisHuey", url=HUEY_REDIS_URL)
    else:
        config.update(huey_class="huey.SqliteHuey", filename=str(DATA_DIR / "huey.sqlite3"))
        if not immediate:
            # SqliteHuey opens its file as soon as Django starts, before any
            # command could create the data directory.
            DATA_DIR.mkdir(parents=True, exist_ok=True)
    return config


HUEY = _huey(HUEY_IMMEDIATE)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="closeloop@localhost")
# For the SMTP backend. A timeout, so a hung mail server cannot hold a worker for ever.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    # The Huey consumer installs its own handler; without this its lines print twice.
    "loggers": {
        "huey": {"level": "INFO", "propagate": False},
        # Lockouts and unlocks are logged whatever LOG_LEVEL says.
        "closeloop.security": {"level": "WARNING"},
    },
}

# SMS leaves through a pluggable gateway; the default writes messages to the log.
# `closeloop.notifications.sms.HttpBackend` posts to SMS_GATEWAY_URL (see docs/security.md).
SMS_BACKEND = env.str("SMS_BACKEND", default="closeloop.notifications.sms.ConsoleBackend")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10.0)

# The site's address as customers reach it, for the links in their messages (the survey link):
# scheme and host, no trailing slash. Set it in production to the public portal's address.
SITE_URL = env.str("CLOSELOOP_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# How long a survey link (the return-visit rating on the portal) works, in days.
SURVEY_DAYS = env.int("CLOSELOOP_SURVEY_DAYS", default=15)
if SURVEY_DAYS < 1:
    raise ImproperlyConfigured("CLOSELOOP_SURVEY_DAYS must be a whole number of 1 or more")

# The outbox: how many messages a worker claims at once, how long its claim holds (a crashed
# worker's messages come back after it), how often a failed send is tried, and the first
# wait before a retry (doubled each time, at most an hour).
OUTBOX_BATCH = env.int("CLOSELOOP_OUTBOX_BATCH", default=20)
OUTBOX_LEASE_SECONDS = env.int("CLOSELOOP_OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_MAX_ATTEMPTS = env.int("CLOSELOOP_OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_RETRY_SECONDS = env.int("CLOSELOOP_OUTBOX_RETRY_SECONDS", default=60)

# The daily digest of cases near their deadline: the hour (0–23, the pack's time zone) it
# is sent in.
DIGEST_HOUR = env.int("CLOSELOOP_DIGEST_HOUR", default=8)
if not 0 <= DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("CLOSELOOP_DIGEST_HOUR must be a whole number from 0 to 23")

# Live pages (Server-Sent Events, closeloop/channels/live): how often each web process reads
# the changes for all its open pages, how often an idle stream says it is alive (proxies close
# silent connections), how long a stream lasts before the browser reconnects (and the login is
# checked again), and how long the browser waits before reconnecting.
CLOSELOOP_LIVE_POLL_SECONDS = env.float("CLOSELOOP_LIVE_POLL_SECONDS", default=1.0)
CLOSELOOP_LIVE_KEEPALIVE_SECONDS = env.float("CLOSELOOP_LIVE_KEEPALIVE_SECONDS", default=20.0)
CLOSELOOP_LIVE_MAX_SECONDS = env.float("CLOSELOOP_LIVE_MAX_SECONDS", default=300.0)
CLOSELOOP_LIVE_RETRY_SECONDS = env.float("CLOSELOOP_LIVE_RETRY_SECONDS", default=3.0)

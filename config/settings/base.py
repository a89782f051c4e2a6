"""Settings shared by every environment; each value can be set from the environment."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("CLOSELOOP_DATA_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("SECRET_KEY", default="insecure-dev-key-change-me-in-production")
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
    "django_htmx",
    "huey.contrib.djhuey",
    "closeloop.common",
    "closeloop.directory",
    "closeloop.policy",
    "closeloop.tickets",
    "closeloop.sla",
    "closeloop.notifications",
    "closeloop.reports",
    "closeloop.knowledge",
    "closeloop.quality",
    "closeloop.channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "closeloop.channels.middleware.BodySizeLimitMiddleware",  # before anything reads a body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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


def _database() -> dict:
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "directory.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
}

# Where policy packs live, and which one `closeloop init` loads by default.
PACKS_DIR = Path(env.str("CLOSELOOP_PACKS_DIR", default=str(BASE_DIR / "packs")))
DEFAULT_PACK = env.str("CLOSELOOP_PACK", default="tax-hotline-12366")

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


def _huey(immediate: bool) -> dict:
    """djhuey builds its Huey instance from this dict when the app registry loads."""
    config: dict = {
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    # The Huey consumer installs its own handler; without this its lines print twice.
    "loggers": {"huey": {"level": "INFO", "propagate": False}},
}

# SMS leaves through a pluggable gateway; the default writes messages to the log.
SMS_BACKEND = env.str("SMS_BACKEND", default="closeloop.notifications.sms.ConsoleBackend")

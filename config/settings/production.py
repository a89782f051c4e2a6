"""Production: PostgreSQL via DATABASE_URL, secrets from the environment, secure cookies."""

from .base import *  # noqa: F403
from .base import env

# Required, never made here: behind a load balancer every machine must sign with the same key,
# and a key made per data directory would differ from machine to machine.
SECRET_KEY = env.str("SECRET_KEY")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

"""The embedded default: what `closeloop run` uses unless told otherwise."""

from .base import *  # noqa: F403
from .base import DATA_DIR, SECRET_KEY, installation_secret_key

SECRET_KEY = SECRET_KEY or installation_secret_key(DATA_DIR)

"""The embedded default: what `closeloop run` uses unless told otherwise."""

from .base import *  # noqa: F403

"""What every `closeloop` command shares: its name, one-line errors, Django set-up."""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

PROG = "closeloop"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# How long `run` waits for children to stop politely before killing them.
STOP_GRACE_SECONDS = 15.0
# How long `run` waits for the web server to answer before it gives up.
START_TIMEOUT_SECONDS = 60.0


class CommandError(Exception):
    """A refusal from the command itself (not from a service): printed as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse prints its usage block on errors; operators asked for one line."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        self.exit(2, f"{PROG}: error: {message}{hint}\n")


def _fail(message: str) -> int:
    # Keep it one line whatever the message holds (a pack's list of problems, SQL, YAML).
    line = " ".join(str(message).replace("\n", "; ").split())
    print(f"{PROG}: error: {line}", file=sys.stderr)
    return 1


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def _require_migrated() -> None:
    """Refuse politely on a database `closeloop init` has not prepared yet."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError("the database is not set up (or not up to date): run 'closeloop init'")


def _site_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - display only
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"

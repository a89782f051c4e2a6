"""One reader per web process, many open pages: the hub reads the changes once a second and
wakes the streams whose watch they touch. Under ASGI only; see `views.py` for WSGI."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from .changes import Change, Cursor, Watch, live_changes, live_cursor

logger = logging.getLogger("closeloop.live")


@dataclass(eq=False)
class Subscription:
    watch: Watch
    since: str = ""  # the page's position; read once, to catch up with what happened since
    kinds: set[str] = field(default_factory=set)  # what changed since the stream last said
    woken: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self) -> set[str]:
        kinds, self.kinds = self.kinds, set()
        self.woken.clear()
        return kinds


class Hub:
    """Reads on a thread of its own (one database connection per process, kept open between
    reads); fans out on the event loop. Runs only while some page is open."""

    def __init__(self) -> None:
        self.subscriptions: set[Subscription] = set()
        self.joining: list[Subscription] = []
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="closeloop-live")
        self.task: asyncio.Task[None] | None = None
        self.cursor: Cursor | None = None

    def subscribe(self, watch: Watch, since: str = "") -> Subscription:
        sub = Subscription(watch, since)
        self.subscriptions.add(sub)
        self.joining.append(sub)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self.subscriptions.discard(sub)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        interval = settings.CLOSELOOP_LIVE_POLL_SECONDS
        while self.subscriptions:
            try:
                if self.cursor is None:
                    self.cursor = await loop.run_in_executor(self.executor, live_cursor)
                else:
                    changes = await loop.run_in_executor(self.executor, live_changes, self.cursor)
                    self._fan_out(self.subscriptions, changes)
                # After the shared read: what a new page missed while it loaded, up to now.
                joining, self.joining = self.joining, []
                for sub in joining:
                    if sub.since and sub in self.subscriptions:
                        cursor = await loop.run_in_executor(self.executor, live_cursor, sub.since)
                        changes = await loop.run_in_executor(self.executor, live_changes, cursor)
                        self._fan_out({sub}, changes)
            except Exception:  # a database hiccup: log it, keep the pages, try again
                logger.exception("live: reading changes failed")
                with contextlib.suppress(Exception):
                    await loop.run_in_executor(self.executor, connection.close)
            await asyncio.sleep(interval)
        # Nobody watches: forget the cursor, so a page opened later starts from its own time.
        self.cursor = None

    @staticmethod
    def _fan_out(subscriptions: set[Subscription], changes: list[Change]) -> None:
        if not changes:
            return
        for sub in subscriptions:
            for change in changes:
                sub.kinds |= sub.watch.matches(change)
            if sub.kinds:
                sub.woken.set()


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def hub() -> Hub:
    """This process's hub (one per event loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]

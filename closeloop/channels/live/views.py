"""The stream an open page listens to: `GET /live/events/?watch=user,dept&ticket=N`.

Server-Sent Events: `event: hello` once with the kinds granted, `event: change` with the kinds
that changed, a comment every `CLOSELOOP_LIVE_KEEPALIVE_SECONDS`; the stream ends after
`CLOSELOOP_LIVE_MAX_SECONDS` and the browser reconnects on its own (checking the login again).
A hint carries no ticket data: the page fetches itself again, through its usual access checks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..web.access import staff_user
from .changes import KINDS, Watch, live_changes, live_cursor, live_watch_for
from .hub import hub

logger = logging.getLogger("closeloop.live")


@require_GET
def live_events(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = staff_user(request)
    if user is None:
        # EventSource gives up on an error status: a logged-out page stops asking.
        return HttpResponse(_("Log in to follow changes."), status=403, content_type="text/plain")
    kinds = [k for k in request.GET.get("watch", "").split(",") if k]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        message = _("watch: unknown kind %(kinds)s; use %(known)s") % {
            "kinds": ", ".join(unknown),
            "known": ", ".join(KINDS),
        }
        return HttpResponse(message, status=400, content_type="text/plain")
    watch = live_watch_for(user, kinds, request.GET.get("ticket", "")[:40])
    since = request.GET.get("since", "")[:40]
    if isinstance(request, ASGIRequest):
        stream: AsyncIterator[str] | Iterator[str] = _async_stream(watch, since)
    else:
        stream = _sync_stream(watch, since)
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _hello(watch: Watch) -> str:
    retry = int(settings.CLOSELOOP_LIVE_RETRY_SECONDS * 1000)
    return f"retry: {retry}\nevent: hello\ndata: {json.dumps({'kinds': sorted(watch.kinds)})}\n\n"


def _change(kinds: set[str]) -> str:
    return f"event: change\ndata: {json.dumps({'kinds': sorted(kinds)})}\n\n"


async def _async_stream(watch: Watch, since: str) -> AsyncIterator[str]:
    """ASGI: the process's hub reads the changes once for every open page."""
    yield _hello(watch)
    sub = hub().subscribe(watch, since)
    loop = asyncio.get_running_loop()
    ends = loop.time() + settings.CLOSELOOP_LIVE_MAX_SECONDS
    try:
        while (left := ends - loop.time()) > 0:
            wait = min(left, settings.CLOSELOOP_LIVE_KEEPALIVE_SECONDS)
            try:
                await asyncio.wait_for(sub.woken.wait(), timeout=wait)
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            yield _change(sub.take())
    finally:
        hub().unsubscribe(sub)


def _sync_stream(watch: Watch, since: str) -> Iterator[str]:
    """WSGI (the development server, the test server): each stream reads for itself and holds
    a thread. Production serves ASGI (`closeloop run`), where the hub reads once for all.

    It writes something every read, so a page that has gone is noticed within a second (the
    write fails), and it gives its database connection back between reads."""
    cursor = live_cursor(since)
    yield _hello(watch)
    started = time.monotonic()
    while time.monotonic() - started < settings.CLOSELOOP_LIVE_MAX_SECONDS:
        _release_connection()
        time.sleep(settings.CLOSELOOP_LIVE_POLL_SECONDS)
        try:
            changes = live_changes(cursor)
        except Exception as exc:  # the database is away: end; the browser reconnects later
            logger.info("live: stream ended, reading changes failed: %s", exc)
            break
        kinds: set[str] = set()
        for change in changes:
            kinds |= watch.matches(change)
        yield _change(kinds) if kinds else ":\n\n"
    _release_connection()


def _release_connection() -> None:
    # Not inside a transaction (a test's): closing there would break the transaction.
    if not connection.in_atomic_block:
        connection.close()

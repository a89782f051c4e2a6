"""The portal's protection against floods and bots, with no outside service.

- Rate limit: a fixed-window count per client address and purpose in Django's cache, which
  every process shares (`CACHES` in the settings: the database, or Redis), so the limit holds
  for the whole site however many web workers serve it.
- Challenge: a small arithmetic question. The form carries a signed, timestamped token with a
  random nonce and an HMAC of nonce + answer, so the answer is never sent to the browser, the
  server keeps no state until the answer arrives, and a token works once and for 20 minutes.
  It stops generic form-spamming bots, not a person writing a bot for this one site; the rate
  limit bounds what such a bot can do.
"""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

# purpose -> (requests allowed, window in seconds); settings.PORTAL_RATE_LIMITS overrides.
DEFAULT_LIMITS = {
    "submit": (5, 600),
    "check": (30, 600),
    "rate": (10, 600),
    "survey": (10, 600),
    "opt_out": (10, 600),
}
CHALLENGE_MAX_AGE = 20 * 60
_SALT = "closeloop.portal.challenge"


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR: behind a reverse proxy, the proxy must set it to the client's address
    (e.g. gunicorn's --forwarded-allow-ips with the proxy's X-Forwarded-For)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def limits() -> dict[str, tuple[int, int]]:
    return {**DEFAULT_LIMITS, **getattr(settings, "PORTAL_RATE_LIMITS", {})}


def rate_limit_hit(request: HttpRequest, purpose: str) -> int:
    """Count this request; return 0 when allowed, else the seconds until the window ends.

    Each allowed request claims a numbered slot with `cache.add`, which is atomic in every
    shared cache (a primary key in the database cache, SET NX in Redis); `incr` is not (the
    database cache reads, then writes), so concurrent workers could both count 5 and write 6.
    The count kept beside the slots only says where to start looking.
    """
    allowed, window = limits()[purpose]
    now = time.time()
    bucket = int(now // window)
    key = f"portal-rl:{purpose}:{client_address(request)}:{bucket}"
    for slot in range(cache.get(key, 0), allowed):
        if cache.add(f"{key}:{slot}", 1, timeout=window):
            cache.set(key, slot + 1, timeout=window)
            return 0
    return max(1, int((bucket + 1) * window - now))


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _digest(nonce: str, answer: str) -> str:
    key = (settings.SECRET_KEY + _SALT).encode()
    return hmac.new(key, f"{nonce}:{answer}".encode(), hashlib.sha256).hexdigest()


def challenge_new() -> Challenge:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_urlsafe(12)
    token = signing.dumps({"n": nonce, "h": _digest(nonce, str(a + b))}, salt=_SALT)
    return Challenge(_("What is %(a)s plus %(b)s?") % {"a": a, "b": b}, token)


def challenge_passed(token: str, answer: str) -> bool:
    try:
        data = signing.loads(token, salt=_SALT, max_age=CHALLENGE_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return False
    nonce, expected = str(data.get("n", "")), str(data.get("h", ""))
    if not nonce or not hmac.compare_digest(_digest(nonce, answer.strip()), expected):
        return False
    # One use per token: the first correct answer spends it.
    return cache.add(f"portal-challenge:{nonce}", 1, timeout=CHALLENGE_MAX_AGE)

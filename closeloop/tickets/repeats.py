"""Likely repeats (重复投诉): an earlier ticket from the same caller, or about the same
respondent and category, within a window, whose text is similar.

Similarity is the Dice coefficient of character bigrams: it needs no word segmentation, so it
works for Chinese, and it tolerates a caller telling the same story in other words.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from closeloop.workflow.statuses import Status

from .choices import Kind
from .models import Ticket

DEFAULT_WINDOW_DAYS = 30
DEFAULT_THRESHOLD = 0.3  # paraphrases of one matter score ~0.35–0.6, unrelated text < 0.1
MAX_CANDIDATES = 50
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> set[str]:
    """Character bigrams of the text without spaces and punctuation."""
    clean = _NOISE.sub("", text.lower())
    if len(clean) < 2:
        return {clean} if clean else set()
    return {clean[i : i + 2] for i in range(len(clean) - 1)}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the two texts' bigrams, 0 (nothing shared) to 1 (the same)."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass(frozen=True)
class RepeatCandidate:
    number: str
    similarity: float
    protected: bool = False  # a report or confidential case: named only to who may see it


def repeat_candidates(
    *,
    text: str,
    received_at: datetime,
    phone: str = "",
    respondent_department_id: int | None = None,
    category_id: int | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    threshold: float = DEFAULT_THRESHOLD,
    exclude_pk: int | None = None,
    protected: bool | None = None,
) -> list[RepeatCandidate]:
    """Earlier tickets within the window that look like the same matter, most similar first.

    The query only narrows by indexed facts (phone, respondent and category, date); the text
    is compared here, on at most `MAX_CANDIDATES` rows. For a new ticket, `protected` says
    whether it is a report or confidential: the phone then matches only cases on the same side
    of that line, so the same phone never links a reporter to their ordinary cases.
    """
    same_matter = Q(pk__in=[])
    if phone:
        same_matter |= Q(customer__phone=phone) & (
            Q() if protected is None else Q(customer__protected=protected)
        )
    if respondent_department_id and category_id:
        same_matter |= Q(respondent_department_id=respondent_department_id, category_id=category_id)
    if not same_matter.children[1:]:
        return []
    earlier = Ticket.objects.filter(same_matter)
    if exclude_pk is not None:
        earlier = earlier.exclude(pk=exclude_pk)
    rows = (
        earlier.filter(received_at__gte=received_at - timedelta(days=window_days))
        .filter(received_at__lte=received_at)
        .exclude(status=Status.MERGED)
        .order_by("-received_at")
        .values_list("number", "subject", "description", "kind", "confidential")[:MAX_CANDIDATES]
    )
    found = [
        RepeatCandidate(
            number,
            round(similarity(text, f"{subject} {description}"), 3),
            confidential or kind == Kind.REPORT,
        )
        for number, subject, description, kind, confidential in rows
    ]
    return sorted((c for c in found if c.similarity >= threshold), key=lambda c: -c.similarity)

"""Closed vocabularies of the ticket domain (names from GLOSSARY.md)."""

from collections.abc import Iterator

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    REGISTERED = "registered", _("registered")
    ACCEPTED = "accepted", _("accepted")
    DISPATCHED = "dispatched", _("dispatched")
    IN_PROGRESS = "in_progress", _("in progress")
    PENDING_APPROVAL = "pending_approval", _("pending approval")
    SUSPENDED = "suspended", _("suspended")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")
    DECLINED = "declined", _("declined")
    MERGED = "merged", _("merged")


class StatusSet(frozenset[str]):
    """Statuses that iterate in sorted order, whatever the process's string hashing, so a query
    writes `status IN (…)` the same way every time: SQLite uses a partial index only when the
    query repeats the index's condition word for word (an unsorted list made the dashboard
    read every open ticket's row: 1.2 s at 1M tickets)."""

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(frozenset.__iter__(self)))


OPEN_STATUSES = StatusSet(
    {
        Status.REGISTERED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.PENDING_APPROVAL,
        Status.SUSPENDED,
    }
)
# Open, or resolved and waiting for the customer's return visit: a department's inbox.
ACTIVE_STATUSES = StatusSet({*OPEN_STATUSES, Status.RESOLVED})
FINAL_STATUSES = frozenset({Status.CLOSED, Status.DECLINED, Status.MERGED})


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("consultation")
    COMPLAINT = "complaint", _("complaint")
    REPORT = "report", _("report")
    SUGGESTION = "suggestion", _("suggestion")
    HELP = "help", _("request for help")
    PRAISE = "praise", _("praise")


class Channel(models.TextChoices):
    PHONE = "phone", _("phone")
    WEB = "web", _("web")
    EMAIL = "email", _("email")
    LETTER = "letter", _("letter")
    VISIT = "visit", _("visit")
    ON_SITE = "on_site", _("on site")
    APP = "app", _("app")
    API = "api", _("API")


class ReplyMethod(models.TextChoices):
    """How the customer was given a reply."""

    PHONE = "phone", _("phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("email")
    LETTER = "letter", _("letter")
    IN_PERSON = "in_person", _("in person")
    PORTAL = "portal", _("portal")


class Severity(models.TextChoices):
    ONE_STAR = "one_star", _("one star (ordinary)")
    TWO_STAR = "two_star", _("two star (serious)")
    THREE_STAR = "three_star", _("three star (major)")


class Validity(models.TextChoices):
    VALID = "valid", _("valid")
    INVALID = "invalid", _("invalid")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class CustomerType(models.TextChoices):
    INDIVIDUAL = "individual", _("individual")
    COMPANY = "company", _("company")
    MEDIA = "media", _("media")
    OFFICIAL = "official", _("official")


class EnclosureDisposition(models.TextChoices):
    RETURN = "return", _("to be returned")
    KEEP = "keep", _("kept on file")
    RETURNED = "returned", _("returned")


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")

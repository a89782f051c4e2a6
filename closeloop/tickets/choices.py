"""Closed vocabularies of the ticket domain (names from GLOSSARY.md); the statuses are the
workflow's (`workflow.statuses`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    SUGGESTION_BOX = "suggestion_box", _("suggestion box")


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

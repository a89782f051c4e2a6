from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .schema import placeholder_names, placeholders_allowed


class PolicyPack(models.Model):
    """A loaded policy pack. Exactly one is active; its validated data drive classification."""

    name = models.SlugField(_("name"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    version = models.CharField(_("version"), max_length=40)
    data = models.JSONField(_("data"))
    digest = models.CharField(_("digest"), max_length=64)
    is_active = models.BooleanField(_("active"), default=False)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy pack")
        verbose_name_plural = _("policy packs")
        ordering = ["-loaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="one_active_pack",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.name} {self.version})"


class Category(models.Model):
    """A topic in the active pack's category tree (业务分类)."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    department = models.ForeignKey(
        "directory.Department",
        verbose_name=_("default department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class MessageTemplate(models.Model):
    """A text the centre sends its customers (`customer_messages` in the pack), one per
    purpose and, where the pack writes one, per ticket kind (`kind` empty: every other kind).

    Filled from the pack when it is loaded; admins may edit the text. Their edit stands until
    the pack's own text for it changes (`pack_digest` is that of the pack's text when it was
    last written here): then the pack's new text replaces it."""

    pack = models.CharField(_("policy pack"), max_length=80)
    purpose = models.CharField(_("purpose"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    sms = models.CharField(_("SMS text"), max_length=500)
    subject = models.CharField(_("email subject"), max_length=200, blank=True)
    body = models.TextField(_("email body"), blank=True)
    at_night = models.BooleanField(_("may be sent in the quiet hours"), default=False)
    pack_digest = models.CharField(_("pack text digest"), max_length=64, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["pack", "purpose", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["pack", "purpose", "kind"], name="message_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.kind}".strip()

    def clean(self) -> None:
        """The same placeholder check as the pack's (`schema.placeholder_problems`)."""
        errors: dict[str, list[str]] = {}
        allowed = placeholders_allowed(self.purpose)
        shown = ", ".join(f"{{{name}}}" for name in allowed)
        for field in ("sms", "subject", "body"):
            try:
                names = placeholder_names(getattr(self, field))
            except ValueError:
                errors.setdefault(field, []).append(
                    str(_("the braces do not pair up; double a brace to write it as text"))
                )
                continue
            for name in names:
                if name not in allowed:
                    errors.setdefault(field, []).append(
                        str(_("unknown placeholder {%(name)s}; this message may use: %(allowed)s"))
                        % {"name": name, "allowed": shown}
                    )
        if not self.sms.strip():
            errors.setdefault("sms", []).append(str(_("the SMS text must not be empty")))
        if errors:
            raise ValidationError(errors)

from django.db import models
from django.utils.translation import gettext_lazy as _


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

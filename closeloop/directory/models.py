from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .roles import CENTRE_ROLES, IDENTITY_ROLES, Role


class DepartmentManager(models.Manager["Department"]):
    def subtree_ids(self, department_id: int) -> frozenset[int]:
        """The department and every department below it. Departments are few, so one query
        loads the whole tree."""
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in self.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found = {department_id}
        frontier = [department_id]
        while frontier:
            below = [c for parent in frontier for c in children.get(parent, []) if c not in found]
            found.update(below)
            frontier = below
        return frozenset(found)


class Department(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = DepartmentManager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class User(AbstractUser):
    """A member of staff. Customers are not users; they are `tickets.Customer`."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # In-app notifications always reach staff; email and SMS only where they want them.
    notify_by_email = models.BooleanField(_("notify by email"), default=True)
    notify_by_sms = models.BooleanField(_("notify by SMS"), default=True)
    # Where the pack names tiered responsible persons (一级/二级责任人): this person's level.
    responsible_level = models.PositiveSmallIntegerField(
        _("responsible level"),
        null=True,
        blank=True,
        help_text=_(
            "The person's level among the policy pack's responsible persons (1 = first level); "
            "empty for none. Escalations and approvals follow it."
        ),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def role_set(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles.all())

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    @cached_property
    def department_scope(self) -> frozenset[int]:
        """Departments whose tickets this person's department role reaches: their own and
        every department below it."""
        if not self.department_id:
            return frozenset()
        return Department.objects.subtree_ids(self.department_id)

    @property
    def is_centre_staff(self) -> bool:
        return bool(self.role_set & CENTRE_ROLES)

    @property
    def may_see_identity(self) -> bool:
        return bool(self.role_set & IDENTITY_ROLES)


class UserRole(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class DutyRota(models.Model):
    """Department staff on duty at the service centre on a given day (带班)."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="rota"
    )
    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("duty rota entry")
        verbose_name_plural = _("duty rota")
        ordering = ["day", "department"]
        constraints = [
            models.UniqueConstraint(fields=["department", "user", "day"], name="unique_duty")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.department.code} {self.user}"

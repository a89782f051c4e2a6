from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .lockout import AdminLoginForm
from .models import Department, DutyRota, User, UserRole
from .roles import Role
from .services import ROLES_NEEDING_DEPARTMENT

# Texts of the admin that Django's and django-axes' own catalogues leave in English (Django
# 5.2's newer admin strings; axes has no Chinese at all), translated in the project's catalogue.
# Marked here so that refreshing the catalogue keeps them.
ADMIN_TEXTS = (
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
)

# The admin's login says when a locked-out person may try again, as the staff login does.
admin.site.login_form = AdminLoginForm


class ChildDepartmentInline(admin.TabularInline[Department, Department]):
    model = Department
    fk_name = "parent"
    fields = ("code", "name", "is_active")
    extra = 0
    show_change_link = True
    verbose_name = _("sub-department")
    verbose_name_plural = _("sub-departments")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ("code", "name", "parent", "is_active", "member_count")
    list_filter = ("is_active", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    inlines = (ChildDepartmentInline,)
    list_select_related = ("parent",)

    @admin.display(description=_("people"))
    def member_count(self, obj: Department) -> int:
        return obj.members.count()


class UserRoleFormSet(BaseInlineFormSet[UserRole, User]):
    """Holds the admin to the rule the services enforce: liaisons and handlers need a department."""

    def clean(self) -> None:
        super().clean()
        roles = {
            form.cleaned_data.get("role")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        }
        needing = sorted(r for r in roles if r in ROLES_NEEDING_DEPARTMENT)
        if needing and self.instance.department_id is None:
            raise ValidationError(
                _("The role %(role)s needs a department."), params={"role": Role(needing[0]).label}
            )


class UserRoleInline(admin.TabularInline[UserRole, User]):
    model = UserRole
    formset = UserRoleFormSet
    extra = 1


class RoleListFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return Role.choices

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value():
            return queryset.filter(roles__role=self.value()).distinct()
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    list_display = (
        "username",
        "display_name",
        "department",
        "roles_display",
        "responsible_level",
        "is_active",
    )
    list_filter = (RoleListFilter, ("department", admin.RelatedOnlyFieldListFilter), "is_active")
    search_fields = ("username", "display_name", "email", "phone")
    autocomplete_fields = ("department",)
    inlines = (UserRoleInline,)
    list_select_related = ("department",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Person"),
            {"fields": ("display_name", "department", "email", "phone", "responsible_level")},
        ),
        (_("Notifications"), {"fields": ("notify_by_email", "notify_by_sms")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "display_name", "department", "password1", "password2"),
            },
        ),
    )

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("roles")

    @admin.display(description=_("roles"))
    def roles_display(self, obj: User) -> str:
        return ", ".join(str(Role(r.role).label) for r in obj.roles.all())


@admin.register(DutyRota)
class DutyRotaAdmin(admin.ModelAdmin[DutyRota]):
    list_display = ("day", "department", "user")
    list_filter = (("department", admin.RelatedOnlyFieldListFilter), "day")
    date_hierarchy = "day"
    search_fields = ("user__username", "user__display_name", "department__name")
    autocomplete_fields = ("department", "user")
    list_select_related = ("department", "user")

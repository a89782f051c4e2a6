"""django-axes (the login lockout) under a name the admin shows in the person's language: the
library has no Chinese catalogue, and its app would read "Axes" in the admin's menu."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LockoutConfig(AppConfig):
    verbose_name = _("Login lockout")

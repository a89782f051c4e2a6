from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "closeloop.directory"
    label = "directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from .lockout import lockout_logged

        user_locked_out.connect(lockout_logged, dispatch_uid="closeloop.lockout_logged")

"""Django finds tag libraries only in installed apps' `templatetags`; the code is in web/."""

from closeloop.channels.web.templatetags.workbench import register

__all__ = ["register"]

"""Django classes that the type stubs (django-stubs) declare generic, such as
`admin.ModelAdmin[Ticket]`, but that Django itself cannot subscript. Settings call
`generics_allow()` first thing, so that such a class can be written as a base class with its
type arguments. This is what django-stubs-ext's `monkeypatch()` does, limited to the classes used
here, so the typing helper does not become a run-time dependency.

DRF's fields and serializers, QuerySet and Page are generic at run time already.
"""

from typing import Any

from django.contrib.admin.options import BaseModelAdmin
from django.core.paginator import Paginator
from django.forms.formsets import BaseFormSet

# Their subclasses inherit it: ModelAdmin, TabularInline, auth's UserAdmin, BaseInlineFormSet.
_GENERIC_IN_STUBS: tuple[Any, ...] = (BaseModelAdmin, BaseFormSet, Paginator)


def _same_class(cls: type, *args: Any, **kwargs: Any) -> type:
    # The type arguments are for the type checker only.
    return cls


def generics_allow() -> None:
    for cls in _GENERIC_IN_STUBS:
        if not hasattr(cls, "__class_getitem__"):
            cls.__class_getitem__ = classmethod(_same_class)

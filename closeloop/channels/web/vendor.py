"""htmx, served from the `django-htmx` package (no CDN, nothing copied into the repository).

With `django_htmx` in INSTALLED_APPS the script is a normal static file; until then this view
serves the same file from the installed package so the pages work either way.
"""

from pathlib import Path

from django.apps import apps
from django.http import FileResponse, Http404, HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

HTMX_STATIC = "django_htmx/htmx-2.min.js"


def htmx_url() -> str:
    if apps.is_installed("django_htmx"):
        return static(HTMX_STATIC)
    return reverse("web:htmx")


def _htmx_file() -> Path | None:
    try:
        import django_htmx
    except ImportError:
        return None
    path = Path(django_htmx.__file__).parent / "static" / HTMX_STATIC
    return path if path.is_file() else None


@require_GET
@cache_control(max_age=86400, public=True)
def htmx_script(request: HttpRequest) -> FileResponse:
    path = _htmx_file()
    if path is None:
        raise Http404("django-htmx is not installed")
    return FileResponse(path.open("rb"), content_type="text/javascript")

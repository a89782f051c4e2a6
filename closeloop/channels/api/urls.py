"""The REST API, version 1: each app contributes its endpoints here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from closeloop.channels.api.calendar import DeadlineCalculatorView
from closeloop.channels.api.departments import DepartmentListView
from closeloop.channels.api.indicators import IndicatorsView
from closeloop.channels.api.notifications import (
    NotificationListView,
    NotificationReadAllView,
    NotificationReadView,
)
from closeloop.channels.api.pack import CategoryListView, PackView


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI whose start-up script is served as a file (`?script`) and whose page styles
    are in a file too: it runs under the site's Content-Security-Policy."""

    template_name = "api/swagger_ui.html"


urlpatterns = [
    path("", include("closeloop.channels.api.tickets.urls")),
    path("departments", DepartmentListView.as_view(), name="department-list"),
    path("categories", CategoryListView.as_view(), name="category-list"),
    path("pack", PackView.as_view(), name="pack"),
    path("reports/indicators", IndicatorsView.as_view(), name="report-indicators"),
    path("calendar/deadline", DeadlineCalculatorView.as_view(), name="calendar-deadline"),
    path("notifications", NotificationListView.as_view(), name="notification-list"),
    path("notifications/read-all", NotificationReadAllView.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read", NotificationReadView.as_view(), name="notification-read"),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

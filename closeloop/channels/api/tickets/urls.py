from django.urls import path, register_converter

from . import views


class TicketNumberConverter:
    regex = r"\d{8}-\d{6}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TicketNumberConverter, "ticket")

urlpatterns = [
    path("tickets", views.TicketListCreateView.as_view(), name="ticket-list"),
    path("tickets/<ticket:number>", views.TicketDetailView.as_view(), name="ticket-detail"),
    *[
        path(f"tickets/<ticket:number>/{name}", view.as_view(), name=f"ticket-{name}")
        for name, view in views.ACTION_VIEWS.items()
    ],
    path(
        "tickets/<ticket:number>/reveal-phone",
        views.RevealPhoneView.as_view(),
        name="ticket-reveal-phone",
    ),
    path(
        "tickets/<ticket:number>/attachments",
        views.AttachmentUploadView.as_view(),
        name="ticket-attachments",
    ),
    path(
        "tickets/<ticket:number>/attachments/<int:attachment_id>",
        views.AttachmentDownloadView.as_view(),
        name="ticket-attachment",
    ),
    path("customers", views.CustomerHistoryView.as_view(), name="customer-history"),
]

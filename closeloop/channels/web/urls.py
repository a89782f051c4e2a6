from django.urls import include, path

from ..live.views import live_events
from . import care, intake, knowledge, notifications, quality, reports, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("intake/", intake.intake, name="intake"),
    path("intake/history/", intake.intake_history, name="intake-history"),
    path("intake/preview/", intake.intake_preview, name="intake-preview"),
    path("tickets/", views.queue, name="queue"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:number>/act/<str:action>/", views.ticket_act, name="act"),
    path("tickets/<str:number>/row/<str:action>/", views.row_act, name="row-act"),
    path("tickets/<str:number>/reveal-phone/", views.ticket_reveal_phone, name="reveal-phone"),
    path(
        "tickets/<str:number>/attachments/<int:pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "tickets/<str:number>/reply-letter.pdf",
        views.reply_letter_download,
        name="reply-letter",
    ),
    path("case-files/<int:pk>/", views.case_file, name="case-file"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("live/events/", live_events, name="live-events"),
    path("approvals/", views.approvals, name="approvals"),
    path("visits/", views.visits, name="visits"),
    path("ledger/", include("closeloop.channels.web.ledger")),
    path("knowledge/", include(knowledge.urlpatterns)),
    path("quality/", include(quality.urlpatterns)),
    path("reports/", include(reports.urlpatterns)),
    path("notifications/", include(notifications.urlpatterns)),
    path("care/", include(care.urlpatterns)),
]

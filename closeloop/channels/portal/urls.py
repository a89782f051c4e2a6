from django.urls import include, path

from . import knowledge, receptions, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("submitted/", views.submitted, name="submitted"),
    path("check/", views.check, name="check"),
    path("status/", views.status, name="status"),
    path("rate/", views.rate, name="rate"),
    path("survey/", views.survey_rate, name="survey-rate"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("messages/opt-out/<str:token>/", views.messages_opt_out, name="messages-opt-out"),
    path("knowledge/", include(knowledge.urlpatterns)),
    path("reception/", include(receptions.urlpatterns)),
]

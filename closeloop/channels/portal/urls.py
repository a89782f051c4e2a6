from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("submitted/", views.submitted, name="submitted"),
    path("check/", views.check, name="check"),
    path("status/", views.status, name="status"),
    path("rate/", views.rate, name="rate"),
]

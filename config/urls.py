from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("closeloop.channels.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("closeloop.channels.portal.urls")),
    path("", include("closeloop.channels.web.urls")),
]

# Under /api/ these answer in the API's JSON error shape; elsewhere with Django's pages.
handler400 = "closeloop.channels.api.errors.bad_request"
handler404 = "closeloop.channels.api.errors.page_not_found"
handler500 = "closeloop.channels.api.errors.server_error"

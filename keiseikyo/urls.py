from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("requests_portal.api.urls")),  # the core-system API (docs/api.md)
    path("", include("requests_portal.urls")),
]

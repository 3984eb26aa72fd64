"""/api/: the core-system API, its OpenAPI schema (/api/schema/) and docs (/api/docs/)."""

from django.urls import path

from requests_portal.api.views import api

urlpatterns = [path("", api.urls)]

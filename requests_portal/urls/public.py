from django.urls import path

from requests_portal.views import health, public

urlpatterns = [
    path("", public.home, name="home"),
    path("procedures/", public.procedures, name="procedures"),
    path("privacy-policy/", public.privacy_policy, name="privacy_policy"),
    # For container health checks and monitoring: no sign-in, no personal data.
    path("healthz", health.healthz, name="healthz"),
]

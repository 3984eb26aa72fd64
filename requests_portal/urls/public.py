from django.urls import path

from requests_portal.views import public

urlpatterns = [
    path("", public.home, name="home"),
    path("procedures/", public.procedures, name="procedures"),
]

from django.urls import path

from requests_portal.views import staff

urlpatterns = [
    path("staff/", staff.staff_home, name="staff_home"),
]

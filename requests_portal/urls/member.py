from django.urls import path

from requests_portal.views import member

urlpatterns = [
    path("member/", member.member_home, name="member_home"),
]

from django.urls import path

from requests_portal.views import member

urlpatterns = [
    path("member/", member.member_home, name="member_home"),
    path("member/requests/new/", member.dsr_new, name="member_dsr_new"),
    path("member/requests/new/<slug:kind>/", member.dsr_create, name="member_dsr_create"),
    path("member/requests/<uuid:public_id>/", member.dsr_detail, name="member_dsr_detail"),
    path("member/requests/<uuid:public_id>/submitted/", member.dsr_submitted, name="member_dsr_submitted"),
    path("member/requests/<uuid:public_id>/message/", member.dsr_message, name="member_dsr_message"),
    path("member/requests/<uuid:public_id>/amendment/", member.dsr_amend, name="member_dsr_amend"),
    path("member/requests/<uuid:public_id>/withdraw/", member.dsr_withdraw, name="member_dsr_withdraw"),
]

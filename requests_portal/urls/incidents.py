from django.urls import path

from requests_portal.incidents import views

_ONE = "staff/incidents/<uuid:public_id>"
_REPORT = f"{_ONE}/reports/<str:stage>"

urlpatterns = [
    path("staff/incidents/", views.incident_register, name="incident_register"),
    path("staff/incidents/new/", views.incident_new, name="incident_new"),
    path(f"{_ONE}/", views.incident_detail, name="incident_detail"),
    path(f"{_ONE}/edit/", views.incident_edit, name="incident_edit"),
    path(f"{_ONE}/move/", views.incident_move, name="incident_move"),
    path(f"{_ONE}/assess/", views.incident_assess, name="incident_assess"),
    path(f"{_ONE}/affected/", views.incident_affected, name="incident_affected"),
    path(f"{_ONE}/affected/csv/", views.incident_affected_csv, name="incident_affected_csv"),
    path(f"{_REPORT}/", views.incident_report, name="incident_report"),
    path(f"{_REPORT}/submit/", views.incident_report_submit, name="incident_report_submit"),
    path(f"{_REPORT}/approve/", views.incident_report_approve, name="incident_report_approve"),
    path(f"{_REPORT}/return/", views.incident_report_return, name="incident_report_return"),
    path(f"{_REPORT}/sent/", views.incident_report_sent, name="incident_report_sent"),
    path(f"{_REPORT}/pdf/", views.incident_report_pdf, name="incident_report_pdf"),
    path(f"{_REPORT}/export.<str:fmt>", views.incident_report_export, name="incident_report_export"),
    path(f"{_ONE}/notices/", views.incident_notices, name="incident_notices"),
    path(f"{_ONE}/notices/alternative/", views.incident_alternative, name="incident_alternative"),
    path("staff/incidents/notices/<uuid:notice_id>/pdf/", views.incident_notice_pdf, name="incident_notice_pdf"),
    path(f"{_ONE}/reviews/", views.incident_review, name="incident_review"),
    path(
        "staff/incidents/reviews/<int:pk>/attachment/",
        views.incident_review_attachment,
        name="incident_review_attachment",
    ),
    path(f"{_ONE}/measures/", views.incident_measure, name="incident_measure"),
    path("staff/incidents/measures/<int:pk>/done/", views.incident_measure_done, name="incident_measure_done"),
    path(
        "member/incident-notices/<uuid:notice_id>/", views.member_incident_notice_pdf, name="member_incident_notice_pdf"
    ),
]

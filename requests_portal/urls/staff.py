from django.urls import path

from requests_portal.views import audit_log
from requests_portal.views.staff import (
    actions,
    case,
    documents,
    grants,
    grants_roles,
    intake,
    links,
    masking,
    provision,
    queue,
    reassign,
    roster,
)

urlpatterns = [
    path("staff/", queue.staff_home, name="staff_home"),
    path("staff/queue/", queue.staff_queue, name="staff_queue"),
    path("staff/queue/assign/", queue.staff_queue_bulk_assign, name="staff_queue_bulk_assign"),
    path("staff/queue/filters/", queue.staff_saved_filter_create, name="staff_saved_filter_create"),
    path("staff/queue/filters/<int:pk>/delete/", queue.staff_saved_filter_delete, name="staff_saved_filter_delete"),
    path("staff/intake/", intake.staff_intake, name="staff_intake"),
    path("staff/cases/<uuid:public_id>/", case.staff_dsr_detail, name="staff_dsr_detail"),
    path("staff/cases/<uuid:public_id>/claim/", case.staff_dsr_claim, name="staff_dsr_claim"),
    path("staff/cases/<uuid:public_id>/assign/", case.staff_dsr_assign, name="staff_dsr_assign"),
    path("staff/cases/<uuid:public_id>/take-over/", case.staff_dsr_take_over, name="staff_dsr_take_over"),
    path("staff/cases/<uuid:public_id>/access/", grants.staff_dsr_access, name="staff_dsr_access"),
    path(
        "staff/cases/<uuid:public_id>/disclosure-package/",
        documents.staff_dsr_disclosure_package,
        name="staff_dsr_disclosure_package",
    ),
    path("staff/cases/<uuid:public_id>/access/revoke/", grants.staff_dsr_access_revoke, name="staff_dsr_access_revoke"),
    path("staff/cases/<uuid:public_id>/links/", links.staff_dsr_links, name="staff_dsr_links"),
    path("staff/cases/<uuid:public_id>/links/unlink/", links.staff_dsr_unlink, name="staff_dsr_unlink"),
    *[
        path(f"staff/cases/<uuid:public_id>/{slug}/", view, name=f"staff_dsr_{slug}")
        for slug, view in actions.ACTION_VIEWS.items()
    ],
    path("staff/documents/<uuid:public_id>/masking/", masking.staff_document_masking, name="staff_document_masking"),
    path(
        "staff/documents/<uuid:public_id>/masking/page/<int:page>.png",
        masking.staff_document_masking_page,
        name="staff_document_masking_page",
    ),
    path("staff/reassign/", reassign.staff_reassign, name="staff_reassign"),
    path("staff/roster/", roster.staff_roster_import, name="staff_roster_import"),
    path("staff/provision-records/", provision.staff_provision_import, name="staff_provision_import"),
    path(
        "staff/cases/<uuid:public_id>/provision-records/",
        provision.staff_dsr_provision_records,
        name="staff_dsr_provision_records",
    ),
    path(
        "staff/cases/<uuid:public_id>/provision-records/choose/",
        provision.staff_dsr_provision_records_choose,
        name="staff_dsr_provision_records_choose",
    ),
    path("staff/role-grants/", grants_roles.staff_role_grants, name="staff_role_grants"),
    path("staff/role-grants/<int:pk>/decide/", grants_roles.staff_role_grant_decide, name="staff_role_grant_decide"),
    path("staff/role-grants/register.csv", grants_roles.staff_handler_register_csv, name="staff_handler_register_csv"),
    path("staff/role-grants/register.pdf", grants_roles.staff_handler_register_pdf, name="staff_handler_register_pdf"),
    path("staff/audit/", audit_log.staff_audit_log, name="staff_audit_log"),
    path("staff/audit/verify/", audit_log.staff_audit_verify, name="staff_audit_verify"),
    path("staff/audit/export.csv", audit_log.staff_audit_export, name="staff_audit_export"),
]

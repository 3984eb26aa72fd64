"""The auditor reads and never writes (docs/reliability.md#authorisation): every write method on every portal URL
answers 403/404/405, except the few that touch only the auditor's own things, and a checksum of
the business tables is the same before and after the auditor has tried them all (for real: no
rollback between the requests)."""

import hashlib

import pytest

from django.apps import apps

from tests.authz.matrix import ALL_PORTAL_ROWS, Outcome, Variant, Who, expected
from tests.authz.world import build_url, post_data, url_patterns

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# What an auditor may POST: their own saved filters, a re-check of the audit chain, and an
# export of what they may read. None of these changes a case, a letter or a permission.
AUDITOR_MAY_POST = {
    "requests_portal:staff_saved_filter_create",
    "requests_portal:staff_audit_verify",
    "requests_portal:oversight_queue_export_job",
}
# Written by the auditor's own allowed actions (or by the audit trail itself), not business data.
NOT_BUSINESS = {"requests_portal.auditentry", "requests_portal.savedfilter", "requests_portal.bulkjob"}


def business_checksum() -> str:
    digest = hashlib.sha256()
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model._meta.app_label not in ("requests_portal", "guardian", "auth") or label in NOT_BUSINESS:
            continue
        digest.update(label.encode())
        for row in model.objects.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_the_specification_lets_the_auditor_write_nothing_but_their_own():
    writable = {
        row.key
        for row in ALL_PORTAL_ROWS
        for variant in (list(Variant) if row.obj is not None else [None])
        for method in WRITE_METHODS
        if expected(row, Who.AUDITOR, variant, method) == Outcome.OK
    }
    assert writable == AUDITOR_MAY_POST


def test_the_auditor_changes_no_business_data(world):
    client = world.clients[Who.AUDITOR]
    routes = url_patterns()
    before = business_checksum()
    answered = []
    for row in ALL_PORTAL_ROWS:
        for variant in list(Variant) if row.obj is not None else [None]:
            path = build_url(world, row, variant, routes[row.key])
            for method in WRITE_METHODS:
                if method == "POST":
                    response = client.post(path, post_data(world, row, variant))
                else:
                    response = client.generic(method, path)
                if row.key not in AUDITOR_MAY_POST:
                    assert response.status_code in (403, 404, 405), f"{row.key} {method} {variant}"
                answered.append(response.status_code)
    assert len(answered) > 300
    assert business_checksum() == before

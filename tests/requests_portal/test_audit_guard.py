"""The audit trail is append-only on every database (個人情報保護法第23条の安全管理措置: the record
of who saw what must not be rewritten): PostgreSQL since 0002, SQLite since 0006."""

import pytest

from django.db import DatabaseError, transaction

from requests_portal import audit
from requests_portal.models import AuditEntry

pytestmark = pytest.mark.django_db


def _refused(change) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change()


def test_no_audit_entry_can_be_changed_or_removed():
    entries = [audit.record(action="test.event", data={"n": n}) for n in range(3)]
    first = entries[0]
    before = list(AuditEntry.objects.order_by("id").values_list("id", "action", "data", "row_hash"))

    def save_changed():
        first.action = "forged"
        first.save()

    _refused(save_changed)  # ORM update of one instance
    _refused(lambda: AuditEntry.objects.get(pk=first.pk).delete())  # ORM delete of one instance
    _refused(lambda: AuditEntry.objects.all().delete())  # bulk delete
    _refused(lambda: AuditEntry.objects.filter(pk__gte=first.pk).update(action="forged"))  # queryset update
    _refused(lambda: AuditEntry.objects.bulk_update([first], ["action"]))

    assert list(AuditEntry.objects.order_by("id").values_list("id", "action", "data", "row_hash")) == before
    assert audit.verify_chain().ok
    audit.record(action="test.event", data={"n": 3})  # appending still works
    assert AuditEntry.objects.count() == 4

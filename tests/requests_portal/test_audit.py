"""The audit chain: any alteration, deletion or reordering is found; PostgreSQL refuses changes."""

import random

import pytest

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from requests_portal import audit
from requests_portal.models import AuditEntry
from tests.audit_guard import audit_guard_lifted

pytestmark = pytest.mark.django_db

ON_POSTGRES = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL")


def tamper():
    """Let the test bypass the append-only trigger, as a database owner could."""
    return audit_guard_lifted()


def _entries(n: int) -> list[AuditEntry]:
    return [audit.record(action="test.event", data={"n": i}) for i in range(n)]


def test_chain_verifies_when_untouched():
    _entries(20)
    result = audit.verify_chain()
    assert result.ok
    assert result.checked == 20


def test_altered_field_is_found_at_its_row():
    entries = _entries(10)
    victim = entries[4]
    with tamper():
        AuditEntry.objects.filter(pk=victim.pk).update(actor_label="someone-else")
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_id == victim.pk


def test_deleted_row_is_found_at_the_next_row():
    entries = _entries(10)
    with tamper():
        AuditEntry.objects.filter(pk=entries[3].pk).delete()
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_id == entries[4].pk


def test_swapped_rows_are_found():
    entries = _entries(10)
    first, second = entries[2], entries[6]
    columns = ["at", "action", "data", "prev_hash", "row_hash"]
    a = {c: getattr(first, c) for c in columns}
    b = {c: getattr(second, c) for c in columns}
    with tamper():
        AuditEntry.objects.filter(pk=first.pk).update(row_hash="x" * 64)
        AuditEntry.objects.filter(pk=second.pk).update(**a)
        AuditEntry.objects.filter(pk=first.pk).update(**b)
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_id == first.pk


def test_random_tampering_is_always_found():
    entries = _entries(60)
    rng = random.Random(7)
    for _trial in range(15):
        victim = rng.choice(entries)
        original = AuditEntry.objects.get(pk=victim.pk).data
        with tamper():
            AuditEntry.objects.filter(pk=victim.pk).update(data={"n": -1})
        assert audit.verify_chain().broken_id == victim.pk
        with tamper():
            AuditEntry.objects.filter(pk=victim.pk).update(data=original)
    assert audit.verify_chain().ok


def test_truncated_tail_is_found_against_the_anchor(tmp_path):
    entries = _entries(10)
    anchor_file = tmp_path / "anchor.log"
    audit.write_anchor(anchor_file)
    with tamper():
        AuditEntry.objects.filter(pk__gte=entries[7].pk).delete()
    assert audit.verify_chain().ok  # the chain alone cannot tell
    result = audit.verify_chain(anchors=audit.read_anchors(anchor_file))
    assert not result.ok
    assert result.broken_id == entries[9].pk


def test_verify_audit_command_reports_first_broken_row():
    entries = _entries(5)
    call_command("verify_audit", "--anchor-file", "-")
    with tamper():
        AuditEntry.objects.filter(pk=entries[1].pk).update(action="forged")
    with pytest.raises(CommandError, match=f"#{entries[1].pk}"):
        call_command("verify_audit", "--anchor-file", "-")


def test_entries_never_hold_a_my_number():
    entry = audit.record(action="test.event", data={"note": "番号 1234 5678 9018", "nested": ["621498320257"]})
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert "9018" not in str(stored.data)
    assert "0257" not in str(stored.data)
    assert audit.verify_chain().ok


@ON_POSTGRES
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE requests_portal_auditentry SET action = 'x'",
        "DELETE FROM requests_portal_auditentry",
        "TRUNCATE requests_portal_auditentry",
    ],
)
def test_postgres_refuses_changes(statement):
    _entries(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.count() == 2

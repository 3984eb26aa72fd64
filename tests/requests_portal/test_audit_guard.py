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


@pytest.mark.slow
def test_the_rule_also_holds_on_the_embedded_sqlite_when_the_suite_runs_on_postgresql():
    """CI runs the suite on PostgreSQL; the SQLite triggers (migration 0006) are proved there too,
    by the test above in a second run on the embedded default (SQLite in memory)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite already: the test above is the SQLite run")
    root = Path(__file__).resolve().parents[2]
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")}
    target = f"{Path(__file__).relative_to(root)}::test_no_audit_entry_can_be_changed_or_removed"
    result = subprocess.run(  # noqa: S603 - this interpreter, running pytest on one test of this file
        [sys.executable, "-m", "pytest", target, "-q", "-p", "no:xdist"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout

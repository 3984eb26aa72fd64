"""The application's database role (`create_app_role`): it may read and append the audit trail,
and nothing else there; it works normally everywhere else. PostgreSQL only."""

import os
import secrets
from collections.abc import Iterator
from io import StringIO

import pytest

from django.core.management import call_command
from django.db import connection

from requests_portal import audit
from requests_portal.models import AuditEntry

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AUDIT = AuditEntry._meta.db_table


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("DSR_REQUIRE_ALL_TESTS"):
            pytest.fail("needs DATABASE_URL (PostgreSQL)")
        pytest.skip("needs DATABASE_URL (PostgreSQL)")


@pytest.fixture
def app_role(monkeypatch) -> Iterator[str]:
    _require_postgres()
    role = f"keiseikyo_app_test_{secrets.token_hex(4)}"
    monkeypatch.setenv("DSR_APP_DB_PASSWORD", secrets.token_urlsafe(16))
    call_command("create_app_role", "--role", role)
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


@pytest.fixture
def as_role(app_role):  # type: ignore[no-untyped-def]
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=app_role,
        password=os.environ["DSR_APP_DB_PASSWORD"],
        autocommit=True,
    ) as role_connection:
        yield role_connection


def _refused(role_connection, statement: str, expected: str) -> str:  # type: ignore[no-untyped-def]
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refusal:
        role_connection.execute(statement)
    message = str(refusal.value)
    assert expected in message, message
    return message


def test_the_role_reads_and_appends_the_audit_trail(as_role):
    entry = audit.record(action="test.event")
    count = as_role.execute(f"SELECT count(*) FROM {AUDIT}").fetchone()[0]  # noqa: S608
    assert count == 1
    as_role.execute(
        f"INSERT INTO {AUDIT} (at, actor_label, actor_role, action, object_type, object_id, object_ref,"  # noqa: S608
        " outcome, restricted, ip, request_id, data, key_id, prev_hash, row_hash)"
        " VALUES (now(), 'system', 'system', 'test.event', '', '', '', 'ok', false, '', '', '{}', '', %s, %s)",
        [entry.row_hash, "f" * 64],
    )
    assert AuditEntry.objects.count() == 2


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {AUDIT} SET action = 'forged'",  # noqa: S608
        f"DELETE FROM {AUDIT}",  # noqa: S608
        f"TRUNCATE {AUDIT}",
    ],
)
def test_the_role_may_not_change_or_remove_audit_rows(as_role, statement):
    audit.record(action="test.event")
    # Refused by the privilege check itself, before the append-only trigger is even reached.
    _refused(as_role, statement, "permission denied")
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    "statement",
    [
        f"ALTER TABLE {AUDIT} DISABLE TRIGGER USER",
        f"ALTER TABLE {AUDIT} DISABLE TRIGGER auditentry_no_update_delete",
        f"DROP TRIGGER auditentry_no_update_delete ON {AUDIT}",
        f"ALTER TABLE {AUDIT} OWNER TO CURRENT_USER",
        f"DROP TABLE {AUDIT}",
    ],
)
def test_the_role_cannot_disarm_the_trigger_or_the_table(as_role, statement):
    _refused(as_role, statement, "must be owner")


def test_the_role_cannot_grant_itself_more_or_create_tables(as_role, app_role):
    as_role.execute(f"GRANT UPDATE ON {AUDIT} TO {app_role}")  # PostgreSQL only warns: nothing granted
    _refused(as_role, f"UPDATE {AUDIT} SET action = 'forged'", "permission denied")  # noqa: S608
    _refused(as_role, "CREATE TABLE public.sneaky (id int)", "permission denied")
    super_user, owns = as_role.execute(
        "SELECT rolsuper, EXISTS (SELECT 1 FROM pg_tables WHERE tableowner = current_user) "
        "FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert super_user is False
    assert owns is False


def test_the_role_has_normal_rights_on_the_other_tables(as_role):
    # Privileges are checked when a statement is planned, so `WHERE false` proves the right
    # without changing anything.
    for table in ("requests_portal_datasubjectrequest", "requests_portal_document", "django_session"):
        as_role.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        as_role.execute(f"UPDATE {table} SET {'session_key' if table == 'django_session' else 'id'} = "  # noqa: S608
                        f"{'session_key' if table == 'django_session' else 'id'} WHERE false")  # fmt: skip
        as_role.execute(f"DELETE FROM {table} WHERE false")  # noqa: S608
    sequence = as_role.execute("SELECT pg_get_serial_sequence('requests_portal_queue', 'id')").fetchone()[0]
    assert as_role.execute("SELECT nextval(%s)", [sequence]).fetchone()[0] > 0
    # The audit chain's advisory lock is available to it too.
    as_role.execute("SELECT pg_advisory_xact_lock(7410132001)")


def test_running_it_again_after_a_migrate_says_the_role_was_updated(app_role):
    out = StringIO()
    call_command("create_app_role", "--role", app_role, stdout=out)
    assert out.getvalue().startswith(f"updated role {app_role} on ")

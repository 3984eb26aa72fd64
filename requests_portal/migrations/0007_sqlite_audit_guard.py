"""The audit trail is append-only on SQLite too (the development and test database).

PostgreSQL has had its trigger since 0002; SQLite gets the equivalent here, so that code which
updates or deletes an audit entry fails on every database, not only in production.

On SQLite, a migration that alters the audit table rebuilds it and loses these triggers: such a
migration must come before this one, or install them again (tests check they exist).
"""

from django.db import migrations

SQLITE_AUDIT_GUARD_SQL = (
    """
    CREATE TRIGGER IF NOT EXISTS auditentry_no_update
    BEFORE UPDATE ON requests_portal_auditentry
    BEGIN
      SELECT RAISE(ABORT, 'requests_portal_auditentry is append-only: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS auditentry_no_delete
    BEFORE DELETE ON requests_portal_auditentry
    BEGIN
      SELECT RAISE(ABORT, 'requests_portal_auditentry is append-only: DELETE refused');
    END
    """,
)
SQLITE_AUDIT_GUARD_REVERSE_SQL = (
    "DROP TRIGGER IF EXISTS auditentry_no_update",
    "DROP TRIGGER IF EXISTS auditentry_no_delete",
)


def install_sqlite_audit_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_AUDIT_GUARD_SQL:
            schema_editor.execute(statement, params=None)


def remove_sqlite_audit_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_AUDIT_GUARD_REVERSE_SQL:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("requests_portal", "0006_audit_hmac"),
    ]

    operations = [
        migrations.RunPython(install_sqlite_audit_guard, remove_sqlite_audit_guard),
    ]

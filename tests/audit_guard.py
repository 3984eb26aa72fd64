"""Lifting the audit table's append-only guard inside a test, as a database owner could."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

TABLE = "requests_portal_auditentry"


@contextmanager
def audit_guard_lifted() -> Iterator[None]:
    """PostgreSQL disables the table's triggers; SQLite, which cannot, drops and re-creates them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            triggers = []
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
            for _name, sql in triggers:
                cursor.execute(sql)

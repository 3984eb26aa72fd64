"""`flush`, able to empty the append-only audit table where the settings allow it (tests).

The audit table's triggers refuse TRUNCATE (PostgreSQL) and DELETE (SQLite). Test runs that
reset the database between tests (transactional tests) use `flush`; only when
DSR_ALLOW_AUDIT_FLUSH is on, and only as the table's owner, is the guard lifted for that one
command.
"""

from typing import Any

from django.conf import settings
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

_TABLE = "requests_portal_auditentry"
_TRIGGER = "auditentry_no_truncate"


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or "default"]
        guarded = connection.vendor == "postgresql" and settings.DSR_ALLOW_AUDIT_FLUSH
        if connection.vendor == "sqlite" and settings.DSR_ALLOW_AUDIT_FLUSH:
            with connection.cursor() as cursor:
                # SQLite cannot disable a trigger: drop the table's triggers and re-create them as they were.
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [_TABLE])
                triggers = cursor.fetchall()
                for name, _sql in triggers:
                    cursor.execute(f'DROP TRIGGER "{name}"')
            try:
                super().handle(**options)
            finally:
                with connection.cursor() as cursor:
                    for _name, sql in triggers:
                        cursor.execute(sql)
            return
        if guarded:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {_TABLE} DISABLE TRIGGER {_TRIGGER}")
        try:
            super().handle(**options)
        finally:
            if guarded:
                with connection.cursor() as cursor:
                    cursor.execute(f"ALTER TABLE {_TABLE} ENABLE TRIGGER {_TRIGGER}")

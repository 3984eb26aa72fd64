"""`flush`, able to empty the append-only audit table where the settings allow it (tests).

The audit table's trigger refuses TRUNCATE. Test runs that reset the database between
tests (transactional tests) use `flush`; only when DSR_ALLOW_AUDIT_FLUSH is on, and only
as the table's owner, is the trigger disabled for that one statement.
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
        if guarded:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {_TABLE} DISABLE TRIGGER {_TRIGGER}")
        try:
            super().handle(**options)
        finally:
            if guarded:
                with connection.cursor() as cursor:
                    cursor.execute(f"ALTER TABLE {_TABLE} ENABLE TRIGGER {_TRIGGER}")

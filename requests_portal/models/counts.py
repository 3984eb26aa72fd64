"""How many cases each queue holds, per kind and status, kept by the database itself.

The queue page shows how many cases each status holds. Counting them there would read every
case the co-op ever received (a million after some years) on each page load; this table holds
the same numbers, changed by triggers on the case table in the same transaction as the change
itself, whatever makes it (workflow.transition(), intake, the admin, a bulk import, retention's
disposal). The numbers are exact, never an estimate: `selectors.dsr_status_counts_for` adds them
up over the queues a person may see, and the tests compare them with a count of the cases.

The counts are per queue *and* kind, so that the rule of selectors.dsr_visible_to_staff (a My
Number inquiry filed in the wrong queue stays hidden from non-officers) applies to them too.
"""

from typing import Any

from django.db import models

from .cases import Queue

COUNT_TABLE = "requests_portal_queuestatuscount"


class QueueStatusCount(models.Model):
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    status = models.CharField(max_length=30)
    cases = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["queue", "kind", "status"], name="queuestatuscount_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.queue_id} {self.kind} {self.status}: {self.cases}"


# PostgreSQL: statement-level triggers with transition tables, so a bulk INSERT or UPDATE changes
# each counter once, not once per row; an update that moves no case between counters (an
# assignment, a note) touches none. The rows are upserted in key order, so two transactions
# that move cases between the same counters lock them in the same order and never deadlock.
POSTGRESQL_TRIGGERS = (
    """
    CREATE OR REPLACE FUNCTION requests_portal_count_cases() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO requests_portal_queuestatuscount (queue_id, kind, status, cases)
        SELECT queue_id, kind, status, count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (queue_id, kind, status) DO UPDATE
          SET cases = requests_portal_queuestatuscount.cases + EXCLUDED.cases;
      ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO requests_portal_queuestatuscount (queue_id, kind, status, cases)
        SELECT queue_id, kind, status, sum(delta) FROM (
          SELECT queue_id, kind, status, -1 AS delta FROM old_rows
          UNION ALL
          SELECT queue_id, kind, status, 1 FROM new_rows
        ) AS moves
        GROUP BY 1, 2, 3 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (queue_id, kind, status) DO UPDATE
          SET cases = requests_portal_queuestatuscount.cases + EXCLUDED.cases;
      ELSIF TG_OP = 'DELETE' THEN
        UPDATE requests_portal_queuestatuscount AS counter SET cases = counter.cases - gone.n
        FROM (SELECT queue_id, kind, status, count(*) AS n FROM old_rows GROUP BY 1, 2, 3) AS gone
        WHERE counter.queue_id = gone.queue_id AND counter.kind = gone.kind AND counter.status = gone.status;
      ELSIF TG_OP = 'TRUNCATE' THEN
        DELETE FROM requests_portal_queuestatuscount;
      END IF;
      RETURN NULL;
    END
    $$
    """,
    """
    CREATE OR REPLACE TRIGGER dsr_count_insert AFTER INSERT ON requests_portal_datasubjectrequest
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION requests_portal_count_cases()
    """,
    """
    CREATE OR REPLACE TRIGGER dsr_count_update AFTER UPDATE ON requests_portal_datasubjectrequest
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION requests_portal_count_cases()
    """,
    """
    CREATE OR REPLACE TRIGGER dsr_count_delete AFTER DELETE ON requests_portal_datasubjectrequest
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION requests_portal_count_cases()
    """,
    """
    CREATE OR REPLACE TRIGGER dsr_count_truncate AFTER TRUNCATE ON requests_portal_datasubjectrequest
    FOR EACH STATEMENT EXECUTE FUNCTION requests_portal_count_cases()
    """,
)
POSTGRESQL_TRIGGERS_REVERSE = (
    "DROP TRIGGER IF EXISTS dsr_count_insert ON requests_portal_datasubjectrequest",
    "DROP TRIGGER IF EXISTS dsr_count_update ON requests_portal_datasubjectrequest",
    "DROP TRIGGER IF EXISTS dsr_count_delete ON requests_portal_datasubjectrequest",
    "DROP TRIGGER IF EXISTS dsr_count_truncate ON requests_portal_datasubjectrequest",
    "DROP FUNCTION IF EXISTS requests_portal_count_cases()",
)

# SQLite (the embedded default and the tests): the same counters with row-level triggers.
_SQLITE_ADD = (
    "INSERT INTO requests_portal_queuestatuscount (queue_id, kind, status, cases) "
    "VALUES (NEW.queue_id, NEW.kind, NEW.status, 1) "
    "ON CONFLICT (queue_id, kind, status) DO UPDATE SET cases = cases + 1;"
)
_SQLITE_REMOVE = (
    "UPDATE requests_portal_queuestatuscount SET cases = cases - 1 "
    "WHERE queue_id = OLD.queue_id AND kind = OLD.kind AND status = OLD.status;"
)
SQLITE_TRIGGERS = {
    "dsr_count_insert": "CREATE TRIGGER IF NOT EXISTS dsr_count_insert "
    "AFTER INSERT ON requests_portal_datasubjectrequest BEGIN " + _SQLITE_ADD + " END",
    "dsr_count_update": "CREATE TRIGGER IF NOT EXISTS dsr_count_update "
    "AFTER UPDATE OF queue_id, kind, status ON requests_portal_datasubjectrequest "
    "WHEN OLD.queue_id IS NOT NEW.queue_id OR OLD.kind IS NOT NEW.kind OR OLD.status IS NOT NEW.status "
    "BEGIN " + _SQLITE_REMOVE + " " + _SQLITE_ADD + " END",
    "dsr_count_delete": "CREATE TRIGGER IF NOT EXISTS dsr_count_delete "
    "AFTER DELETE ON requests_portal_datasubjectrequest BEGIN " + _SQLITE_REMOVE + " END",
}

REBUILD_SQL = (
    "DELETE FROM requests_portal_queuestatuscount",
    "INSERT INTO requests_portal_queuestatuscount (queue_id, kind, status, cases) "
    "SELECT queue_id, kind, status, count(*) FROM requests_portal_datasubjectrequest "
    "GROUP BY queue_id, kind, status",
)


def install_count_triggers(connection: Any) -> bool:
    """Create the triggers that are missing; True if any was (then the counters need a rebuild).

    On SQLite a migration that rebuilds the case table drops its triggers, so this also runs
    after every `migrate` (bootstrap.on_post_migrate)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'dsr_count_%%' AND NOT tgisinternal")
            if cursor.fetchone()[0] == 4:
                return False
            for statement in POSTGRESQL_TRIGGERS:
                cursor.execute(statement)
            return True
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dsr_count_%'")
            present = {row[0] for row in cursor.fetchall()}
            if present >= set(SQLITE_TRIGGERS):
                return False
            for statement in SQLITE_TRIGGERS.values():
                cursor.execute(statement)
            return True
    return False


def rebuild_status_counts(connection: Any) -> None:
    """Recount every counter from the cases (after installing the triggers; a repair tool)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Writers wait until the recount commits, so no change falls between the two.
            cursor.execute("LOCK TABLE requests_portal_datasubjectrequest IN SHARE MODE")
        for statement in REBUILD_SQL:
            cursor.execute(statement)

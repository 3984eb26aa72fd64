"""The queue at a million cases (docs/architecture.md#scale).

- dsr_unanswered_queue_due: the queue page's default list (every unanswered case, decided
  ones included) in the order the page sorts, so a page stops after its rows.
- QueueStatusCount and its triggers: the per-status counts, exact and kept in the same
  transaction as every change of a case (requests_portal/models/counts.py).
- PostgreSQL only: pg_trgm and GIN trigram indexes on the members' search keys and on the
  受付番号, so a search inside a name, a フリガナ or at the end of a number uses an index (SQLite,
  the embedded default, keeps searching with LIKE); and the audit chain's head read under its
  lock in one statement (requests_portal/audit.py).
"""

import django.db.models.deletion
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from requests_portal.models.counts import install_count_triggers, rebuild_status_counts

TRIGRAM_INDEXES = {
    "member_name_search_trgm": ("requests_portal_member", "name_search"),
    "member_kana_search_trgm": ("requests_portal_member", "kana_search"),
    "dsr_reference_trgm": ("requests_portal_datasubjectrequest", "reference"),
}

# The chain's lock and its head in one round trip. A volatile PL/pgSQL function reads with a
# fresh snapshot after the lock is granted, so it sees the entry the previous holder committed.
AUDIT_HEAD_FUNCTION = """
CREATE OR REPLACE FUNCTION requests_portal_audit_chain_head(lock_key bigint)
RETURNS TABLE (row_hash text, key_id text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  RETURN QUERY
    SELECT entry.row_hash::text, entry.key_id::text FROM requests_portal_auditentry AS entry
    ORDER BY entry.id DESC LIMIT 1;
END
$$
"""


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for name, (table, column) in TRIGRAM_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")
        schema_editor.execute(AUDIT_HEAD_FUNCTION)
    install_count_triggers(connection)
    rebuild_status_counts(connection)


def backwards(apps, schema_editor):
    from requests_portal.models.counts import POSTGRESQL_TRIGGERS_REVERSE, SQLITE_TRIGGERS

    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_TRIGGERS_REVERSE:
            schema_editor.execute(statement)
        for name in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute("DROP FUNCTION IF EXISTS requests_portal_audit_chain_head(bigint)")
    elif schema_editor.connection.vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("requests_portal", "0014_provision_import"),
    ]

    operations = [
        TrigramExtension(),
        migrations.CreateModel(
            name="QueueStatusCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=30)),
                ("status", models.CharField(max_length=30)),
                ("cases", models.BigIntegerField(default=0)),
                (
                    "queue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="requests_portal.queue"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("queue", "kind", "status"), name="queuestatuscount_unique")
                ],
            },
        ),
        migrations.AddIndex(
            model_name="datasubjectrequest",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        ["awaiting_approval", "awaiting_requester", "decided", "in_review", "submitted", "verifying"],
                    )
                ),
                fields=["queue", "due_date", "id", "status"],
                name="dsr_unanswered_queue_due",
            ),
        ),
        migrations.AddIndex(
            model_name="datasubjectrequest",
            index=models.Index(fields=["member", "queue", "kind", "status"], name="dsr_member_queue_kind_status"),
        ),
        migrations.RunPython(forwards, backwards),
    ]

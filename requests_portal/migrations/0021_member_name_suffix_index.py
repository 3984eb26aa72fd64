"""Short names found at the end of the key (docs/architecture.md#scale).

A search of one or two characters is too short for the trigram indexes of migration 0015. It is
matched at the start of a member's name key (a surname: 林, 山田) through the B-tree index, and
at its end (a given name: 花子, ケン) through these indexes on the reversed keys. PostgreSQL only;
SQLite, the embedded default, compares the keys row by row.
"""

from django.db import migrations

SUFFIX_INDEXES = {
    "member_name_search_rev": ("requests_portal_member", "name_search"),
    "member_kana_search_rev": ("requests_portal_member", "kana_search"),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, column) in SUFFIX_INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} ((reverse({column}::text)) text_pattern_ops)"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in SUFFIX_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("requests_portal", "0020_coop_facts"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

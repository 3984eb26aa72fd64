"""The audit chain becomes keyed (HMAC under DSR_AUDIT_CHAIN_KEY): each entry names its key.

Existing entries keep their plain SHA-256 hashes (the append-only trigger forbids rewriting
them, and they still verify as they are); one `audit.key_epoch` entry, signed with the
current key, is appended after them, so nothing can be added to the unkeyed part any more.
"""

from django.db import migrations, models


def seal_unkeyed_entries(apps, schema_editor):
    from requests_portal import audit

    audit.seal_unkeyed_chain(apps.get_model("requests_portal", "AuditEntry"))


class Migration(migrations.Migration):
    dependencies = [
        ("requests_portal", "0005_letters"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.RunPython(seal_unkeyed_entries, migrations.RunPython.noop),
    ]

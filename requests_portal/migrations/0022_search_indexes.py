"""Searching the queue at scale (docs/architecture.md#scale).

A search finds its members first (a common surname: a few thousand of them, with tens of
thousands of cases over the years), then their cases:

- dsr_unanswered_member: their unanswered cases by member, for the default list, instead of
  intersecting every case of theirs with every unanswered case;
- dsr_member_queue_kind_status now carries the handler too, so the per-status counts of a search
  with the 「未割当て」 filter are read from the index alone (PostgreSQL; SQLite has no INCLUDE
  and builds the index without it).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests_portal", "0021_member_name_suffix_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="datasubjectrequest",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        ["awaiting_approval", "awaiting_requester", "decided", "in_review", "submitted", "verifying"],
                    )
                ),
                fields=["member"],
                name="dsr_unanswered_member",
            ),
        ),
        migrations.RemoveIndex(
            model_name="datasubjectrequest",
            name="dsr_member_queue_kind_status",
        ),
        migrations.AddIndex(
            model_name="datasubjectrequest",
            index=models.Index(
                fields=["member", "queue", "kind", "status"],
                include=("assignee",),
                name="dsr_member_queue_kind_status",
            ),
        ),
    ]

"""Reference data the portal cannot run without: role groups, the two queues and the guardian
permissions that tie them together.

Migration 0002 creates them on a new database (with a frozen copy of these definitions);
this module re-creates anything missing after every `migrate` or `flush` (post_migrate), so a
database that was emptied, e.g. between transactional tests, is never left without queues.
Idempotent: it only adds what is missing.
"""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from requests_portal.roles import ADMIN_MODEL_PERMISSIONS, ROLE_QUEUE_PERMISSIONS, STAFF_ROLES

QUEUES = (
    {
        "code": "ga",
        "name": "総務部（個人情報の開示等・苦情）",
        "department": "総務部",
        "is_restricted": False,
        "reference_prefix": "GA",
    },
    {
        "code": "mynumber",
        "name": "マイナンバー担当",
        "department": "マイナンバー担当",
        "is_restricted": True,
        "reference_prefix": "MN",
    },
)


@transaction.atomic
def ensure_reference_data() -> None:
    from requests_portal.models import OrganisationProfile, Queue, QueueGroupObjectPermission, RetentionPolicy

    queues = {spec["code"]: Queue.objects.get_or_create(code=spec["code"], defaults=spec)[0] for spec in QUEUES}
    permissions = {p.codename: p for p in Permission.objects.filter(content_type__app_label="requests_portal")}
    for role in sorted(STAFF_ROLES):
        group, _created = Group.objects.get_or_create(name=role)
        for queue_code, codenames in ROLE_QUEUE_PERMISSIONS[role].items():
            for codename in codenames:
                QueueGroupObjectPermission.objects.get_or_create(
                    group=group, permission=permissions[codename], content_object=queues[queue_code]
                )
    admin_group = Group.objects.get(name="admin")
    admin_group.permissions.add(*(permissions[c] for c in ADMIN_MODEL_PERMISSIONS if c in permissions))
    OrganisationProfile.objects.get_or_create(pk=1)
    RetentionPolicy.objects.get_or_create(pk=1)


def ensure_count_triggers(using: str = "default") -> None:
    """Put back the case counters' triggers if a migration dropped them (on SQLite, one that
    rebuilds the case table does) and recount, so the queue's counts stay exact."""
    from django.db import connections

    from requests_portal.models.counts import COUNT_TABLE, install_count_triggers, rebuild_status_counts

    connection = connections[using]
    if COUNT_TABLE not in connection.introspection.table_names():
        return  # migrated back to before the counters existed
    with transaction.atomic(using=using):
        if install_count_triggers(connection):
            rebuild_status_counts(connection)


def on_post_migrate(sender: object, **kwargs: Any) -> None:
    ensure_reference_data()
    ensure_count_triggers(kwargs.get("using", "default"))

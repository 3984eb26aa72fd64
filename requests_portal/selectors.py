"""Reads. The one place that decides which cases a person may see.

Every surface (queue lists, counts, search, dashboards, exports, downloads, reminders
and mail) starts from `dsr_visible_to_staff` or `dsr_list_for_member`. A case in a
restricted queue (My Number) exists only for people who hold a permission on that queue:
no per-case grant, global permission or superuser flag can widen the set.
"""

from guardian.shortcuts import get_objects_for_user

from django.db.models import Case, Count, Q, QuerySet, Value, When

from requests_portal.models import (
    OPEN_STATUSES,
    Channel,
    DataSubjectRequest,
    DsrUserObjectPermission,
    Queue,
    RequestEvent,
    RequestKind,
)
from requests_portal.roles import CASE_PERMISSIONS, QUEUE_PERMISSION, Access, is_staff_user


def _is_active_login(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def queue_ids_for_user(user: object, access: Access = Access.VIEW) -> frozenset[int]:
    """Ids of the queues where `user`'s groups (or the user) hold `access` (cached per request)."""
    if not _is_active_login(user) or not is_staff_user(user):
        return frozenset()
    cache: dict[Access, frozenset[int]] = user.__dict__.setdefault("_portal_queue_ids", {})
    if access not in cache:
        queues = get_objects_for_user(
            user,
            QUEUE_PERMISSION[access],
            klass=Queue,
            use_groups=True,
            with_superuser=False,
            accept_global_perms=False,
        )
        cache[access] = frozenset(queues.values_list("id", flat=True))
    return cache[access]


def queues_for_user(user: object, access: Access = Access.VIEW) -> QuerySet[Queue]:
    return Queue.objects.filter(id__in=queue_ids_for_user(user, access)).order_by("is_restricted", "id")


def restricted_queue_ids() -> frozenset[int]:
    return frozenset(Queue.objects.filter(is_restricted=True).values_list("id", flat=True))


def _has_case_grants(user: object) -> bool:
    cache = user.__dict__
    if "_portal_has_case_grants" not in cache:
        cache["_portal_has_case_grants"] = DsrUserObjectPermission.objects.filter(user_id=user.pk).exists()  # type: ignore[attr-defined]
    return cache["_portal_has_case_grants"]


def dsr_visible_to_staff(user: object, access: Access = Access.VIEW) -> QuerySet[DataSubjectRequest]:
    """The cases `user` may reach with `access`: their queues plus individual case grants."""
    if not _is_active_login(user) or not is_staff_user(user):
        return DataSubjectRequest.objects.none()
    queue_ids = queue_ids_for_user(user, access)
    visible = Q(queue_id__in=queue_ids)
    # Individual grants are rare; leaving the OR out when there are none lets the database
    # walk the queue's due-date index instead of filtering every row.
    if (case_codenames := CASE_PERMISSIONS[access]) and _has_case_grants(user):
        granted = get_objects_for_user(
            user,
            list(case_codenames),
            klass=DataSubjectRequest,
            use_groups=False,
            any_perm=True,
            with_superuser=False,
            accept_global_perms=False,
        )
        # Individual grants are exceptions (a handful per person): fetched as ids, so that without
        # any the condition stays `queue_id IN (…)` and the (queue, status, due_date) index serves
        # lists of a million cases instead of a scan behind an OR with a subquery.
        if granted_ids := list(granted.values_list("pk", flat=True)):
            visible |= Q(pk__in=granted_ids)
    cases = DataSubjectRequest.objects.filter(visible)
    restricted = restricted_queue_ids()
    if hidden := restricted - queue_ids:
        cases = cases.exclude(queue_id__in=hidden)
    if not restricted & queue_ids:
        # Belt and braces: a My Number inquiry filed into the wrong queue still stays hidden.
        cases = cases.exclude(kind=RequestKind.MY_NUMBER_INQUIRY)
    return cases


def dsr_list_for_member(user: object) -> QuerySet[DataSubjectRequest]:
    """The cases about the member's own data, and those the user filed as an agent."""
    if not _is_active_login(user) or is_staff_user(user):
        return DataSubjectRequest.objects.none()
    # A login "filed" a case only through the portal. A paper or counter request is registered by
    # staff (filed_by is the clerk), and must not become the clerk's own should they lose their roles.
    own = Q(filed_by_id=user.pk, channel=Channel.PORTAL)  # type: ignore[attr-defined]
    if member_id := getattr(user, "member_id", None):
        own |= Q(member_id=member_id)
    return DataSubjectRequest.objects.filter(own).select_related("queue", "member").order_by("-received_at", "-id")


def dsr_list_for_member_home(user: object) -> QuerySet[DataSubjectRequest]:
    """The member's cases for their home page: open ones first, then the newest."""
    return (
        dsr_list_for_member(user)
        .alias(settled=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1)))
        .order_by("settled", "-received_at", "-id")
    )


def dsr_status_counts(cases: QuerySet[DataSubjectRequest]) -> dict[str, int]:
    """Counts per status of an already-visible set of cases (one query)."""
    rows = cases.order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def dsr_timeline(dsr: DataSubjectRequest, *, for_member: bool) -> QuerySet[RequestEvent]:
    events = dsr.events.select_related("actor").order_by("at", "id")
    return events.filter(member_visible=True) if for_member else events

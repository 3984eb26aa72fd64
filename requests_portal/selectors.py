"""Reads. The one place that decides which cases a person may see.

Every surface (queue lists, counts, search, dashboards, exports, downloads, reminders
and mail) starts from `dsr_visible_to_staff` or `dsr_list_for_member`. A case in a
restricted queue (My Number) exists only for people who hold a permission on that queue:
no per-case grant, global permission or superuser flag can widen the set.

The other reads the views and services share live here too (status counts, the timeline,
the rules for attaching disclosed data), so no view computes them itself.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from guardian.shortcuts import get_objects_for_user

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal.case_details import categories_overlap, category_names
from requests_portal.decisions import PAPER_COMBINABLE
from requests_portal.lookups import CaseCondition
from requests_portal.models import (
    OPEN_STATUSES,
    AuditEntry,
    CaseLink,
    Channel,
    DashboardMonthlySummary,
    DataSubjectRequest,
    DisclosureMethod,
    Document,
    DocumentCategory,
    DsrQuerySet,
    DsrUserObjectPermission,
    DuplicateCandidate,
    Letter,
    LetterKind,
    LetterStatus,
    Member,
    ProvisionRecord,
    ProvisionRecordChoice,
    Queue,
    QueueGroupObjectPermission,
    QueueStatusCount,
    QueueUserObjectPermission,
    RequestEvent,
    RequestKind,
    RetentionPolicy,
    Status,
    User,
)
from requests_portal.models.request_kinds import DISCLOSING_KINDS
from requests_portal.roles import (
    CASE_PERMISSIONS,
    QUEUE_PERMISSION,
    STAFF_ROLES,
    Access,
    Capability,
    has_capability,
    is_staff_user,
)
from requests_portal.text import kana_search_key, name_search_key, normalize_text


def _is_active_login(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _queue_access_sql() -> str:
    """The statement `_queue_access` runs: every queue, once per queue permission the user holds
    on it (directly or through a group; a row with no codename when none), and whether they hold
    any individual case grant. Written out rather than built with the ORM each request: as six
    correlated EXISTS, building it cost more than any other step of a queue page."""
    from django.contrib.auth.models import Permission

    queue, user_groups = Queue._meta.db_table, User.groups.through._meta.db_table
    user_grants, group_grants = QueueUserObjectPermission._meta.db_table, QueueGroupObjectPermission._meta.db_table
    case_grants, permission = DsrUserObjectPermission._meta.db_table, Permission._meta.db_table
    return f"""
        SELECT queue.*, permission.codename AS held_codename,
               EXISTS (SELECT 1 FROM {case_grants} WHERE user_id = %(user)s) AS has_case_grants
        FROM {queue} AS queue
        LEFT JOIN (
            SELECT content_object_id, permission_id FROM {user_grants} WHERE user_id = %(user)s
            UNION
            SELECT content_object_id, permission_id FROM {group_grants}
            WHERE group_id IN (SELECT group_id FROM {user_groups} WHERE user_id = %(user)s)
        ) AS held ON held.content_object_id = queue.id
        LEFT JOIN {permission} AS permission
            ON permission.id = held.permission_id AND permission.content_type_id = %(queue_type)s
        ORDER BY queue.is_restricted, queue.id
    """  # noqa: S608 - table and column names from the models' metadata; values are parameters


def _queue_access(user: object) -> dict[str, object]:
    """What the signed-in staff member holds on the queues, read in one query and kept on the
    user for the request: the queue ids per access, the restricted queues, whether they have
    individual case grants. The same rule as guardian's get_objects_for_user(use_groups=True,
    with_superuser=False, accept_global_perms=False): a queue permission held directly or
    through one of the user's groups."""
    cache = user.__dict__
    if "_portal_queue_access" not in cache:
        params = {"user": user.pk, "queue_type": ContentType.objects.get_for_model(Queue).pk}  # type: ignore[attr-defined]
        queues: dict[int, Queue] = {}
        held: dict[int, set[str]] = defaultdict(set)
        has_case_grants = False
        for row in Queue.objects.raw(_queue_access_sql(), params):
            queues.setdefault(row.pk, row)
            has_case_grants = bool(getattr(row, "has_case_grants"))  # noqa: B009 - columns of the raw query
            if codename := getattr(row, "held_codename"):  # noqa: B009
                held[row.pk].add(codename)
        if not queues:
            has_case_grants = DsrUserObjectPermission.objects.filter(user_id=user.pk).exists()  # type: ignore[attr-defined]
        holding = {
            access: [queue for pk, queue in queues.items() if QUEUE_PERMISSION[access] in held[pk]] for access in Access
        }
        cache["_portal_queue_access"] = {
            "queues": holding,
            "ids": {access: frozenset(queue.pk for queue in holding[access]) for access in Access},
            "restricted": frozenset(pk for pk, queue in queues.items() if queue.is_restricted),
            "has_case_grants": has_case_grants,
        }
    return cache["_portal_queue_access"]


def queue_list_for_user(user: object, access: Access = Access.VIEW) -> list[Queue]:
    """The queues of queues_for_user, as a list read with the user's access (no query of its own)."""
    if not _is_active_login(user) or not is_staff_user(user):
        return []
    return list(_queue_access(user)["queues"][access])  # type: ignore[index]


def queue_ids_for_user(user: object, access: Access = Access.VIEW) -> frozenset[int]:
    """Ids of the queues where `user`'s groups (or the user) hold `access` (cached per request)."""
    if not _is_active_login(user) or not is_staff_user(user):
        return frozenset()
    return _queue_access(user)["ids"][access]  # type: ignore[index]


def queues_for_user(user: object, access: Access = Access.VIEW) -> QuerySet[Queue]:
    return Queue.objects.filter(id__in=queue_ids_for_user(user, access)).order_by("is_restricted", "id")


def restricted_queue_ids() -> frozenset[int]:
    return frozenset(Queue.objects.filter(is_restricted=True).values_list("id", flat=True))


def _restricted_queue_ids_for(user: object) -> frozenset[int]:
    """The restricted queues, read with the user's queue access (no query of its own)."""
    if _is_active_login(user) and is_staff_user(user):
        return _queue_access(user)["restricted"]  # type: ignore[return-value]
    return restricted_queue_ids()


def restricted_queue_ids_for(user: object) -> frozenset[int]:
    """The restricted queues, as `restricted_queue_ids`, read once per request with the user's
    queue access (the dashboard asks several times)."""
    return _restricted_queue_ids_for(user)


def _has_case_grants(user: object) -> bool:
    return bool(_queue_access(user)["has_case_grants"])


def dsr_visible_to_staff(user: object, access: Access = Access.VIEW) -> DsrQuerySet:
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
    # Read once per request, like the user's queues: a page calls this for each of its lists.
    restricted = _restricted_queue_ids_for(user)
    if hidden := restricted - queue_ids:
        cases = cases.exclude(queue_id__in=hidden)
    if not restricted & queue_ids:
        # Belt and braces: a My Number inquiry filed into the wrong queue still stays hidden.
        cases = cases.exclude(kind=RequestKind.MY_NUMBER_INQUIRY)
    return cases


def audit_entries_visible_to(user: object) -> QuerySet[AuditEntry]:
    """The audit entries `user` may read: the general trail for auditors, the restricted (My Number)
    trail for its officers, both for someone holding both; nothing for anyone else."""
    general = has_capability(user, Capability.READ_AUDIT_TRAIL)
    restricted = has_capability(user, Capability.READ_RESTRICTED_AUDIT_TRAIL)
    if general and restricted:
        return AuditEntry.objects.all()
    if general or restricted:
        return AuditEntry.objects.filter(restricted=restricted)
    return AuditEntry.objects.none()


def reads_whole_audit_trail(user: object) -> bool:
    """Whether `user` reads every audit entry. Anyone who reads only part of the trail is shown no
    entry numbers and no chain totals: the gaps between numbers would count the other part
    (for an auditor, the activity on My Number cases, which no count may reveal)."""
    return has_capability(user, Capability.READ_AUDIT_TRAIL) and has_capability(
        user, Capability.READ_RESTRICTED_AUDIT_TRAIL
    )


# --- the same rule, read the other way round: who may reach a queue or a case ------------------


def _holds_a_role(user_ref: str) -> Exists:
    # As `is_staff_user`: without a staff role `dsr_visible_to_staff` shows nothing.
    return Exists(User.groups.through.objects.filter(user_id=OuterRef(user_ref), group__name__in=STAFF_ROLES))


def queue_holders(access: Access, queue_ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """Queue id → ids of the active staff who hold `access` on it (through a role group or
    directly): exactly the people whose `dsr_visible_to_staff(…, access)` covers that queue.
    Two queries, for all queues or for `queue_ids`."""
    codename = QUEUE_PERMISSION[access]
    on_queues = {} if queue_ids is None else {"content_object_id__in": list(queue_ids)}
    # One filter() call per join, with the role check as an annotation on it: a second filter()
    # across the multi-valued group→user relation would join it again and mix up the people.
    via_groups = (
        QueueGroupObjectPermission.objects.filter(
            permission__codename=codename, group__user__is_active=True, **on_queues
        )
        .annotate(staff=_holds_a_role("group__user"))
        .filter(staff=True)
        .values_list("content_object_id", "group__user")
    )
    direct = (
        QueueUserObjectPermission.objects.filter(permission__codename=codename, user__is_active=True, **on_queues)
        .annotate(staff=_holds_a_role("user_id"))
        .filter(staff=True)
        .values_list("content_object_id", "user_id")
    )
    holders: dict[int, set[int]] = defaultdict(set)
    for queue_id, user_id in [*via_groups, *direct]:
        holders[queue_id].add(user_id)
    return holders


def _staff_holding_sql(queue_count: int) -> str:
    """The ids `staff_holding` selects, for `queue_count` queue ids: active accounts holding the
    queue permission (directly or through a group) and a staff role. Written out rather than
    built with the ORM each request: built, it cost a queue page more than its SQL.

    Parameters, in order: the queue ids and the permission's codename, twice, then the roles."""
    from django.contrib.auth.models import Group, Permission

    users, user_groups, groups = User._meta.db_table, User.groups.through._meta.db_table, Group._meta.db_table
    user_grants, group_grants = QueueUserObjectPermission._meta.db_table, QueueGroupObjectPermission._meta.db_table
    permission = Permission._meta.db_table
    queues, roles = ", ".join(["%s"] * queue_count), ", ".join(["%s"] * len(STAFF_ROLES))
    return f"""
        SELECT person.id FROM {users} AS person
        WHERE person.is_active
        AND person.id IN (
            SELECT membership.user_id FROM {user_groups} AS membership
            JOIN {group_grants} AS held ON held.group_id = membership.group_id
            JOIN {permission} AS permission ON permission.id = held.permission_id
            WHERE held.content_object_id IN ({queues}) AND permission.codename = %s
            UNION
            SELECT held.user_id FROM {user_grants} AS held
            JOIN {permission} AS permission ON permission.id = held.permission_id
            WHERE held.content_object_id IN ({queues}) AND permission.codename = %s
        )
        AND EXISTS (
            SELECT 1 FROM {user_groups} AS membership JOIN {groups} AS role ON role.id = membership.group_id
            WHERE membership.user_id = person.id AND role.name IN ({roles})
        )
    """  # noqa: S608 - table names from the models' metadata; values are parameters


def staff_holding(access: Access, queue_ids: Iterable[int]) -> QuerySet[User]:
    """The people `queue_holders` lists for these queues, as one query for a page's choices."""
    queue_ids = sorted(set(queue_ids))
    if not queue_ids:
        return User.objects.none()
    codename = QUEUE_PERMISSION[access]
    params = (*queue_ids, codename, *queue_ids, codename, *sorted(STAFF_ROLES))
    holding = RawSQL(_staff_holding_sql(len(queue_ids)), params)  # noqa: S611 - see _staff_holding_sql
    return User.objects.filter(pk__in=holding)


def case_grant_holders(dsr_ids: Iterable[int], access: Access = Access.HANDLE) -> set[tuple[int, int]]:
    """(case id, user id) of the active staff an individual grant lets reach those cases with
    `access`. A grant never opens a My Number case (its queue is restricted or its kind is a My
    Number inquiry): only the officers' queue permission does (番号法第12条)."""
    codenames = CASE_PERMISSIONS[access]
    if not codenames:
        return set()
    grants = (
        DsrUserObjectPermission.objects.filter(
            permission__codename__in=codenames,
            content_object__in=list(dsr_ids),
            content_object__queue__is_restricted=False,
            user__is_active=True,
        )
        .exclude(content_object__kind=RequestKind.MY_NUMBER_INQUIRY)
        .filter(_holds_a_role("user_id"))
    )
    return set(grants.values_list("content_object_id", "user_id"))


def dsr_visible_to_api_clients() -> QuerySet[DataSubjectRequest]:
    """The cases a core-system API client may read (requests_portal/api): every case outside the
    restricted queues that is not a My Number inquiry. No scope or token widens this set."""
    return DataSubjectRequest.objects.exclude(queue__is_restricted=True).exclude(kind=RequestKind.MY_NUMBER_INQUIRY)


def dsr_list_for_member(user: object) -> DsrQuerySet:
    """The cases about the member's own data, and those the user filed as an agent."""
    if not _is_active_login(user) or is_staff_user(user):
        return DataSubjectRequest.objects.none()
    # A login "filed" a case only through the portal. A paper or counter request is registered by
    # staff (filed_by is the clerk), and must not become the clerk's own should they lose their roles.
    own = Q(filed_by_id=user.pk, channel=Channel.PORTAL)  # type: ignore[attr-defined]
    if member_id := getattr(user, "member_id", None):
        own |= Q(member_id=member_id)
    return DataSubjectRequest.objects.filter(own).select_related("queue", "member").order_by("-received_at", "-id")


def dsr_list_for_member_home(user: object) -> DsrQuerySet:
    """The member's cases for their home page: open ones first, then the newest."""
    return (
        dsr_list_for_member(user)
        .alias(settled=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1)))
        .order_by("settled", "-received_at", "-id")
    )


def dsr_status_counts(cases: QuerySet[DataSubjectRequest], *, limit: int | None = None) -> dict[str, int]:
    """Counts per status of an already-visible set of cases (one query). With `limit`, of at
    most that many of them (any; the caller learns from the sum whether the limit was hit), so
    a search matching tens of thousands of cases reads only `limit` index entries."""
    if limit is None:
        rows = cases.order_by().values("status").annotate(n=Count("id"))
        return {row["status"]: row["n"] for row in rows}
    # Grouping over the limited rows needs the limit inside a subquery, which the ORM does not
    # group over: the case query is Django's own SQL and parameters, only wrapped.
    try:
        sql, params = cases.order_by().values("status")[:limit].query.sql_with_params()
    except EmptyResultSet:  # the filters exclude everything (no queue, a search that found no one)
        return {}
    with connections[cases.db].cursor() as cursor:
        cursor.execute(f"SELECT sample.status, COUNT(*) FROM ({sql}) AS sample GROUP BY sample.status", params)  # noqa: S608
        return dict(cursor.fetchall())


def dsr_status_counts_for(
    user: object, *, queue_ids: Iterable[int] | None = None, kinds: Iterable[str] | None = None
) -> dict[str, int]:
    """Counts per status of the cases `user` may see (exactly those of dsr_visible_to_staff),
    optionally only in some queues or of some kinds, without reading the cases: from the
    counters the database keeps (models/counts.py). One query, plus one for people who hold
    individual case grants."""
    if not _is_active_login(user) or not is_staff_user(user):
        return {}
    visible = queue_ids_for_user(user)
    counters = QueueStatusCount.objects.filter(queue_id__in=visible)
    if not visible & _restricted_queue_ids_for(user):
        # As dsr_visible_to_staff: a My Number inquiry filed into the wrong queue stays hidden.
        counters = counters.exclude(kind=RequestKind.MY_NUMBER_INQUIRY)
    if queue_ids is not None:
        counters = counters.filter(queue_id__in=list(queue_ids))
    if kinds is not None:
        counters = counters.filter(kind__in=list(kinds))
    counts: dict[str, int] = defaultdict(int)
    for status, cases in counters.values("status").annotate(n=Sum("cases")).values_list("status", "n"):
        counts[status] += cases
    if _has_case_grants(user):
        # Cases reached only through an individual grant are few: counted one by one.
        granted = dsr_visible_to_staff(user).exclude(queue_id__in=visible)
        if queue_ids is not None:
            granted = granted.filter(queue_id__in=list(queue_ids))
        if kinds is not None:
            granted = granted.filter(kind__in=list(kinds))
        for status, cases in dsr_status_counts(granted).items():
            counts[status] += cases
    return {status: cases for status, cases in counts.items() if cases}


def dashboard_summary_visible_to(user: object) -> QuerySet[DashboardMonthlySummary]:
    """The dashboard's monthly summary rows (models/dashboard.py) of the queues `user` sees, by the
    rule of dsr_visible_to_staff; cases reached through individual grants are not in them (see
    dsr_visible_outside_queues)."""
    if not _is_active_login(user) or not is_staff_user(user):
        return DashboardMonthlySummary.objects.none()
    visible = queue_ids_for_user(user)
    rows = DashboardMonthlySummary.objects.filter(queue_id__in=visible)
    if not visible & _restricted_queue_ids_for(user):
        # As dsr_visible_to_staff: a My Number inquiry filed into the wrong queue stays hidden.
        rows = rows.exclude(kind=RequestKind.MY_NUMBER_INQUIRY)
    return rows


def dsr_visible_outside_queues(user: object) -> DsrQuerySet | None:
    """The cases `user` reaches only through an individual grant (outside their queues), or None
    when they hold no grant. Figures kept per queue (the queue counters, the dashboard's monthly
    summary) add these few cases one by one to match dsr_visible_to_staff exactly."""
    if not _is_active_login(user) or not is_staff_user(user) or not _has_case_grants(user):
        return None
    return dsr_visible_to_staff(user).exclude(queue_id__in=queue_ids_for_user(user))


def dsr_timeline(dsr: DataSubjectRequest, *, for_member: bool) -> QuerySet[RequestEvent]:
    events = dsr.events.select_related("actor").order_by("at", "id")
    return events.filter(member_visible=True) if for_member else events


# --- files a member may reach -------------------------------------------------------------------

# What a member may download from their own case: the co-op's disclosure packages and what
# they uploaded themselves. Letters are covered separately.
MEMBER_DOCUMENT_CATEGORIES = frozenset(
    {
        DocumentCategory.DISCLOSURE_PACKAGE,
        DocumentCategory.IDENTITY,
        DocumentCategory.AUTHORITY,
        DocumentCategory.SUPPORTING,
        DocumentCategory.AMENDMENT,
    }
)


def documents_for_member(user: object) -> QuerySet[Document]:
    """The documents a member's login may see and download (narrow it to their cases).

    The co-op's disclosure packages, until the last day their notice prints (purge_after), even if
    the nightly purge has not removed the file yet; and of the requester's documents only those
    this login submitted itself. Each document belongs to the party that submitted it: an agent's
    driving licence is the agent's personal data, not the principal's, and the principal's
    documents are not the agent's to open (個人情報保護法第23条の安全管理措置).
    """
    current = Document.objects.filter(category__in=MEMBER_DOCUMENT_CATEGORIES, purged_at__isnull=True)
    # A package attached before the decision reaches the member with its notice (released_at).
    package = (
        Q(category=DocumentCategory.DISCLOSURE_PACKAGE)
        & Q(released_at__isnull=False)
        & (Q(purge_after__isnull=True) | Q(purge_after__gt=timezone.now()))
    )
    own_pk = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    if own_pk is None:
        return current.filter(package)
    return current.filter(package | (~Q(category=DocumentCategory.DISCLOSURE_PACKAGE) & Q(owner_id=own_pk)))


def quarantined_documents() -> QuerySet[Document]:
    """Documents that must be masked first and are not yet: nobody downloads, attaches or verifies
    identity on them until a handler has masked them (健康保険法第194条の2; docs/legal.md)."""
    return Document.objects.filter(requires_masking=True, masking_confirmed_at__isnull=True, purged_at__isnull=True)


def documents_filed_by_others(user: object, dsr: DataSubjectRequest) -> int:
    """How many of the case's requester documents another party (the principal or the agent)
    submitted: the member's case page says they exist, without opening them."""
    return (
        Document.objects.filter(dsr=dsr, category__in=MEMBER_DOCUMENT_CATEGORIES, purged_at__isnull=True)
        .exclude(category=DocumentCategory.DISCLOSURE_PACKAGE)
        .exclude(owner_id=getattr(user, "pk", None))
        .count()
    )


# --- disclosed data (開示データ) ----------------------------------------------------------------


DISCLOSURE_PACKAGE_KINDS = DISCLOSING_KINDS


def disclosure_download_until(dsr: DataSubjectRequest) -> date | None:
    """The last day the decision notice says the data can be downloaded (kept on the letter when
    it is rendered, exactly as printed); None before the notice of the current decision is issued."""
    if dsr.approved_at is None:
        return None
    letter = (
        Letter.objects.filter(
            dsr=dsr,
            kind=LetterKind.DISCLOSURE_DECISION,
            status__in=[LetterStatus.RENDERED, LetterStatus.DELIVERED],
            created_at__gte=dsr.approved_at,  # not the notice of an earlier decision of a reopened case
            rendered_at__isnull=False,
        )
        .order_by("-rendered_at", "-id")
        .first()
    )
    if letter is None:
        return None
    if printed := (letter.payload or {}).get("download_until"):
        return date.fromisoformat(printed)
    # Rendered before the day was kept on the letter: recompute it as the notice did.
    return timezone.localdate(letter.rendered_at) + timedelta(days=RetentionPolicy.load().disclosure_download_days)


def disclosure_package_check(dsr: DataSubjectRequest) -> tuple[str | None, date | None]:
    """(why no package may be attached now, or None; the last download day of a package attached
    now, or None when it will reach the member with the decision notice).

    The data is attached while the case is reviewed, before approval (which checks for it), and
    is released with the notice, whose download period starts that day. Data attached after the
    notice is downloadable from the day it is attached, for the same number of days.
    """
    if dsr.kind not in DISCLOSURE_PACKAGE_KINDS:
        return _("開示データを添付できるのは、開示または第三者提供記録の開示の請求のみです。"), None
    if dsr.disclosure_method != DisclosureMethod.ELECTRONIC or (dsr.decision_details or {}).get(
        "method_changed_to_paper"
    ):
        return _(
            "開示の方法が電磁的記録の提供（ポータルからのダウンロード）ではないため、開示データは添付できません。"
            "書面で交付してください。"
        ), None
    if dsr.status not in (Status.IN_REVIEW, Status.AWAITING_APPROVAL, Status.DECIDED, Status.NOTIFIED):
        return _("開示データは、審査中から通知済みまでの間に添付できます。"), None
    # In review the decision may still be a returned draft's; from the draft on, it is the one.
    if dsr.status != Status.IN_REVIEW and dsr.decision not in PAPER_COMBINABLE:
        return _("この事案の決定（%(decision)s）では開示するデータがないため、開示データは添付できません。") % {
            "decision": dsr.get_decision_display()
        }, None
    if dsr.status in (Status.IN_REVIEW, Status.AWAITING_APPROVAL) or disclosure_download_until(dsr) is None:
        return None, None
    return None, timezone.localdate() + timedelta(days=RetentionPolicy.load().disclosure_download_days)


def disclosure_package_refusal(dsr: DataSubjectRequest) -> str | None:
    """Why no disclosure package may be attached to `dsr` now, or None when one may."""
    return disclosure_package_check(dsr)[0]


# --- duplicates and linked cases (docs/architecture.md#duplicates) --------------------------------

# How far back a new filing looks for the open case it may repeat.
DUPLICATE_WINDOW = timedelta(days=90)


def dsr_possible_duplicates_of_filing(dsr: DataSubjectRequest) -> list[DataSubjectRequest]:
    """The open cases `dsr`, just filed, may repeat: the same member and kind, received at most
    the window before it, naming overlapping data categories. A system read at filing time (the
    filer may be the member); each staff reader sees a pair only through
    `dsr_duplicate_candidates`, which applies their visibility."""
    earlier = (
        DataSubjectRequest.objects.filter(
            member_id=dsr.member_id,
            kind=dsr.kind,
            status__in=OPEN_STATUSES,
            # Every case already there was filed before this one, though a paper request's
            # arrival date may be earlier than an online case typed in before it.
            received_at__gte=dsr.received_at - DUPLICATE_WINDOW,
        )
        .exclude(pk=dsr.pk)
        .only("pk", "details")
        .order_by("received_at", "pk")
    )
    names = category_names(dsr.details)
    return [case for case in earlier if categories_overlap(names, category_names(case.details))]


def _not_linked_yet() -> Q:
    """Candidate pairs that no live link joins yet, in either direction."""
    live_link = CaseLink.objects.filter(unlinked_at__isnull=True)
    linked_forward = live_link.filter(primary_id=OuterRef("dsr_id"), secondary_id=OuterRef("earlier_id"))
    linked_back = live_link.filter(primary_id=OuterRef("earlier_id"), secondary_id=OuterRef("dsr_id"))
    return ~Exists(linked_forward) & ~Exists(linked_back)


def _unresolved_pairs(visible: QuerySet[DataSubjectRequest]) -> Q:
    """Candidate pairs whose two cases the reader sees and that are not linked yet."""
    return _not_linked_yet() & Q(dsr__in=visible) & Q(earlier__in=visible)


def dsr_duplicate_candidates(dsr: DataSubjectRequest, user: object) -> list[DataSubjectRequest]:
    """The open cases `user` may see that may be the same request as `dsr` (either filed
    before or after it), not yet linked to it."""
    visible = dsr_visible_to_staff(user)
    pairs = (
        DuplicateCandidate.objects.filter(Q(dsr=dsr) | Q(earlier=dsr))
        .filter(_unresolved_pairs(visible))
        .values_list("dsr_id", "earlier_id")
    )
    other_ids = {later if earlier == dsr.pk else earlier for later, earlier in pairs}
    return list(
        visible.filter(pk__in=other_ids, status__in=OPEN_STATUSES).select_related("queue").order_by("received_at", "pk")
    )


def _has_possible_duplicate(user: object) -> CaseCondition | Value:
    """Whether the query's case has an open, unlinked possible duplicate that `user` may see.

    For a query over cases `user` sees (dsr_visible_to_staff): the case's own visibility is not
    checked again. Written out around the compiled visibility rule rather than built from ORM
    subqueries: building those cost a queue page more than all of its SQL.

    One pair lookup for both sides of the pair, one check that no live link joins the two, and
    the other case looked up by its key (`visible.id = …`, correlated). Written as two lookups
    (one per side) or with `IN (visible cases)`, PostgreSQL hashed every pair and every visible
    open case for each page (37 ms at 40,000 pairs), spent most of the statement's planning time
    on it, and at worst compiled it with JIT (a second per page; docs/architecture.md#scale)."""
    open_visible = dsr_visible_to_staff(user).filter(status__in=OPEN_STATUSES).order_by().values("id")
    try:
        visible_sql, visible_params = open_visible.query.sql_with_params()
    except EmptyResultSet:  # someone who sees no case sees no duplicate either
        return Value(False)
    pairs, links = DuplicateCandidate._meta.db_table, CaseLink._meta.db_table
    sql = f"""
        EXISTS (SELECT 1 FROM {pairs} AS pair
                WHERE (pair.dsr_id = {{case}} OR pair.earlier_id = {{case}})
                AND NOT EXISTS (SELECT 1 FROM {links} AS link WHERE link.unlinked_at IS NULL
                                AND ((link.primary_id = pair.dsr_id AND link.secondary_id = pair.earlier_id)
                                     OR (link.primary_id = pair.earlier_id AND link.secondary_id = pair.dsr_id)))
                AND EXISTS (SELECT 1 FROM ({visible_sql}) AS visible
                            WHERE visible.id = CASE WHEN pair.dsr_id = {{case}} THEN pair.earlier_id
                                                    ELSE pair.dsr_id END))
    """  # noqa: S608 - table names from the models' metadata; values are parameters
    return CaseCondition(sql, visible_params)


def dsr_with_possible_duplicate_flag(cases: QuerySet[DataSubjectRequest], user: object) -> QuerySet[DataSubjectRequest]:
    """`cases` annotated with `has_possible_duplicate`. A subquery of the page's own query, so
    the queue's badges cost no statement of their own."""
    return cases.annotate(has_possible_duplicate=_has_possible_duplicate(user))


def dsr_ids_with_duplicate_candidates(user: object, dsr_ids: Iterable[int]) -> set[int]:
    """Which of `dsr_ids` have an open, unlinked possible duplicate `user` may see."""
    flagged = dsr_visible_to_staff(user).filter(_has_possible_duplicate(user), pk__in=list(dsr_ids))
    return set(flagged.values_list("pk", flat=True))


def dsr_links(dsr: DataSubjectRequest, user: object, *, live_only: bool = False) -> list[CaseLink]:
    """The links of `dsr` whose other case `user` may see, newest first."""
    visible = dsr_visible_to_staff(user)
    links = CaseLink.objects.filter(
        (Q(primary=dsr) & Q(secondary__in=visible)) | (Q(secondary=dsr) & Q(primary__in=visible))
    )
    if live_only:
        links = links.filter(unlinked_at__isnull=True)
    return list(
        links.select_related("primary", "secondary", "created_by", "unlinked_by").order_by("-created_at", "-pk")
    )


def dsr_visible_by_reference(user: object, reference: str, access: Access) -> DataSubjectRequest | None:
    """The case `user` may reach with `access` under 受付番号 `reference`; None for a missing
    and for a hidden case alike."""
    return dsr_visible_to_staff(user, access).filter(reference=reference).select_related("queue").first()


def provision_records_for_case(dsr: DataSubjectRequest) -> list[tuple[ProvisionRecord, ProvisionRecordChoice | None]]:
    """The member's third-party provision records on a records-disclosure case (法第33条第5項),
    oldest first, each with staff's disclose/withhold choice on this case (None: not chosen,
    which discloses it)."""
    if dsr.kind != RequestKind.PROVISION_RECORDS:
        return []
    choices = {choice.record_id: choice for choice in ProvisionRecordChoice.objects.filter(dsr=dsr)}
    records = ProvisionRecord.objects.filter(member_id=dsr.member_id).order_by("occurred_on", "id")
    return [(record, choices.get(record.pk)) for record in records]


_SPACES_IN_NUMBER = re.compile(r"[\s\-]")


def members_matching(query: str, *, limit: int) -> list[Member]:
    """Members a typed 組合員番号, 氏名 or フリガナ names, for registering a paper request:
    the number exactly, else the name or kana by the roster's normalised keys (NFKC, no spaces)."""
    number = _SPACES_IN_NUMBER.sub("", normalize_text(query))
    if number and (by_number := list(Member.objects.filter(member_number=number)[:1])):
        return by_number
    name, kana = name_search_key(query), kana_search_key(query)
    if not name:
        return []
    return list(Member.objects.filter(Q(name_search=name) | Q(kana_search=kana)).order_by("member_number")[:limit])

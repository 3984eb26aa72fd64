"""Reads. The one place that decides which cases a person may see.

Every surface (queue lists, counts, search, dashboards, exports, downloads, reminders
and mail) starts from `dsr_visible_to_staff` or `dsr_list_for_member`. A case in a
restricted queue (My Number) exists only for people who hold a permission on that queue:
no per-case grant, global permission or superuser flag can widen the set.

The other reads the views and services share live here too (status counts, the timeline,
the rules for attaching disclosed data), so no view computes them itself.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from guardian.shortcuts import get_objects_for_user

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal.decisions import PAPER_COMBINABLE
from requests_portal.models import (
    OPEN_STATUSES,
    AuditEntry,
    Channel,
    DataSubjectRequest,
    DisclosureMethod,
    Document,
    DocumentCategory,
    DsrUserObjectPermission,
    Letter,
    LetterKind,
    LetterStatus,
    Queue,
    QueueGroupObjectPermission,
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
    # Read once per request, like the user's queues: a page calls this for each of its lists.
    restricted = user.__dict__.get("_portal_restricted_queue_ids")
    if restricted is None:
        restricted = user.__dict__["_portal_restricted_queue_ids"] = restricted_queue_ids()
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


def staff_holding(access: Access, queue_ids: Iterable[int]) -> QuerySet[User]:
    """The people `queue_holders` lists for these queues, as one query for a page's choices."""
    codename = QUEUE_PERMISSION[access]
    queue_ids = list(queue_ids)
    groups = QueueGroupObjectPermission.objects.filter(
        content_object_id__in=queue_ids, permission__codename=codename
    ).values("group_id")
    direct = QueueUserObjectPermission.objects.filter(
        content_object_id__in=queue_ids, permission__codename=codename
    ).values("user_id")
    people = User.objects.filter(Q(groups__in=groups) | Q(pk__in=direct), is_active=True)
    return people.filter(_holds_a_role("pk")).distinct()


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

"""Reads. The one place that decides which cases a person may see.

Every surface (queue lists, counts, search, dashboards, exports, downloads, reminders
and mail) starts from `dsr_visible_to_staff` or `dsr_list_for_member`. A case in a
restricted queue (My Number) exists only for people who hold a permission on that queue:
no per-case grant, global permission or superuser flag can widen the set.

The other reads the views and services share live here too (status counts, the timeline,
the rules for attaching disclosed data), so no view computes them itself.
"""

from datetime import date, timedelta

from guardian.shortcuts import get_objects_for_user

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_portal.decisions import PAPER_COMBINABLE
from requests_portal.models import (
    OPEN_STATUSES,
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
    RequestEvent,
    RequestKind,
    RetentionPolicy,
    Status,
)
from requests_portal.roles import CASE_PERMISSIONS, QUEUE_PERMISSION, Access, is_staff_user
from requests_portal.wareki import date_for_reader


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


def documents_for_member() -> QuerySet[Document]:
    """The documents a member may see and download (narrow it to their cases): not purged, and
    disclosed data only until the last day its notice prints (purge_after), even if the nightly
    purge has not removed the file yet."""
    return Document.objects.filter(category__in=MEMBER_DOCUMENT_CATEGORIES, purged_at__isnull=True).exclude(
        category=DocumentCategory.DISCLOSURE_PACKAGE, purge_after__lte=timezone.now()
    )


# --- disclosed data (開示データ) ----------------------------------------------------------------


DISCLOSURE_PACKAGE_KINDS = frozenset({RequestKind.DISCLOSURE, RequestKind.PROVISION_RECORDS})


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
    """(why no package may be attached now, or None; the notice's last download day)."""
    if dsr.kind not in DISCLOSURE_PACKAGE_KINDS:
        return _("開示データを添付できるのは、開示または第三者提供記録の開示の請求のみです。"), None
    if dsr.status not in (Status.DECIDED, Status.NOTIFIED):
        return _("開示データは、開示の決定が決裁された後（決定済み・通知済みの間）に添付できます。"), None
    if dsr.decision not in PAPER_COMBINABLE:
        return _("この事案の決定（%(decision)s）では開示するデータがないため、開示データは添付できません。") % {
            "decision": dsr.get_decision_display()
        }, None
    if dsr.disclosure_method != DisclosureMethod.ELECTRONIC or (dsr.decision_details or {}).get(
        "method_changed_to_paper"
    ):
        return _(
            "開示の方法が電磁的記録の提供（ポータルからのダウンロード）ではないため、開示データは添付できません。"
            "書面で交付してください。"
        ), None
    until = disclosure_download_until(dsr)
    if until is None:
        return _("決定通知書の作成が終わってから添付してください（ダウンロード期間は通知書の日付から数えます）。"), None
    if until < timezone.localdate():
        return _("決定通知書に記載したダウンロード期間（%(until)sまで）を過ぎているため、添付できません。") % {
            "until": date_for_reader(until)
        }, until
    return None, until


def disclosure_package_refusal(dsr: DataSubjectRequest) -> str | None:
    """Why no disclosure package may be attached to `dsr` now, or None when one may."""
    return disclosure_package_check(dsr)[0]

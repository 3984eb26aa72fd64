"""Reads and small writes of the staff workspace that are not case transitions: who may be
assigned, saved queue filters, bulk assignment (inline, or as a job for large selections),
and the audit entry of a queue listing.

Cases are always reached through selectors.dsr_visible_to_staff / permissions.access_*;
nothing here widens what anyone can see.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_portal import audit, deadlines, jobs, services
from requests_portal.exceptions import CaseHeldByOther, DomainError
from requests_portal.models import (
    ART39_KINDS,
    UNANSWERED_STATUSES,
    BulkJob,
    DataSubjectRequest,
    DsrUserObjectPermission,
    SavedFilter,
    User,
)
from requests_portal.mynumber import contains_my_number
from requests_portal.permissions import access_dsr_for_staff, can_take_over_dsr
from requests_portal.roles import Access, Capability, roles_with
from requests_portal.selectors import (
    case_grant_holders,
    dsr_visible_to_staff,
    dsr_with_possible_duplicate_flag,
    queue_list_for_user,
    queues_for_user,
    staff_holding,
)
from requests_portal.stored_text import list_separator

if TYPE_CHECKING:
    from requests_portal.filters import QueueFilter

SAVED_FILTER_KEYS = ("q", "status", "kind", "assignee", "due", "requester", "channel", "queue", "sort", "per_page")
MAX_SAVED_FILTERS = 30


def queue_filterset(user: User, data: QueryDict) -> "QueueFilter":
    """The queue's filters, search and sort over the cases `user` may see.

    The one definition of "the queue with these filters": the queue page shows it, the CSV
    export writes it, and a background export rebuilds it from the stored query string.
    """
    from requests_portal.filters import QueueFilter

    queues = queue_list_for_user(user)
    handlers = handlers_for_queues(queue.pk for queue in queues)
    return QueueFilter(data, queryset=dsr_visible_to_staff(user), user=user, queues=queues, handlers=handlers)


# What a row of the queue shows, its deadline figures and its audit entry need (and no more: the
# cases' free text, JSON details and the assignee's password hash stay in the database).
QUEUE_ROW_FIELDS = (
    *("id", "public_id", "reference", "kind", "channel", "requester_type", "agent_name", "status"),
    *("received_at", "due_date", "paused_at", "extended_due_date"),
    *("queue__id", "queue__is_restricted"),
    *("member__id", "member__full_name", "member__member_number"),
    *("assignee__id", "assignee__display_name", "assignee__email"),
)


def queue_rows(user: User, filterset: "QueueFilter") -> QuerySet[DataSubjectRequest]:
    """The rows the queue page lists for `filterset`: each with what a row shows (queue, member,
    assignee) and its possible-duplicate badge, all in the page's one statement."""
    cases = filterset.qs.select_related("queue", "member", "assignee").only(*QUEUE_ROW_FIELDS)
    return dsr_with_possible_duplicate_flag(cases, user)


def handlers_for_queues(queue_ids: Iterable[int]) -> list[User]:
    """Active staff who may work cases in any of these queues (selectors.staff_holding)."""
    return list(staff_holding(Access.HANDLE, queue_ids).order_by("display_name", "email"))


def handlers_for_case(dsr: DataSubjectRequest) -> list[User]:
    """People a case may be assigned to: its queue's handlers and individual handle grants."""
    holders = staff_holding(Access.HANDLE, [dsr.queue_id]).values("pk")
    granted = [user_id for _dsr_id, user_id in case_grant_holders([dsr.pk], Access.HANDLE)]
    people = User.objects.filter(Q(pk__in=holders) | Q(pk__in=granted))
    return list(people.order_by("display_name", "email"))


def grant_candidates(dsr: DataSubjectRequest, *, actor: User) -> list[User]:
    """Staff who could receive an individual grant on `dsr` (never for My Number cases)."""
    if dsr.is_restricted:
        return []
    roles = roles_with(Capability.RECEIVE_CASE_GRANT)
    people = User.objects.filter(is_active=True, groups__name__in=roles).exclude(pk=actor.pk)
    return list(people.distinct().order_by("display_name", "email"))


def case_grants(dsr: DataSubjectRequest) -> QuerySet[DsrUserObjectPermission]:
    return (
        DsrUserObjectPermission.objects.filter(content_object=dsr)
        .select_related("user", "permission")
        .order_by("user__display_name", "user__email", "permission__codename")
    )


def clean_filter_query(query: str) -> str:
    """Keep only the queue parameters a saved filter may carry, in a stable order."""
    params = QueryDict(query or "")
    kept = [(key, value) for key in SAVED_FILTER_KEYS for value in params.getlist(key) if value]
    return urlencode(kept)[:500]


@transaction.atomic
def saved_filter_save(*, user: User, name: str, query: str) -> SavedFilter:
    """Save (or overwrite, by name) one of the user's queue filters."""
    if not name:
        raise DomainError(_("名前を入力してください。"))
    # A My Number typed into the search box must not be kept in a saved filter (番号法第20条:
    # storing a My Number outside the work that needs it).
    if contains_my_number(name) or any(
        contains_my_number(value) for _key, values in QueryDict(query or "").lists() for value in values
    ):
        raise DomainError(
            _(
                "検索条件に個人番号（マイナンバー）と思われる数字が含まれているため、保存できません。番号を消してから保存してください。"
            )
        )
    existing = SavedFilter.objects.filter(user=user, name=name).first()
    if existing is None and SavedFilter.objects.filter(user=user).count() >= MAX_SAVED_FILTERS:
        raise DomainError(
            _("保存できる検索条件は%(limit)d件までです。不要なものを削除してください。") % {"limit": MAX_SAVED_FILTERS}
        )
    saved, _created = SavedFilter.objects.update_or_create(
        user=user, name=name, defaults={"query": clean_filter_query(query)}
    )
    return saved


def saved_filter_delete(*, user: User, pk: int) -> None:
    deleted, _rows = SavedFilter.objects.filter(user=user, pk=pk).delete()
    if not deleted:
        raise Http404


@dataclass
class BulkResult:
    assigned: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # Held by a colleague and left alone (no reason for a takeover was given, or the case changed
    # hands after the selection was made).
    held: list[str] = field(default_factory=list)
    unchanged: int = 0
    not_found: int = 0


def dsr_bulk_assign(
    *,
    actor: User,
    public_ids: Iterable[str],
    assignee: User | None,
    reason: str = "",
    from_assignee_id: int | None = None,
) -> BulkResult:
    """Assign each case the actor may work; each case in its own transaction, so one refusal
    does not undo the others. Cases the actor cannot reach count as not found.

    The rule of single cases holds here too (docs/architecture.md#assignment): an unassigned
    case, or one the actor holds, is assigned; a case a colleague holds is taken over when a
    `reason` is given by someone who may take it over (services.dsr_take_over), and otherwise
    skipped and listed. With `from_assignee_id` (handing over one person's cases) only cases
    still held by that person are changed.
    """
    result = BulkResult()
    for public_id in dict.fromkeys(public_ids):
        try:
            dsr = access_dsr_for_staff(actor, public_id, Access.HANDLE)
        except Http404:
            result.not_found += 1
            continue
        holder_id = dsr.assignee_id
        if from_assignee_id is not None and holder_id != from_assignee_id:
            result.held.append(dsr.reference)
            continue
        held_by_other = holder_id is not None and holder_id != actor.pk
        if held_by_other and not (reason and can_take_over_dsr(actor, dsr)):
            result.held.append(dsr.reference)
            continue
        try:
            if held_by_other:
                changed = services.dsr_take_over(
                    dsr=dsr, actor=actor, assignee=assignee, reason=reason, expected_assignee_id=holder_id
                )
            else:
                changed = services.dsr_assign(dsr=dsr, assignee=assignee, actor=actor)
        except CaseHeldByOther:
            result.held.append(dsr.reference)
        except DomainError:
            result.refused.append(dsr.reference)
        else:
            if changed:
                result.assigned.append(dsr.reference)
            else:
                result.unchanged += 1
    return result


# Selections above this size are reassigned as a background job with visible progress.
BULK_ASSIGN_INLINE_LIMIT = 20
# What a job keeps of the references it could not reassign (the count is always exact).
_KEPT_REFERENCES = 200


@jobs.register
class BulkAssignJob(jobs.JobHandler):
    """Reassigning many cases (e.g. everything a colleague who is leaving holds) as a job.

    The cases are fixed when the job starts: the selected ones, or the open cases of one
    person. Each chunk re-checks, for the job's creator, that every case may still be worked
    and that the new assignee may work it (dsr_bulk_assign through the visibility selector);
    a case a colleague holds is taken over only with the job's reason.
    """

    kind = "bulk_assign"
    label = gettext_lazy("担当者の一括変更")
    chunk_size = 50

    def may_start(self, actor: User) -> bool:
        return bool(queues_for_user(actor, Access.HANDLE))

    def validate(self, *, actor: User, params: dict) -> dict:
        assignee_id = params.get("assignee_id")
        if assignee_id is not None and not User.objects.filter(pk=assignee_id, is_active=True).exists():
            raise DomainError(_("担当者が見つかりません。"))
        cleaned: dict = {"assignee_id": assignee_id, "reason": str(params.get("reason") or "")}
        if params.get("from_assignee_id") is not None:
            # Handing over someone's cases takes each one over: the reason is required.
            if not cleaned["reason"].strip():
                raise DomainError(_("引き継ぎの理由を入力してください。"))
            cleaned["from_assignee_id"] = int(params["from_assignee_id"])
        else:
            public_ids = [str(value) for value in dict.fromkeys(params.get("public_ids") or [])]
            if not public_ids:
                raise DomainError(_("割り当てる事案を選んでください。"))
            cleaned["public_ids"] = public_ids[:10_000]
        return cleaned

    def prepare(self, job: BulkJob) -> int:
        if "from_assignee_id" in job.params:
            cases = (
                dsr_visible_to_staff(job.created_by, Access.HANDLE)
                .unanswered()
                .filter(assignee_id=job.params["from_assignee_id"])
            )
            ids = [str(value) for value in cases.order_by("due_date", "id").values_list("public_id", flat=True)]
        else:
            ids = list(job.params["public_ids"])
        job.result = {
            **{"ids": ids, "cursor": 0, "assigned": 0, "unchanged": 0, "not_found": 0},
            **{"refused": [], "refused_count": 0, "held": [], "held_count": 0},
        }
        return len(ids)

    def run_chunk(self, job: BulkJob) -> int:
        cursor = int(job.result["cursor"])
        chunk = job.result["ids"][cursor : cursor + self.chunk_size]
        if not chunk:
            return 0
        assignee = User.objects.filter(pk=job.params["assignee_id"]).first() if job.params["assignee_id"] else None
        outcome = dsr_bulk_assign(
            actor=job.created_by,
            public_ids=chunk,
            assignee=assignee,
            reason=job.params.get("reason", ""),
            from_assignee_id=job.params.get("from_assignee_id"),
        )
        refused = list(job.result["refused"])
        refused += outcome.refused[: max(0, _KEPT_REFERENCES - len(refused))]
        held = list(job.result.get("held", []))
        held += outcome.held[: max(0, _KEPT_REFERENCES - len(held))]
        job.result = {
            **job.result,
            "cursor": cursor + len(chunk),
            "assigned": int(job.result["assigned"]) + len(outcome.assigned),
            "unchanged": int(job.result.get("unchanged", 0)) + outcome.unchanged,
            "refused": refused,
            "refused_count": int(job.result["refused_count"]) + len(outcome.refused),
            "held": held,
            "held_count": int(job.result.get("held_count", 0)) + len(outcome.held),
            "not_found": int(job.result["not_found"]) + outcome.not_found,
        }
        return len(chunk)

    def finish(self, job: BulkJob) -> None:
        job.result = {key: value for key, value in job.result.items() if key != "ids"}

    def summary(self, job: BulkJob) -> list[tuple[str, str]]:
        lines = [(str(_("変更した事案")), str(_("%(n)s件") % {"n": f"{job.result.get('assigned', 0):,}"}))]
        if refused := int(job.result.get("refused_count", 0)):
            shown = list_separator().join(job.result.get("refused", []))
            count = _("%(n)s件") % {"n": f"{refused:,}"}
            lines.append((str(_("担当できない職員のため変更しなかった事案")), f"{count} ({shown})"))
        if held := int(job.result.get("held_count", 0)):
            shown = list_separator().join(job.result.get("held", []))
            count = _("%(n)s件") % {"n": f"{held:,}"}
            lines.append((str(_("他の職員が担当しているため変更しなかった事案")), f"{count} ({shown})"))
        if unchanged := int(job.result.get("unchanged", 0)):
            lines.append((str(_("既にその担当者だった事案")), _("%(n)s件") % {"n": f"{unchanged:,}"}))
        if missing := int(job.result.get("not_found", 0)):
            lines.append((str(_("処理できなくなっていた事案")), _("%(n)s件") % {"n": f"{missing:,}"}))
        return lines


def attach_deadline_summaries(cases: Iterable[DataSubjectRequest]) -> None:
    """Give each listed case its deadline figures (`dsr.due`), reading the calendar once.

    The same arguments as templatetags.portal.deadline_summary, without a cache round trip
    per row (a page of 100 cases on Redis would otherwise ask 100 times).
    """
    calendar = deadlines.current_calendar()
    today = timezone.localdate()
    for dsr in cases:
        dsr.due = deadlines.summarize(  # type: ignore[attr-defined]
            received=timezone.localdate(dsr.received_at),
            due=dsr.due_date,
            today=today,
            art39_applies=dsr.kind in ART39_KINDS,
            paused=dsr.paused_at is not None,
            extended=dsr.extended_due_date is not None,
            answered=dsr.status not in UNANSWERED_STATUSES,
            calendar=calendar,
        )


def record_queue_view(*, actor: User, cases: Iterable[DataSubjectRequest]) -> None:
    """One audit entry per queue page: which cases were listed (names appear on the page)."""
    cases = list(cases)
    if not cases:
        return
    restricted = [dsr.reference for dsr in cases if dsr.is_restricted]
    general = [dsr.reference for dsr in cases if not dsr.is_restricted]
    # My Number cases go into their own restricted entry, so the general one shows no trace.
    if general:
        audit.record(action="queue.view", actor=actor, data={"refs": general}, restricted=False)
    if restricted:
        audit.record(action="queue.view", actor=actor, data={"refs": restricted}, restricted=True)

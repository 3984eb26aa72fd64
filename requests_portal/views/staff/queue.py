"""The staff home page and the case queue: filters, saved filters and bulk assignment."""

from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from requests_portal import jobs, workspace
from requests_portal.date_styles import staff_date
from requests_portal.exceptions import DomainError
from requests_portal.filters import ALL_FILTER, SORT_LABELS, QueueFilter
from requests_portal.forms.staff import BulkAssignForm, SavedFilterForm
from requests_portal.models import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    UNANSWERED_STATUSES,
    Channel,
    DataSubjectRequest,
    RequestKind,
    Status,
    User,
)
from requests_portal.roles import Access, Capability, has_capability
from requests_portal.selectors import (
    dsr_status_counts,
    dsr_status_counts_for,
    dsr_visible_to_staff,
    queue_ids_for_user,
    queue_list_for_user,
    queues_for_user,
)
from requests_portal.stored_text import list_separator
from requests_portal.views.access import HtmxHttpRequest, signed_in_user, staff_required
from requests_portal.views.staff.common import safe_next
from requests_portal.views.staff.intake import intake_kinds

QUEUE_TEMPLATE = "requests_portal/staff/queue.html"
QUEUE_RESULTS_TEMPLATE = "requests_portal/staff/_queue_results.html"


@require_safe
@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    visible = dsr_visible_to_staff(request.user)
    queues = []
    for queue in queues_for_user(request.user):
        counts = dsr_status_counts(visible.open().filter(queue=queue))
        rows = [(status, Status(status).label, counts.get(status, 0)) for status in Status.values]
        rows = [row for row in rows if row[0] in OPEN_STATUSES]
        queues.append({"queue": queue, "rows": rows, "open_total": sum(n for _s, _label, n in rows)})
    mine = visible.open().filter(assignee=signed_in_user(request)).count()
    approvable = dsr_visible_to_staff(request.user, Access.APPROVE).filter(status=Status.AWAITING_APPROVAL)
    context = {
        "queues": queues,
        "mine": mine,
        "to_approve": approvable.exclude(drafted_by=signed_in_user(request)).count(),
        "can_approve": bool(queues_for_user(request.user, Access.APPROVE)),
        "can_intake": bool(intake_kinds(signed_in_user(request))),
    }
    return render(request, "requests_portal/staff/home.html", context)


def _page_size(request: HttpRequest) -> int:
    sizes = tuple(settings.DSR_QUEUE_PAGE_SIZES)
    try:
        size = int(request.GET.get("per_page", sizes[0]))
    except ValueError:
        return sizes[0]
    return size if size in sizes else sizes[0]


# A search or filter that matches more cases than this is counted only this far: its figures
# then say 「5,000件以上」 instead of an exact number that would cost a count of every match.
COUNT_CAP = 5000


def _status_counts(user: User, filterset: QueueFilter) -> tuple[dict[str, int], bool]:
    """Per status, how many cases the user would see with these filters, and whether the counting
    stopped at COUNT_CAP (then the figures are a sample, not totals, and are not shown as such).
    Without a search or a filter on the cases themselves, from the counters the database keeps
    (no case is read, however long the history); otherwise one count of at most COUNT_CAP + 1
    of the cases found."""
    if filterset.counts_need_cases():
        counts = dsr_status_counts(filterset.any_status_qs, limit=COUNT_CAP + 1)
        return counts, sum(counts.values()) > COUNT_CAP
    data = filterset.form.cleaned_data
    queue, kind = data.get("queue"), data.get("kind")
    counts = dsr_status_counts_for(user, queue_ids=[queue.pk] if queue else None, kinds=[kind] if kind else None)
    return counts, False


def _matching(counts: dict[str, int], status: str) -> int:
    """How many cases the page lists, from the counts (so the paginator does not count again)."""
    if status == ALL_FILTER:
        return sum(counts.values())
    if status:
        return counts.get(status, 0)
    return sum(counts.get(s, 0) for s in UNANSWERED_STATUSES)


# Below this many matches, a search or filter finds its cases first and sorts them; above it,
# walking the sort order's index meets a match every few rows and stops after one page.
_FEW_MATCHES = 5000


def _sorted_after_filtering(cases: QuerySet[DataSubjectRequest]) -> QuerySet[DataSubjectRequest]:
    """The same order, through COALESCE(x, x): the planner cannot walk an index in that order, so
    it takes the search's own indexes (a member, the end of a 受付番号) and sorts the few rows,
    instead of walking a million cases in due-date order to find two."""
    order = []
    for field in cases.query.order_by:
        name = str(field).lstrip("-")
        if name in ("id", "pk"):
            order.append(field)
            continue
        expression = Coalesce(F(name), F(name))
        order.append(expression.desc() if str(field).startswith("-") else expression.asc())
    return cases.order_by(*order)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """What one row of the queue table shows, worked out in Python: the page's labels and
    message formats are translated once per page, not once per row by the template."""

    dsr: DataSubjectRequest
    public_id: str
    detail_url: str
    claim_url: str
    channel_label: str
    kind_label: str
    status_label: str
    requester: str
    member_number: str
    received: str
    due: str
    is_overdue: bool
    is_paused: bool
    deadline_note: str
    art39_passed: bool
    assignee: str
    claimable: bool
    select_label: str
    claim_label: str


# Reversed once per page with this id, then the row's own id is put in its place.
_URL_ID = UUID(int=0)


def queue_table_rows(cases: list[DataSubjectRequest]) -> list[QueueRow]:
    """The rows of the queue table for `cases` (with their `due` summaries attached)."""
    detail_url = reverse("requests_portal:staff_dsr_detail", args=[_URL_ID])
    claim_url = reverse("requests_portal:staff_dsr_claim", args=[_URL_ID])
    placeholder = str(_URL_ID)
    kinds = {value: str(label) for value, label in RequestKind.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    select_format = _("%(ref)s を選択")
    claim_format = _("%(ref)s を自分の担当にする")
    overdue_format = _("%(days)s営業日超過")
    left_format = _("残り%(days)s営業日")
    rows = []
    for dsr in cases:
        due = dsr.due  # type: ignore[attr-defined]
        public_id = str(dsr.public_id)
        if due.is_overdue:
            note = overdue_format % {"days": abs(due.business_days_left)}
        elif due.is_paused or not (dsr.status in OPEN_STATUSES or dsr.status == Status.DECIDED):
            note = ""
        else:
            note = left_format % {"days": due.business_days_left}
        rows.append(
            QueueRow(
                dsr=dsr,
                public_id=public_id,
                detail_url=detail_url.replace(placeholder, public_id),
                claim_url=claim_url.replace(placeholder, public_id),
                channel_label="" if dsr.channel == Channel.PORTAL else channels.get(dsr.channel, dsr.channel),
                kind_label=kinds.get(dsr.kind, dsr.kind),
                status_label=statuses.get(dsr.status, dsr.status),
                requester=dsr.member.full_name,
                member_number=dsr.member.member_number,
                received=staff_date(dsr.received_at),
                due=staff_date(dsr.due_date),
                is_overdue=due.is_overdue,
                is_paused=due.is_paused,
                deadline_note=note,
                art39_passed=due.art39_passed,
                assignee=str(dsr.assignee) if dsr.assignee_id else "",
                claimable=not dsr.assignee_id and dsr.status not in TERMINAL_STATUSES,
                select_label=select_format % {"ref": dsr.reference},
                claim_label=claim_format % {"ref": dsr.reference},
            )
        )
    return rows


@require_safe
@staff_required
def staff_queue(request: HtmxHttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    visible = dsr_visible_to_staff(user)
    queues = queue_list_for_user(user)
    view_queue_ids = queue_ids_for_user(user)
    handlers = workspace.handlers_for_queues(view_queue_ids)
    filterset = QueueFilter(request.GET, queryset=visible, user=user, queues=queues, handlers=handlers)
    if filterset.search_refused:
        # Take the number out of the address bar, the page and every link built from the query.
        params = request.GET.copy()
        params.pop("q", None)
        messages.error(request, _("マイナンバーでは検索できません。入力した番号は検索にも記録にも使っていません。"))
        return HttpResponseRedirect(f"{reverse('requests_portal:staff_queue')}?{params.urlencode()}")
    cases = workspace.queue_rows(user, filterset)
    # Counts per status answer "how many would I see with these filters in each status".
    counts, capped = _status_counts(user, filterset)
    status = filterset.form.cleaned_data.get("status") or ""
    if not capped:
        matching = _matching(counts, status)
    elif status == ALL_FILTER:
        matching = COUNT_CAP + 1
    else:
        # The sample says nothing exact about one status: count the listing itself, as far.
        matching = filterset.qs.order_by()[: COUNT_CAP + 1].count()
    list_capped = capped and matching > COUNT_CAP
    if filterset.counts_need_cases() and matching <= _FEW_MATCHES:
        cases = _sorted_after_filtering(cases)
    paginator = Paginator(cases, _page_size(request))
    # A capped listing pages through its first COUNT_CAP matches.
    paginator.count = COUNT_CAP if list_capped else matching
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    workspace.attach_deadline_summaries(page.object_list)
    workspace.record_queue_view(actor=user, cases=page.object_list)
    handle_queue_ids = queue_ids_for_user(user, Access.HANDLE)
    if handle_queue_ids == view_queue_ids:
        bulk_handlers = handlers
    else:
        bulk_handlers = workspace.handlers_for_queues(handle_queue_ids) if handle_queue_ids else []
    context = {
        "filter": filterset,
        "page": page,
        "rows": queue_table_rows(page.object_list),
        # When the counting stopped early, the tabs show no per-status figure and 「すべて」 says
        # 「5,000件以上」: every number on the page is exact or says that it is a floor.
        "status_counts": [(value, label, None if capped else counts.get(value, 0)) for value, label in Status.choices],
        "total_all": sum(counts.values()) if not capped else None,
        "count_cap": COUNT_CAP,
        "counts_capped": capped,
        "list_capped": list_capped,
        "saved_filters": user.saved_filters.all(),
        "saved_filter_form": SavedFilterForm(initial={"query": request.GET.urlencode()}),
        "bulk_handlers": bulk_handlers,
        "can_handle": bool(handle_queue_ids),
        # The bulk form's reason field, for those who may take over a colleague's cases.
        "can_take_over": has_capability(user, Capability.REASSIGN),
        "page_sizes": settings.DSR_QUEUE_PAGE_SIZES,
        "sort_labels": SORT_LABELS,
        "current_query": request.GET.urlencode(),
    }
    template = QUEUE_RESULTS_TEMPLATE if request.htmx and not request.htmx.boosted else QUEUE_TEMPLATE
    return render(request, template, context)


@require_POST
@staff_required
def staff_queue_bulk_assign(request: HttpRequest) -> HttpResponse:
    queue_url = safe_next(request, reverse("requests_portal:staff_queue"))
    handle_queues = queues_for_user(request.user, Access.HANDLE)
    if not handle_queues:
        raise Http404
    handlers = workspace.handlers_for_queues(queue.pk for queue in handle_queues)
    form = BulkAssignForm(request.POST, handlers=handlers)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return HttpResponseRedirect(queue_url)
    selected, assignee = form.cleaned_data["cases"], form.cleaned_data["assignee"]
    reason = form.cleaned_data["reason"]
    if len(selected) > workspace.BULK_ASSIGN_INLINE_LIMIT:
        job = jobs.job_start(
            kind=workspace.BulkAssignJob.kind,
            actor=signed_in_user(request),
            params={"public_ids": selected, "assignee_id": assignee.pk if assignee else None, "reason": reason},
        )
        return redirect("requests_portal:oversight_job", public_id=job.public_id)
    result = workspace.dsr_bulk_assign(
        actor=signed_in_user(request), public_ids=selected, assignee=assignee, reason=reason
    )
    if result.assigned:
        messages.success(request, _("%(count)d 件の担当者を変更しました。") % {"count": len(result.assigned)})
    if result.unchanged:
        messages.info(request, _("%(count)d 件は既にその担当者でした。") % {"count": result.unchanged})
    if result.held:
        messages.warning(
            request,
            _("%(count)d 件は他の職員が担当しているため変更しませんでした：%(refs)s")
            % {"count": len(result.held), "refs": list_separator().join(result.held)},
        )
    if result.refused or result.not_found:
        messages.warning(
            request,
            _("%(count)d 件は変更できませんでした（担当できない職員、または処理できない事案）。")
            % {"count": len(result.refused) + result.not_found},
        )
    return HttpResponseRedirect(queue_url)


@require_POST
@staff_required
def staff_saved_filter_create(request: HttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        try:
            saved = workspace.saved_filter_save(
                user=signed_in_user(request), name=form.cleaned_data["name"], query=query
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("検索条件「%(name)s」を保存しました。") % {"name": saved.name})
            query = saved.query
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    return HttpResponseRedirect(f"{reverse('requests_portal:staff_queue')}?{workspace.clean_filter_query(query)}")


@require_POST
@staff_required
def staff_saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    workspace.saved_filter_delete(user=signed_in_user(request), pk=pk)
    messages.success(request, _("保存した検索条件を削除しました。"))
    return redirect("requests_portal:staff_queue")

"""The staff workspace: the queue, paper/phone/counter intake, and the case workspace with
its actions. Thin views: access check, form, service, redirect.

Every case list and count starts from selectors.dsr_visible_to_staff; every case page from
permissions.access_dsr_for_staff, so a case outside the user's queues (a My Number case for
everyone but the officers) answers 404 exactly like a missing one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from requests_portal import audit, jobs, roster, services, storage, uploads, workflow, workspace
from requests_portal.case_details import detail_rows
from requests_portal.decisions import DecisionInvalid
from requests_portal.exceptions import DomainError
from requests_portal.forms.staff import (
    ALL_FILTER,
    SORT_LABELS,
    AmendmentForm,
    AssignForm,
    BulkAssignForm,
    ConfirmForm,
    DecisionForm,
    DisclosurePackageForm,
    ExtendForm,
    GrantForm,
    IdentityForm,
    IntakeForm,
    MessageForm,
    QueueFilter,
    ReasonForm,
    ReassignAllForm,
    RevokeForm,
    RosterUploadForm,
    SavedFilterForm,
)
from requests_portal.models import (
    OPEN_STATUSES,
    DataSubjectRequest,
    DocumentCategory,
    EventType,
    IdDocumentType,
    IdentityMethod,
    IdentityResult,
    LetterStatus,
    RequestEvent,
    RequestKind,
    Status,
    User,
)
from requests_portal.permissions import (
    access_dsr_for_staff,
    can_approve_dsr,
    can_handle_dsr,
    grant_case_access,
    revoke_case_access,
)
from requests_portal.roles import Access, Role, has_role
from requests_portal.selectors import (
    DISCLOSURE_PACKAGE_KINDS,
    disclosure_download_until,
    disclosure_package_refusal,
    dsr_status_counts,
    dsr_timeline,
    dsr_visible_to_staff,
    queues_for_user,
)
from requests_portal.views.access import staff_required

QUEUE_TEMPLATE = "requests_portal/staff/queue.html"
QUEUE_RESULTS_TEMPLATE = "requests_portal/staff/_queue_results.html"
DOWNLOADABLE_LETTERS = (LetterStatus.RENDERED, LetterStatus.DELIVERED, LetterStatus.SUPERSEDED)


def _posted(request: HttpRequest):
    """The form data to bind, or None on GET. (``request.POST or None`` would leave a form that
    was posted empty unbound, so it would come back without its "required" errors.)"""
    return request.POST if request.method == "POST" else None


def _posted_files(request: HttpRequest):
    return request.FILES if request.method == "POST" else None


def _case_url(dsr: DataSubjectRequest) -> str:
    return reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


# --- home and queue ---------------------------------------------------------------------------


@require_safe
@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    visible = dsr_visible_to_staff(request.user)
    queues = []
    for queue in queues_for_user(request.user):
        counts = dsr_status_counts(visible.filter(queue=queue, status__in=OPEN_STATUSES))
        rows = [(status, Status(status).label, counts.get(status, 0)) for status in Status.values]
        rows = [row for row in rows if row[0] in OPEN_STATUSES]
        queues.append({"queue": queue, "rows": rows, "open_total": sum(n for _s, _label, n in rows)})
    mine = visible.filter(assignee=request.user, status__in=OPEN_STATUSES).count()
    approvable = dsr_visible_to_staff(request.user, Access.APPROVE).filter(status=Status.AWAITING_APPROVAL)
    context = {
        "queues": queues,
        "mine": mine,
        "to_approve": approvable.exclude(drafted_by=request.user).count(),
        "can_approve": bool(queues_for_user(request.user, Access.APPROVE)),
        "can_intake": bool(_intake_kinds(request.user)),
    }
    return render(request, "requests_portal/staff/home.html", context)


def _page_size(request: HttpRequest) -> int:
    sizes = tuple(settings.DSR_QUEUE_PAGE_SIZES)
    try:
        size = int(request.GET.get("per_page", sizes[0]))
    except ValueError:
        return sizes[0]
    return size if size in sizes else sizes[0]


@require_safe
@staff_required
def staff_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = dsr_visible_to_staff(user)
    queues = queues_for_user(user)
    handlers = workspace.handlers_for_queues(queue.pk for queue in queues)
    filter_kwargs = {"user": user, "queues": queues, "handlers": handlers}
    filterset = QueueFilter(request.GET, queryset=visible, **filter_kwargs)
    if filterset.search_refused:
        # Take the number out of the address bar, the page and every link built from the query.
        params = request.GET.copy()
        params.pop("q", None)
        messages.error(request, _("マイナンバーでは検索できません。入力した番号は検索にも記録にも使っていません。"))
        return HttpResponseRedirect(f"{reverse('requests_portal:staff_queue')}?{params.urlencode()}")
    cases = filterset.qs.select_related("queue", "member", "assignee")
    # Counts per status answer "how many would I see with these filters in each status".
    count_params = request.GET.copy()
    count_params["status"] = ALL_FILTER
    counted = QueueFilter(count_params, queryset=visible, **filter_kwargs)
    counts = dsr_status_counts(counted.qs)
    page = Paginator(cases, _page_size(request)).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    workspace.attach_deadline_summaries(page.object_list)
    workspace.record_queue_view(actor=user, cases=page.object_list)
    handle_queue_ids = {queue.pk for queue in queues_for_user(user, Access.HANDLE)}
    context = {
        "filter": filterset,
        "page": page,
        "status_counts": [(status, label, counts.get(status, 0)) for status, label in Status.choices],
        "total_all": sum(counts.values()),
        "saved_filters": user.saved_filters.all(),
        "saved_filter_form": SavedFilterForm(initial={"query": request.GET.urlencode()}),
        "bulk_handlers": workspace.handlers_for_queues(handle_queue_ids) if handle_queue_ids else [],
        "can_handle": bool(handle_queue_ids),
        "page_sizes": settings.DSR_QUEUE_PAGE_SIZES,
        "sort_labels": SORT_LABELS,
        "current_query": request.GET.urlencode(),
    }
    template = QUEUE_RESULTS_TEMPLATE if request.htmx and not request.htmx.boosted else QUEUE_TEMPLATE
    return render(request, template, context)


@require_POST
@staff_required
def staff_queue_bulk_assign(request: HttpRequest) -> HttpResponse:
    queue_url = _safe_next(request, reverse("requests_portal:staff_queue"))
    handle_queues = queues_for_user(request.user, Access.HANDLE)
    if not handle_queues:
        raise Http404
    handlers = workspace.handlers_for_queues(queue.pk for queue in handle_queues)
    form = BulkAssignForm(request.POST, handlers=handlers)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(queue_url)
    selected, assignee = form.cleaned_data["cases"], form.cleaned_data["assignee"]
    if len(selected) > workspace.BULK_ASSIGN_INLINE_LIMIT:
        job = jobs.job_start(
            kind=workspace.BulkAssignJob.kind,
            actor=request.user,
            params={"public_ids": selected, "assignee_id": assignee.pk if assignee else None},
        )
        return redirect("requests_portal:oversight_job", public_id=job.public_id)
    result = workspace.dsr_bulk_assign(actor=request.user, public_ids=selected, assignee=assignee)
    if result.assigned:
        messages.success(request, _("%(count)d 件の担当者を変更しました。") % {"count": len(result.assigned)})
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
            saved = workspace.saved_filter_save(user=request.user, name=form.cleaned_data["name"], query=query)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("検索条件「%(name)s」を保存しました。") % {"name": saved.name})
            query = saved.query
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return HttpResponseRedirect(f"{reverse('requests_portal:staff_queue')}?{workspace.clean_filter_query(query)}")


@require_POST
@staff_required
def staff_saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    workspace.saved_filter_delete(user=request.user, pk=pk)
    messages.success(request, _("保存した検索条件を削除しました。"))
    return redirect("requests_portal:staff_queue")


# --- intake of requests received on paper, by phone or at the counter ---------------------------


def _intake_kinds(user: User) -> list[str]:
    """Kinds the user may register: those routed to a queue they can work."""
    queues = list(queues_for_user(user, Access.HANDLE))
    general = any(not queue.is_restricted for queue in queues)
    restricted = any(queue.is_restricted for queue in queues)
    return [kind for kind in RequestKind.values if (restricted if kind == RequestKind.MY_NUMBER_INQUIRY else general)]


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_intake(request: HttpRequest) -> HttpResponse:
    kinds = _intake_kinds(request.user)
    if not kinds:
        raise Http404
    form = IntakeForm(_posted(request), _posted_files(request), kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            # The scanned form is checked and stored first (unattached); dsr_submit attaches it.
            # Should the submission fail, the unattached upload is purged by the housekeeping task.
            documents = [
                uploads.accept_upload(scanned, owner=request.user, category=DocumentCategory.SCANNED_FORM)
                for scanned in [form.cleaned_data["scanned_form"]]
                if scanned
            ]
            dsr = services.dsr_submit(actor=request.user, documents=documents, **form.service_kwargs())
        except uploads.UploadRejected as error:
            form.add_error("scanned_form", error)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("受付番号 %(reference)s で登録しました。通知は郵送されます。") % {"reference": dsr.reference},
            )
            return redirect(_case_url(dsr))
    return render(request, "requests_portal/staff/intake.html", {"form": form})


# --- the case workspace -------------------------------------------------------------------------


def _deadline_history(events: list[RequestEvent]) -> list[dict]:
    """Pauses (補正待ち) and extensions, in order, from the timeline."""
    history = []
    for event in events:
        if event.event_type == EventType.STATUS_CHANGED and event.to_status == Status.AWAITING_REQUESTER:
            history.append({"kind": "pause", "at": event.at, "actor": event.actor, "note": event.note})
        elif event.event_type == EventType.STATUS_CHANGED and event.from_status == Status.AWAITING_REQUESTER:
            history.append({"kind": "resume", "at": event.at, "actor": event.actor, "note": event.note})
        elif event.event_type == EventType.EXTENDED and (event.extra or {}).get("to"):
            extra = event.extra
            history.append(
                {
                    "kind": "extension",
                    "at": event.at,
                    "actor": event.actor,
                    "note": event.note,
                    "from": extra.get("from"),
                    "to": extra.get("to"),
                }
            )
    return history


@require_safe
@staff_required
def staff_dsr_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.VIEW)
    audit.record(action="dsr.view", actor=request.user, obj=dsr)
    events = list(dsr_timeline(dsr, for_member=False))
    can = Capabilities.of(dsr, request.user)
    actions = [
        {"action": action, "url": reverse(f"requests_portal:staff_dsr_{action.slug}", args=[dsr.public_id])}
        for action in CASE_ACTIONS.values()
        if action.slug != "message" and action.is_available(dsr, can)
    ]
    blocked = [
        {"action": action, "reason": reason}
        for action in CASE_ACTIONS.values()
        if (reason := action.blocked_reason(dsr, can))
    ]
    can_handle = can.can_handle
    context = {
        "dsr": dsr,
        "detail_rows": detail_rows(dsr.details),
        "events": events,
        "deadline_history": _deadline_history(events),
        "messages_list": dsr.messages.select_related("author").order_by("created_at", "id"),
        "documents": dsr.documents.select_related("owner").order_by("uploaded_at", "id"),
        "letters": dsr.letters.order_by("created_at", "id"),
        "downloadable_letters": DOWNLOADABLE_LETTERS,
        "actions": actions,
        "blocked_actions": blocked,
        "can_handle": can_handle,
        "can_approve": can.can_approve,
        "can_claim": can_handle and dsr.assignee_id != request.user.pk and not dsr.is_terminal,
        "assign_form": AssignForm(handlers=workspace.handlers_for_case(dsr), initial={"assignee": dsr.assignee_id})
        if can_handle
        else None,
        "message_form": MessageForm() if can_handle else None,
        "can_grant": can.can_approve and not dsr.is_restricted,
        **_package_context(dsr, can),
    }
    return render(request, "requests_portal/staff/case_detail.html", context)


def _package_context(dsr: DataSubjectRequest, can: "Capabilities") -> dict:
    """The 開示データ section: only on disclosure cases; the form only for handlers, when allowed."""
    if dsr.kind not in DISCLOSURE_PACKAGE_KINDS:
        return {"show_packages": False}
    refusal = disclosure_package_refusal(dsr) if can.can_handle else None
    return {
        "show_packages": True,
        "packages": dsr.documents.filter(category=DocumentCategory.DISCLOSURE_PACKAGE)
        .select_related("owner")
        .order_by("uploaded_at", "id"),
        "package_until": disclosure_download_until(dsr),
        "package_refusal": refusal,
        "package_form": DisclosurePackageForm() if can.can_handle and refusal is None else None,
    }


@require_POST
@staff_required
def staff_dsr_disclosure_package(request: HttpRequest, public_id: str) -> HttpResponse:
    """Attach the disclosed data (開示データ) to a case decided to disclose electronically."""
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    back = f"{_case_url(dsr)}#packages-title"
    form = DisclosurePackageForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("files", []):
            messages.error(request, error)
        return redirect(back)
    try:
        documents = services.dsr_attach_disclosure_package(
            dsr=dsr, actor=request.user, files=form.cleaned_data["files"]
        )
    except (DomainError, uploads.UploadRejected) as error:
        detail = " ".join(error.messages) if isinstance(error, uploads.UploadRejected) else str(error)
        refused = _("開示データを添付できませんでした（何も保存していません）。%(detail)s")
        messages.error(request, refused % {"detail": detail})
    else:
        messages.success(
            request,
            _("開示データ %(count)d 件を添付し、請求者にお知らせしました。") % {"count": len(documents)},
        )
    return redirect(back)


@require_POST
@staff_required
def staff_dsr_claim(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    try:
        services.dsr_assign(dsr=dsr, assignee=request.user, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(reference)s を自分の担当にしました。") % {"reference": dsr.reference})
    return HttpResponseRedirect(_safe_next(request, _case_url(dsr)))


@require_POST
@staff_required
def staff_dsr_assign(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.HANDLE)
    form = AssignForm(request.POST, handlers=workspace.handlers_for_case(dsr))
    if not form.is_valid():
        messages.error(request, _("担当者を選んでください。"))
        return redirect(_case_url(dsr))
    try:
        services.dsr_assign(dsr=dsr, assignee=form.cleaned_data["assignee"], actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("担当者を変更しました。"))
    return redirect(_case_url(dsr))


# --- case actions: one page each (works without JavaScript), one service call each ---------------


@dataclass(frozen=True)
class CaseAction:
    """One thing staff can do to a case: its form, when it is offered, and the service it calls.

    `offered(dsr, user)` reads the transition table (workflow.allowed_targets) and the can_*
    predicates, so a button is shown exactly when the service would accept the move. The
    services check again on the locked row; a refusal there becomes a form error.
    """

    slug: str
    title: Any
    button: Any
    access: Access
    form_class: type
    offered: Callable[[DataSubjectRequest, "Capabilities"], bool]
    perform: Callable[[DataSubjectRequest, User, Any], Any]
    success: Any
    form_kwargs: Callable[[DataSubjectRequest, User], dict] = lambda dsr, user: {}
    blocked: Callable[[DataSubjectRequest, "Capabilities"], str | None] = lambda dsr, can: None
    danger: bool = False
    intro: Any = ""

    def is_available(self, dsr: DataSubjectRequest, can: "Capabilities") -> bool:
        return self.offered(dsr, can) and not self.blocked(dsr, can)

    def blocked_reason(self, dsr: DataSubjectRequest, can: "Capabilities") -> str | None:
        return self.blocked(dsr, can) if self.offered(dsr, can) else None


@dataclass(frozen=True)
class Capabilities:
    """What the user may do to the case now: computed once per request."""

    user: User
    targets: frozenset[Status]
    can_handle: bool
    can_approve: bool

    @classmethod
    def of(cls, dsr: DataSubjectRequest, user: User) -> "Capabilities":
        return cls(
            user=user,
            targets=frozenset(workflow.allowed_targets(dsr, user)),
            can_handle=can_handle_dsr(user, dsr),
            can_approve=can_approve_dsr(user, dsr),
        )


def _is_drafter(dsr: DataSubjectRequest, can: Capabilities) -> str | None:
    if dsr.drafted_by_id is not None and dsr.drafted_by_id == can.user.pk:
        return gettext_lazy(
            "起案者は自分の決定案を決裁・差戻しできません（職務の分離）。別の決裁権者に依頼してください。"
        )
    return None


def _declared_identity(dsr: DataSubjectRequest) -> dict:
    """The identity document the requester said they attached, as the form's starting point
    (the clerk confirms or changes it after looking at the file)."""
    declared = (dsr.details or {}).get("id_document_type")
    if declared not in IdDocumentType.values:
        return {}
    return {"method": IdentityMethod.DOCUMENT, "id_doc_type": declared}


def _perform_identity(dsr: DataSubjectRequest, user: User, form: IdentityForm) -> None:
    data = form.cleaned_data
    services.dsr_record_identity(
        dsr=dsr,
        actor=user,
        method=data["method"],
        result=data["result"],
        id_doc_type=data["id_doc_type"],
        authority_checked=data.get("authority_checked", False),
        authority_doc_type=data.get("authority_doc_type", ""),
    )


def _perform_decision(dsr: DataSubjectRequest, user: User, form: DecisionForm) -> None:
    data = form.cleaned_data
    services.dsr_draft_decision(
        dsr=dsr,
        actor=user,
        decision=data["decision"],
        ground=data.get("ground", ""),
        reason=data.get("reason", ""),
        details=form.details(),
    )


def _perform_message(dsr: DataSubjectRequest, user: User, form: MessageForm) -> None:
    services.dsr_post_message(
        dsr=dsr, actor=user, body=form.cleaned_data["body"], internal=form.cleaned_data["internal"]
    )


def _reason_form(label: str, help_text: str = "") -> Callable[[DataSubjectRequest, User], dict]:
    return lambda dsr, user: {"reason_label": label, "reason_help": help_text}


def _can_reject(dsr: DataSubjectRequest, can: Capabilities) -> bool:
    if Status.REJECTED not in can.targets:
        return False
    return dsr.identity_result == IdentityResult.NOT_VERIFIED or (dsr.has_agent and dsr.authority_checked_at is None)


CASE_ACTIONS: dict[str, CaseAction] = {
    action.slug: action
    for action in (
        CaseAction(
            slug="identity",
            title=gettext_lazy("本人確認の記録"),
            button=gettext_lazy("本人確認を記録する"),
            access=Access.HANDLE,
            form_class=IdentityForm,
            form_kwargs=lambda dsr, user: {"has_agent": dsr.has_agent, "initial": _declared_identity(dsr)},
            offered=lambda dsr, can: (
                can.can_handle
                and not dsr.identity_by_reauth
                and dsr.status in (Status.SUBMITTED, Status.VERIFYING, Status.AWAITING_REQUESTER)
            ),
            perform=_perform_identity,
            success=gettext_lazy("本人確認の結果を記録しました。"),
            intro=gettext_lazy(
                "確認した書類の種類と結果だけを記録します。免許証番号などの番号は記録しないでください。"
            ),
        ),
        CaseAction(
            slug="review",
            title=gettext_lazy("審査の開始"),
            button=gettext_lazy("審査を開始する"),
            access=Access.HANDLE,
            form_class=ConfirmForm,
            # A case already in 本人確認中 whose identity was confirmed at filing (re-authentication).
            offered=lambda dsr, can: (
                dsr.status == Status.VERIFYING and dsr.identity_complete and Status.IN_REVIEW in can.targets
            ),
            perform=lambda dsr, user, form: services.dsr_start_review(dsr=dsr, actor=user),
            success=gettext_lazy("審査を開始しました。"),
            intro=gettext_lazy("本人確認は完了しています。決定案を作成できる「審査中」に進めます。"),
        ),
        CaseAction(
            slug="amendment",
            title=gettext_lazy("補正のお願い"),
            button=gettext_lazy("補正をお願いする（期限を停止）"),
            access=Access.HANDLE,
            form_class=AmendmentForm,
            offered=lambda dsr, can: Status.AWAITING_REQUESTER in can.targets,
            perform=lambda dsr, user, form: services.dsr_request_amendment(
                dsr=dsr,
                actor=user,
                message=form.cleaned_data["message"],
                reply_due_date=form.cleaned_data["reply_due_date"],
            ),
            success=gettext_lazy("補正のお願いを送りました。回答があるまで期限は停止します。"),
            intro=gettext_lazy(
                "請求者にメッセージと「補正のお願い」の通知書が送られ、回答があるまで期限の計算が停止します。"
            ),
        ),
        CaseAction(
            slug="decision",
            title=gettext_lazy("決定案の作成"),
            button=gettext_lazy("決定案を決裁に回す"),
            access=Access.HANDLE,
            form_class=DecisionForm,
            form_kwargs=lambda dsr, user: {"kind": dsr.kind},
            offered=lambda dsr, can: dsr.status == Status.IN_REVIEW and Status.AWAITING_APPROVAL in can.targets,
            perform=_perform_decision,
            success=gettext_lazy("決定案を作成し、決裁に回しました。"),
        ),
        CaseAction(
            slug="approve",
            title=gettext_lazy("決定案の決裁"),
            button=gettext_lazy("決裁する（通知書を作成）"),
            access=Access.APPROVE,
            form_class=ConfirmForm,
            offered=lambda dsr, can: Status.DECIDED in can.targets,
            blocked=_is_drafter,
            perform=lambda dsr, user, form: services.dsr_approve_decision(dsr=dsr, actor=user),
            success=gettext_lazy("決裁しました。通知書が作成されます。"),
        ),
        CaseAction(
            slug="return",
            title=gettext_lazy("決定案の差戻し"),
            button=gettext_lazy("差し戻す"),
            access=Access.APPROVE,
            form_class=ReasonForm,
            form_kwargs=_reason_form(gettext_lazy("差戻しの理由"), gettext_lazy("起案者に示されます。")),
            offered=lambda dsr, can: dsr.status == Status.AWAITING_APPROVAL and Status.IN_REVIEW in can.targets,
            blocked=_is_drafter,
            perform=lambda dsr, user, form: services.dsr_return_decision(
                dsr=dsr, actor=user, reason=form.cleaned_data["reason"]
            ),
            success=gettext_lazy("決定案を差し戻しました。"),
            danger=True,
        ),
        CaseAction(
            slug="extend",
            title=gettext_lazy("期限の延長"),
            button=gettext_lazy("期限を延長する"),
            access=Access.HANDLE,
            form_class=ExtendForm,
            offered=lambda dsr, can: can.can_handle and (dsr.is_open or dsr.status == Status.DECIDED),
            perform=lambda dsr, user, form: services.dsr_extend(
                dsr=dsr, actor=user, new_due_date=form.cleaned_data["new_due_date"], reason=form.cleaned_data["reason"]
            ),
            success=gettext_lazy("期限を延長しました。期限延長のお知らせが作成されます。"),
            intro=gettext_lazy("延長の理由は「期限延長のお知らせ」に記載され、請求者に示されます。"),
        ),
        CaseAction(
            slug="notify",
            title=gettext_lazy("通知済みの記録"),
            button=gettext_lazy("通知済みにする"),
            access=Access.HANDLE,
            form_class=ConfirmForm,
            offered=lambda dsr, can: Status.NOTIFIED in can.targets,
            perform=lambda dsr, user, form: services.dsr_mark_notified(dsr=dsr, actor=user),
            success=gettext_lazy("通知済みにしました。"),
            intro=gettext_lazy("決定通知書を発送（またはポータルで交付）したことを記録します。"),
        ),
        CaseAction(
            slug="close",
            title=gettext_lazy("事案の完了"),
            button=gettext_lazy("完了にする"),
            access=Access.HANDLE,
            form_class=ConfirmForm,
            offered=lambda dsr, can: Status.CLOSED in can.targets,
            perform=lambda dsr, user, form: services.dsr_close(dsr=dsr, actor=user),
            success=gettext_lazy("事案を完了にしました。"),
        ),
        CaseAction(
            slug="reopen",
            title=gettext_lazy("事案の再開"),
            button=gettext_lazy("再開する"),
            access=Access.APPROVE,
            form_class=ReasonForm,
            form_kwargs=_reason_form(gettext_lazy("再開の理由")),
            offered=lambda dsr, can: (
                dsr.status in (Status.CLOSED, Status.REJECTED)
                and bool({Status.IN_REVIEW, Status.VERIFYING} & can.targets)
            ),
            perform=lambda dsr, user, form: services.dsr_reopen(
                dsr=dsr, actor=user, reason=form.cleaned_data["reason"]
            ),
            success=gettext_lazy("事案を再開しました。"),
        ),
        CaseAction(
            slug="withdraw",
            title=gettext_lazy("取下げの記録"),
            button=gettext_lazy("取下げとして終了する"),
            access=Access.HANDLE,
            form_class=ReasonForm,
            form_kwargs=_reason_form(
                gettext_lazy("取下げの申出の内容"), gettext_lazy("いつ、どのように申出があったかを記録してください。")
            ),
            offered=lambda dsr, can: can.can_handle and Status.WITHDRAWN in can.targets,
            perform=lambda dsr, user, form: services.dsr_withdraw(
                dsr=dsr, actor=user, reason=form.cleaned_data["reason"]
            ),
            success=gettext_lazy("取下げとして終了しました。"),
            danger=True,
        ),
        CaseAction(
            slug="reject",
            title=gettext_lazy("本人確認不能による終了"),
            button=gettext_lazy("本人確認不能として終了する"),
            access=Access.HANDLE,
            form_class=ReasonForm,
            form_kwargs=_reason_form(gettext_lazy("理由"), gettext_lazy("通知書に記載され、請求者に示されます。")),
            offered=_can_reject,
            perform=lambda dsr, user, form: services.dsr_reject_identity(
                dsr=dsr, actor=user, reason=form.cleaned_data["reason"]
            ),
            success=gettext_lazy("本人確認不能として終了しました。通知書が作成されます。"),
            danger=True,
        ),
        CaseAction(
            slug="message",
            title=gettext_lazy("メッセージ・内部メモ"),
            button=gettext_lazy("送信・保存する"),
            access=Access.HANDLE,
            form_class=MessageForm,
            offered=lambda dsr, can: can.can_handle,
            perform=_perform_message,
            success=gettext_lazy("メッセージを保存しました。"),
        ),
    )
}


def _action_form(action: CaseAction, dsr: DataSubjectRequest, user: User, data: object = None) -> Any:
    return action.form_class(data, **action.form_kwargs(dsr, user))


def _case_action(action: CaseAction) -> Callable[..., HttpResponse]:
    @require_http_methods(["GET", "HEAD", "POST"])
    @staff_required
    def view(request: HttpRequest, public_id: str) -> HttpResponse:
        dsr = access_dsr_for_staff(request.user, public_id, action.access)
        can = Capabilities.of(dsr, request.user)
        if not action.offered(dsr, can):
            messages.warning(request, _("この事案の現在の状態では、この操作はできません。"))
            return redirect(_case_url(dsr))
        if reason := action.blocked(dsr, can):
            messages.error(request, reason)
            return redirect(_case_url(dsr))
        form = _action_form(action, dsr, request.user, request.POST if request.method == "POST" else None)
        if request.method == "POST":
            added_row = next((p for p in ("withheld", "corrections") if f"add_{p}" in request.POST), None)
            if added_row and isinstance(form, DecisionForm):
                form.is_valid()
                form.add_row(added_row)
            elif form.is_valid():
                try:
                    action.perform(dsr, request.user, form)
                except DecisionInvalid as error:
                    form.apply_errors(error.errors)
                except DomainError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, action.success)
                    return redirect(_case_url(dsr))
        context = {"dsr": dsr, "action": action, "form": form}
        return render(request, "requests_portal/staff/case_action.html", context)

    view.__name__ = f"staff_dsr_{action.slug}"
    return view


ACTION_VIEWS = {slug: _case_action(action) for slug, action in CASE_ACTIONS.items()}


# --- individual access grants (supervisors; never on My Number cases) ----------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_dsr_access(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.APPROVE)
    form = GrantForm(_posted(request), candidates=workspace.grant_candidates(dsr, actor=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            grant_case_access(
                dsr=dsr, user=form.cleaned_data["user"], access=Access(form.cleaned_data["access"]), actor=request.user
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s に個別の権限を付与しました。") % {"name": form.cleaned_data["user"]})
            return redirect("requests_portal:staff_dsr_access", public_id=dsr.public_id)
    context = {"dsr": dsr, "form": form, "grants": workspace.case_grants(dsr), "restricted": dsr.is_restricted}
    return render(request, "requests_portal/staff/case_access.html", context)


@require_POST
@staff_required
def staff_dsr_access_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_staff(request.user, public_id, Access.APPROVE)
    form = RevokeForm(request.POST)
    person = User.objects.filter(pk=form.cleaned_data["user"]).first() if form.is_valid() else None
    if person is None:
        messages.error(request, _("取り消す職員を指定してください。"))
    else:
        try:
            revoke_case_access(dsr=dsr, user=person, actor=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(name)s の個別の権限を取り消しました。") % {"name": person})
    return redirect("requests_portal:staff_dsr_access", public_id=dsr.public_id)


__all__ = [
    "ACTION_VIEWS",
    "CASE_ACTIONS",
    "staff_dsr_access",
    "staff_dsr_access_revoke",
    "staff_dsr_assign",
    "staff_dsr_claim",
    "staff_dsr_detail",
    "staff_dsr_disclosure_package",
    "staff_home",
    "staff_intake",
    "staff_queue",
    "staff_queue_bulk_assign",
    "staff_saved_filter_create",
    "staff_saved_filter_delete",
]


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_reassign(request: HttpRequest) -> HttpResponse:
    """A supervisor moves every open case of one person to another, as a job with progress."""
    approve_queues = queues_for_user(request.user, Access.APPROVE)
    if not approve_queues:
        raise Http404
    handlers = workspace.handlers_for_queues(queue.pk for queue in approve_queues)
    form = ReassignAllForm(_posted(request), handlers=handlers)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["assignee"]
        job = jobs.job_start(
            kind=workspace.BulkAssignJob.kind,
            actor=request.user,
            params={
                "from_assignee_id": int(form.cleaned_data["from_assignee"]),
                "assignee_id": None if chosen == "none" else int(chosen),
            },
        )
        return redirect("requests_portal:oversight_job", public_id=job.public_id)
    return render(request, "requests_portal/staff/reassign.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_roster_import(request: HttpRequest) -> HttpResponse:
    """The administrator uploads the co-op's roster; it is imported all or nothing, as a job."""
    if not has_role(request.user, Role.ADMIN):
        raise Http404
    form = RosterUploadForm(_posted(request), _posted_files(request))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["roster"]
        # Kept encrypted for the job only; the job deletes it when it ends.
        storage_name = storage.save(upload.read())
        job = jobs.job_start(
            kind=roster.ROSTER_IMPORT_JOB,
            actor=request.user,
            params={"storage_name": storage_name, "filename": upload.name},
        )
        return redirect("requests_portal:oversight_job", public_id=job.public_id)
    return render(
        request, "requests_portal/staff/roster_import.html", {"form": form}, status=400 if form.errors else 200
    )

"""The member's pages. Thin: access check, selector or form, service, redirect.

The request wizard is one form per kind (forms/member.py) on one page, then a 確認 page,
then the submission (POST, redirect, GET). Files are accepted as soon as they are posted
(uploads.accept_form_uploads) and carried as unattached documents until submission, so a
validation error never loses them; a My Number typed anywhere is never shown again.
"""

import secrets
from datetime import UTC, datetime, timedelta

from allauth.account.authentication import get_authentication_records
from allauth.account.forms import ReauthenticateForm
from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from django_stubs_ext import StrOrPromise

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from requests_portal import audit, services, uploads
from requests_portal.case_details import detail_rows
from requests_portal.exceptions import DomainError
from requests_portal.forms.member import (
    MASKING_ID_DOCUMENT_TYPES,
    MAX_CORRECTION_ROWS,
    AmendmentReplyForm,
    MemberMessageForm,
    RequestForm,
    WithdrawForm,
    electronic_formats,
    fee_for,
)
from requests_portal.models import (
    KIND_SPECS,
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    Channel,
    DataSubjectRequest,
    DocumentCategory,
    EventType,
    LetterStatus,
    Message,
    MessageDirection,
    Status,
)
from requests_portal.permissions import access_dsr_for_member
from requests_portal.selectors import (
    documents_filed_by_others,
    documents_for_member,
    dsr_list_for_member_home,
    dsr_timeline,
)
from requests_portal.views.access import member_required, signed_in_user
from requests_portal.wareki import any_date_for_reader

QUIET_ACTIONS = frozenset({"add_row", "remove_document", "edit", "upload"})
_SUBMIT_TOKEN_SECONDS = 24 * 3600


MEMBER_HOME_PAGE_SIZE = 20


@require_safe
@member_required
def member_home(request: HttpRequest) -> HttpResponse:
    cases = dsr_list_for_member_home(request.user)
    page = Paginator(cases, MEMBER_HOME_PAGE_SIZE).get_page(request.GET.get("page"))
    # Every case waiting for the member, whichever page it is on.
    waiting = list(cases.filter(status=Status.AWAITING_AMENDMENT))
    context = {
        "cases": page.object_list,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "open_count": cases.open().count(),
        "waiting": waiting,
        "open_statuses": OPEN_STATUSES,
    }
    return render(request, "requests_portal/member/home.html", context)


@require_safe
@member_required
def dsr_new(request: HttpRequest) -> HttpResponse:
    kinds = [
        {"value": kind, "label": spec.label, "description": spec.description, "fee": fee_for(kind)}
        for kind, spec in KIND_SPECS.items()
    ]
    return render(request, "requests_portal/member/dsr_new.html", {"kinds": kinds})


# --- the wizard ---------------------------------------------------------------------------


def _upload_fields(form_class: type[RequestForm]) -> dict[str, str]:
    fields = {
        name: field.category
        for name, field in form_class.base_fields.items()
        if hasattr(field, "category") and name.endswith("_files")
    }
    if not form_class.allows_supporting_files:
        fields.pop("supporting_files", None)
    return fields


def _form_context(form: RequestForm, **extra: object) -> dict:
    spec = KIND_SPECS[form.kind]
    return {
        "form": form,
        "kind": form.kind,
        "kind_spec": spec,
        "kind_label": spec.label,
        "kind_description": spec.description,
        "fee": form.fee,
        "fee_eligible": spec.fee_eligible,
        "formats": electronic_formats(),
        "documents": form.documents,
        "max_rows": MAX_CORRECTION_ROWS,
        **extra,
    }


def _render_form(request: HttpRequest, form: RequestForm) -> HttpResponse:
    return render(request, "requests_portal/member/dsr_form.html", _form_context(form))


def _render_confirm(request: HttpRequest, form: RequestForm, *, password_form: object = None) -> HttpResponse:
    token = secrets.token_urlsafe(16)
    context = _form_context(
        form,
        token=token,
        review=form.review_rows(),
        needs_password=form.needs_reauthentication and _reauthenticated_at(request) is None,
        password_form=password_form,
        reauth_minutes=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT // 60,
    )
    return render(request, "requests_portal/member/dsr_confirm.html", context)


def _reauthenticated_at(request: HttpRequest) -> datetime | None:
    """When this session last re-authenticated (allauth keeps it), if within the window."""
    stamps = [r["at"] for r in get_authentication_records(request, request.user) if r.get("reauthenticated")]
    if not stamps:
        return None
    at = datetime.fromtimestamp(stamps[-1], tz=UTC)
    return at if timezone.now() - at <= timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT) else None


def _submit_key(request: HttpRequest, token: str) -> str:
    return f"portal:dsr-submit:{request.user.pk}:{token}"


@require_http_methods(["GET", "POST"])
@member_required
def dsr_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in KIND_SPECS:
        raise Http404
    form_class = KIND_SPECS[kind].form_class
    if request.method == "GET":
        return _render_form(request, form_class(user=request.user))

    data = request.POST.copy()
    action = data.get("action") or "confirm"
    documents = uploads.unattached_documents(owner=signed_in_user(request), ids=data.getlist("documents"))
    if removed := data.get("remove_document"):
        uploads.discard_unattached(owner=signed_in_user(request), public_id=removed)
        documents = [d for d in documents if str(d.public_id) != removed]
        action = "remove_document"
    if action == "add_row":
        rows = int(data.get("rows-TOTAL_FORMS") or 1) if str(data.get("rows-TOTAL_FORMS", "")).isdigit() else 1
        data["rows-TOTAL_FORMS"] = str(min(rows + 1, MAX_CORRECTION_ROWS))
    masking = (
        frozenset({DocumentCategory.IDENTITY})
        if data.get("id_document_type") in MASKING_ID_DOCUMENT_TYPES
        else frozenset()
    )
    accepted, upload_errors = uploads.accept_form_uploads(
        request.FILES, owner=signed_in_user(request), fields=_upload_fields(form_class), masking_categories=masking
    )
    form = form_class(data=data, user=request.user, documents=documents + accepted, upload_errors=upload_errors)

    if action in QUIET_ACTIONS:
        form.quiet()
        for name, problems in upload_errors.items():
            form.errors.setdefault(name, form.error_class()).extend(problems)
        return _render_form(request, form)
    if not form.is_valid():
        form.scrub_my_numbers()
        return _render_form(request, form)
    if action != "submit":
        return _render_confirm(request, form)
    return _submit(request, form, data)


def _submit(request: HttpRequest, form: RequestForm, data: dict) -> HttpResponse:
    token = data.get("token") or ""
    if not token:
        return _render_confirm(request, form)
    key = _submit_key(request, token)
    previous = cache.get(key)
    if previous and previous != "pending":
        return redirect("requests_portal:member_dsr_submitted", public_id=previous)
    if not cache.add(key, "pending", _SUBMIT_TOKEN_SECONDS):
        messages.info(request, _("送信を処理しています。受付が完了しているかをマイページでご確認ください。"))
        return redirect("requests_portal:member_home")
    try:
        reauthenticated_at = None
        if form.needs_reauthentication:
            reauthenticated_at = _reauthenticated_at(request)
            if reauthenticated_at is None:
                password_form = ReauthenticateForm(user=request.user, data={"password": data.get("password", "")})
                if not password_form.is_valid():
                    cache.delete(key)
                    return _render_confirm(request, form, password_form=password_form)
                reauthenticate_by_password(request)
                reauthenticated_at = _reauthenticated_at(request)
        if form.identity_documents_need_masking:
            uploads.flag_for_masking(form.documents_in(DocumentCategory.IDENTITY))
        dsr = services.dsr_submit(
            actor=signed_in_user(request),
            **form.submission(),
            documents=form.documents,
            reauthenticated_at=reauthenticated_at,
        )
    except DomainError as exc:
        cache.delete(key)
        form.add_error(None, str(exc))
        return _render_form(request, form)
    except Exception:
        cache.delete(key)
        raise
    cache.set(key, str(dsr.public_id), _SUBMIT_TOKEN_SECONDS)
    return redirect("requests_portal:member_dsr_submitted", public_id=dsr.public_id)


@require_safe
@member_required
def dsr_submitted(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_member(request.user, public_id)
    audit.record(action="dsr.view", actor=request.user, obj=dsr, data={"page": "submitted"})
    return render(
        request,
        "requests_portal/member/dsr_submitted.html",
        {"dsr": dsr, "fee": fee_for(dsr.kind) if dsr.fee_yen else None},
    )


# --- the case page ---------------------------------------------------------------------------

STATUS_EXPLANATIONS: dict[str, StrOrPromise] = {
    Status.SUBMITTED: _("ご請求を受け付けました。担当者が内容を確認します。"),
    Status.VERIFYING: _("ご本人であること（代理人の場合は代理権）を確認しています。"),
    Status.AWAITING_AMENDMENT: _(
        "書類の追加などをお願いしています（補正）。下の「補正のお願い」をご確認ください。"
        "ご回答をいただくまで、回答期限の計算は止まっています。"
    ),
    Status.IN_REVIEW: _("ご請求の内容を審査しています。"),
    Status.AWAITING_APPROVAL: _("回答の内容を組合の責任者が確認しています。"),
    Status.DECIDED: _("回答の内容が決まりました。通知書をお送りします。"),
    Status.NOTIFIED: _("通知書をお送りしました。下の「通知書」からダウンロードできます。"),
    Status.CLOSED: _("このご請求の手続は完了しました。"),
    Status.WITHDRAWN: _("このご請求は取り下げられました。"),
    Status.REJECTED: _("ご本人（又は代理権）の確認ができなかったため、手続を終了しました。通知書をご確認ください。"),
}


def _timeline_rows(request: HttpRequest, dsr: DataSubjectRequest) -> list[dict]:
    rows = []
    for event in dsr_timeline(dsr, for_member=True):
        if event.actor_id is None:
            who = _("組合（自動処理）")
        elif event.actor_id == request.user.pk:
            who = _("あなた")
        elif (dsr.channel == Channel.PORTAL and event.actor_id == dsr.filed_by_id) or (
            event.actor and event.actor.member_id == dsr.member_id
        ):
            who = _("請求者")
        else:
            who = _("組合")
        if event.event_type == EventType.STATUS_CHANGED and (primary := event.extra.get("duplicate_of")):
            what: StrOrPromise = _(
                "受付番号 %(reference)s のご請求と同じ内容のため、そちらと併せて取り扱うこととし、手続を終了しました"
            ) % {"reference": primary}
        elif event.event_type == EventType.STATUS_CHANGED and event.to_status:
            what = _("状態が「%(status)s」になりました") % {"status": Status(event.to_status).label}
        elif event.event_type == EventType.EXTENDED:
            what = _("回答期限が %(date)s に延長されました") % {"date": any_date_for_reader(event.extra.get("to", ""))}
        elif event.event_type == EventType.DOCUMENT_ADDED and event.extra.get("category") == (
            DocumentCategory.DISCLOSURE_PACKAGE
        ):
            what = _("開示データが掲載されました")
        else:
            what = EventType(event.event_type).label
        rows.append({"at": event.at, "who": who, "what": what, "note": event.note, "event": event})
    return rows


def case_page_context(request: HttpRequest, dsr: DataSubjectRequest, **forms: object) -> dict:
    thread = list(
        Message.objects.filter(dsr=dsr)
        .exclude(direction=MessageDirection.INTERNAL)
        .select_related("author")
        .order_by("created_at", "id")
    )
    amendment_request = next(
        (m for m in reversed(thread) if m.direction == MessageDirection.TO_MEMBER and m.reply_due_date), None
    )
    # Through the case's manager, so each letter's title reads this `dsr` without a query.
    letters = list(dsr.letters.exclude(status=LetterStatus.SUPERSEDED).order_by("created_at", "id"))
    documents = list(documents_for_member(request.user).filter(dsr=dsr).order_by("uploaded_at", "id"))
    # The co-op's disclosure packages get their own list, with the last day to download them.
    packages = [d for d in documents if d.category == DocumentCategory.DISCLOSURE_PACKAGE]
    documents = [d for d in documents if d.category != DocumentCategory.DISCLOSURE_PACKAGE]
    awaiting = dsr.status == Status.AWAITING_AMENDMENT
    amendment_form = forms.get("amendment_form") or (AmendmentReplyForm() if awaiting else None)
    return {
        "dsr": dsr,
        "detail_rows": detail_rows(dsr.details, for_member=True),
        "status_explanation": STATUS_EXPLANATIONS.get(dsr.status, ""),
        "timeline": _timeline_rows(request, dsr),
        "thread": thread,
        "amendment_request": amendment_request if awaiting else None,
        "amendment_form": amendment_form,
        "amendment_documents": getattr(amendment_form, "documents", []),
        "message_form": forms.get("message_form") or MemberMessageForm(),
        "can_message": dsr.status not in TERMINAL_STATUSES,
        "can_withdraw": dsr.status in OPEN_STATUSES,
        "letters": letters,
        "downloadable": {LetterStatus.RENDERED, LetterStatus.DELIVERED},
        "documents": documents,
        "documents_filed_by_others": documents_filed_by_others(request.user, dsr),
        "packages": packages,
        "is_answered": dsr.status in {Status.DECIDED, Status.NOTIFIED} | TERMINAL_STATUSES,
    }


def _render_case(request: HttpRequest, dsr: DataSubjectRequest, **forms: object) -> HttpResponse:
    audit.record(action="dsr.view", actor=request.user, obj=dsr)
    return render(request, "requests_portal/member/dsr_detail.html", case_page_context(request, dsr, **forms))


@require_safe
@member_required
def dsr_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _render_case(request, access_dsr_for_member(request.user, public_id))


@require_POST
@member_required
def dsr_message(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_member(request.user, public_id)
    form = MemberMessageForm(data=request.POST.copy())
    if dsr.status in TERMINAL_STATUSES:
        messages.error(request, _("終了した請求にはメッセージを送れません。"))
        return redirect("requests_portal:member_dsr_detail", public_id=dsr.public_id)
    if form.is_valid():
        try:
            services.dsr_post_message(dsr=dsr, actor=signed_in_user(request), body=form.cleaned_data["body"])
        except DomainError as exc:
            form.add_error("body", str(exc))
        else:
            messages.success(request, _("メッセージを送信しました。"))
            return redirect(reverse("requests_portal:member_dsr_detail", args=[dsr.public_id]) + "#messages")
    form.scrub_my_numbers()
    return _render_case(request, dsr, message_form=form)


@require_POST
@member_required
def dsr_amend(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_member(request.user, public_id)
    if dsr.status != Status.AWAITING_AMENDMENT:
        messages.info(request, _("現在、補正のお願いはありません。"))
        return redirect("requests_portal:member_dsr_detail", public_id=dsr.public_id)
    data = request.POST.copy()
    documents = uploads.unattached_documents(owner=signed_in_user(request), ids=data.getlist("documents"))
    if removed := data.get("remove_document"):
        uploads.discard_unattached(owner=signed_in_user(request), public_id=removed)
        documents = [d for d in documents if str(d.public_id) != removed]
    accepted, upload_errors = uploads.accept_form_uploads(
        request.FILES, owner=signed_in_user(request), fields={"amendment_files": DocumentCategory.AMENDMENT}
    )
    form = AmendmentReplyForm(data=data, documents=documents + accepted, upload_errors=upload_errors)
    if removed:
        form.quiet()
        return _render_case(request, dsr, amendment_form=form)
    if form.is_valid():
        try:
            services.dsr_answer_amendment(
                dsr=dsr, actor=signed_in_user(request), message=form.cleaned_data["message"], documents=form.documents
            )
        except DomainError as exc:
            form.add_error("message", str(exc))
        else:
            messages.success(request, _("補正の回答を送信しました。回答期限の計算を再開しました。"))
            return redirect("requests_portal:member_dsr_detail", public_id=dsr.public_id)
    form.scrub_my_numbers()
    return _render_case(request, dsr, amendment_form=form)


@require_http_methods(["GET", "POST"])
@member_required
def dsr_withdraw(request: HttpRequest, public_id: str) -> HttpResponse:
    dsr = access_dsr_for_member(request.user, public_id)
    if dsr.status not in OPEN_STATUSES:
        messages.info(request, _("この請求は取り下げられない状態です。"))
        return redirect("requests_portal:member_dsr_detail", public_id=dsr.public_id)
    form = WithdrawForm(data=request.POST.copy() if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dsr_withdraw(dsr=dsr, actor=signed_in_user(request), reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("請求を取り下げました。"))
            return redirect("requests_portal:member_dsr_detail", public_id=dsr.public_id)
    if form.is_bound:
        form.scrub_my_numbers()
    audit.record(action="dsr.view", actor=request.user, obj=dsr, data={"page": "withdraw"})
    return render(request, "requests_portal/member/dsr_withdraw.html", {"dsr": dsr, "form": form})

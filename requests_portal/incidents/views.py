"""The register's pages. Thin: access (permissions.access_incident: 404 for a hidden incident),
form, service, redirect. Every read of an incident is audited."""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from requests_portal import audit, storage
from requests_portal.exceptions import DomainError
from requests_portal.incidents import exports, selectors, services
from requests_portal.incidents.forms import (
    AlternativeForm,
    AssessmentForm,
    CsvLinkForm,
    IncidentForm,
    MeasureDoneForm,
    MeasureForm,
    MemberSearchForm,
    ReasonForm,
    RegisterFilter,
    ReportForm,
    ReviewForm,
    SentForm,
    TransitionForm,
)
from requests_portal.incidents.permissions import (
    Can,
    access_incident,
    can_file_incident,
    files_my_number_incidents,
    incident_can,
    incident_capabilities,
    incidents_visible_to,
    people_who_can,
)
from requests_portal.incidents.rules import Answers, assess
from requests_portal.incidents.workflow import allowed_targets
from requests_portal.models import (
    Incident,
    IncidentMeasure,
    IncidentNotice,
    IncidentReport,
    IncidentReview,
    Member,
    ReportStage,
    ReportStatus,
    User,
)
from requests_portal.text import kana_search_key, name_search_key, normalize_line
from requests_portal.views.access import View, member_required, signed_in_user, staff_required


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _detail(incident: Incident) -> HttpResponse:
    return redirect("requests_portal:incident_detail", public_id=incident.public_id)


def _sees_register(user: object) -> bool:
    return any(Can.VIEW in incident_capabilities(user, is_my_number=flag) for flag in (False, True))


def register_required(view: Callable[..., HttpResponse]) -> View:
    """Staff who may see at least some incidents; everyone else gets the same 404 as a missing page."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _sees_register(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _people_who_can(incident_is_my_number: bool, capability: Can) -> list[User]:
    return list(people_who_can(capability, is_my_number=incident_is_my_number).order_by("display_name", "email"))


def _stage(value: str) -> str:
    if value not in ReportStage.values:
        raise Http404
    return value


# --- the register -----------------------------------------------------------------------------------


@require_safe
@register_required
def incident_register(request: HttpRequest) -> HttpResponse:
    form = RegisterFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    incidents = list(
        selectors.register_for(
            request.user,
            status=filters.get("status", ""),
            open_only=filters.get("open_only", False),
            q=normalize_line(filters.get("q", "") or ""),
        )[:500]
    )
    rows = [{"incident": incident, "clock": selectors.next_clock(incident)} for incident in incidents]
    audit.record(
        action="incident.list",
        actor=request.user,
        restricted=Can.VIEW in incident_capabilities(request.user, is_my_number=True),
        data={"count": len(rows)},
    )
    context = {"form": form, "rows": rows, "can_file": can_file_incident(request.user)}
    return render(request, "requests_portal/incidents/register.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@register_required
def incident_new(request: HttpRequest) -> HttpResponse:
    if not can_file_incident(request.user):
        raise Http404

    owners = _people_who_can(files_my_number_incidents(request.user), Can.MANAGE)
    form = IncidentForm(_posted(request), owners=owners, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_file(
                actor=signed_in_user(request), facts=form.facts(), owner=form.cleaned_data["owner"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("事案 %(ref)s を登録しました。") % {"ref": incident.reference})
            return _detail(incident)
    return render(
        request,
        "requests_portal/incidents/form.html",
        {"form": form, "incident": None},
        status=400 if form.errors else 200,
    )


@require_safe
@register_required
def incident_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = access_incident(request.user, public_id)
    audit.record(action="incident.view", actor=request.user, obj=incident, restricted=incident.is_my_number)
    can_manage = incident_can(request.user, incident, Can.MANAGE)
    reports = {report.stage: report for report in incident.reports.all()}
    assessment = dict(incident.assessment or {})
    if answers := assessment.get("answers"):
        # Worded now, so the reader sees it in their language whoever assessed it.
        assessment["conclusion"] = assess(Answers.from_dict(answers)).conclusion
    context = {
        "incident": incident,
        "clock": selectors.next_clock(incident),
        "can_manage": can_manage and not incident.is_closed,
        "can_approve": incident_can(request.user, incident, Can.APPROVE),
        "targets": allowed_targets(incident, signed_in_user(request)),
        "assessment": assessment,
        "reports": [(stage, label, reports.get(stage)) for stage, label in ReportStage.choices],
        "affected_count": incident.affected.count(),
        "notice_count": incident.notices.count(),
        "reviews": incident.reviews.select_related("recorded_by"),
        "measures": incident.measures.select_related("owner"),
        "events": incident.events.select_related("actor"),
        "review_form": ReviewForm(),
        "measure_form": MeasureForm(owners=_people_who_can(incident.is_my_number, Can.VIEW)),
        "alternative_form": AlternativeForm(),
        "done_form": MeasureDoneForm(),
    }
    return render(request, "requests_portal/incidents/detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@register_required
def incident_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = access_incident(request.user, public_id, Can.MANAGE)
    owners = _people_who_can(incident.is_my_number, Can.MANAGE)
    initial = {name: getattr(incident, name) for name in services.FACT_FIELDS} | {"owner": incident.owner_id}
    form = IncidentForm(_posted(request), owners=owners, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_update(
                actor=signed_in_user(request), incident=incident, facts=form.facts(), owner=form.cleaned_data["owner"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("事案の記録を更新しました。"))
            return _detail(incident)
    if request.method != "POST":
        audit.record(action="incident.view", actor=request.user, obj=incident, restricted=incident.is_my_number)
    return render(
        request,
        "requests_portal/incidents/form.html",
        {"form": form, "incident": incident},
        status=400 if form.errors else 200,
    )


@require_POST
@register_required
def incident_move(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = access_incident(request.user, public_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("移す先の状態を選んでください。"))
        return _detail(incident)
    if form.cleaned_data["to"] not in allowed_targets(incident, signed_in_user(request)):
        raise Http404
    try:
        services.incident_move(
            actor=signed_in_user(request), incident=incident, to=form.cleaned_data["to"], note=form.cleaned_data["note"]
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("状態を「%(status)s」にしました。") % {"status": incident.get_status_display()})
    return _detail(incident)


# --- the assessment -----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@register_required
def incident_assess(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = access_incident(request.user, public_id, Can.MANAGE)
    previous = (incident.assessment or {}).get("answers") or {"people": incident.people_display or 0}
    form = AssessmentForm(_posted(request), is_my_number=incident.is_my_number, initial=previous)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.incident_assess(actor=signed_in_user(request), incident=incident, answers=form.answers())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, result.conclusion)
            return _detail(incident)
    preview = (
        assess(Answers.from_dict({**previous, "is_my_number": incident.is_my_number})) if incident.assessed_at else None
    )
    return render(
        request,
        "requests_portal/incidents/assess.html",
        {"form": form, "incident": incident, "preview": preview},
        status=400 if form.errors else 200,
    )


# --- the people affected ------------------------------------------------------------------------------


def _search_members(query: str) -> list[Member]:
    query = normalize_line(query)
    if not query:
        return []
    condition = Q(member_number=query) | Q(name_search__contains=name_search_key(query))
    if kana := kana_search_key(query):
        condition |= Q(kana_search__contains=kana)
    return list(Member.objects.filter(condition).order_by("member_number")[:50])


@require_http_methods(["GET", "HEAD", "POST"])
@register_required
def incident_affected(request: HttpRequest, public_id: str) -> HttpResponse:
    """The affected members; those who manage the incident search the roster and link them."""
    incident = access_incident(request.user, public_id)
    can_manage = incident_can(request.user, incident, Can.MANAGE) and not incident.is_closed
    if request.method == "POST":
        if not can_manage:
            raise Http404
        ids = [value for value in request.POST.getlist("members") if value.isdigit()]
        linked = services.incident_link_members(
            actor=signed_in_user(request), incident=incident, members=Member.objects.filter(pk__in=ids)
        )
        messages.success(request, _("%(count)d 名を本人として登録しました。") % {"count": linked})
        return redirect("requests_portal:incident_affected", public_id=incident.public_id)
    audit.record(action="incident.affected_view", actor=request.user, obj=incident, restricted=incident.is_my_number)
    search = MemberSearchForm(request.GET if can_manage and "q" in request.GET else None)
    found = _search_members(search.cleaned_data["q"]) if search.is_bound and search.is_valid() else []
    context = {
        "incident": incident,
        "can_manage": can_manage,
        "search": search,
        "found": found,
        "affected": incident.affected.select_related("member"),
        "notified": set(incident.notices.values_list("member_id", flat=True)),
        "csv_form": CsvLinkForm(),
    }
    return render(request, "requests_portal/incidents/affected.html", context)


@require_POST
@register_required
def incident_affected_csv(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = access_incident(request.user, public_id, Can.MANAGE)
    form = CsvLinkForm(request.POST, request.FILES)
    result = None
    if form.is_valid():
        try:
            result = services.incident_link_csv(
                actor=signed_in_user(request), incident=incident, content=form.cleaned_data["members_csv"].read()
            )
        except DomainError as error:
            form.add_error("members_csv", str(error))
        else:
            if not result.errors:
                messages.success(
                    request,
                    _("%(linked)d 名を本人として登録しました（登録済み %(already)d 名）。")
                    % {"linked": result.linked, "already": result.already},
                )
                return redirect("requests_portal:incident_affected", public_id=incident.public_id)
    context = {"incident": incident, "form": form, "result": result}
    return render(request, "requests_portal/incidents/affected_csv.html", context, status=400)


# --- reports ----------------------------------------------------------------------------------------------


def _report(incident: Incident, stage: str) -> IncidentReport:
    report = incident.reports.filter(stage=_stage(stage)).first()
    if report is None:
        raise Http404
    return report


@require_http_methods(["GET", "HEAD", "POST"])
@register_required
def incident_report(request: HttpRequest, public_id: str, stage: str) -> HttpResponse:
    incident = access_incident(request.user, public_id)
    stage = _stage(stage)
    report = incident.reports.filter(stage=stage).first()
    can_draft = (
        incident_can(request.user, incident, Can.MANAGE)
        and bool(incident.is_reportable)
        and (report is None or report.status == ReportStatus.DRAFT)
    )
    if request.method == "POST" and not can_draft:
        raise Http404
    initial = (
        {name: getattr(report, name) for name in services.REPORT_ITEMS}
        if report
        else services.report_prefill(incident, stage)
    )
    form = ReportForm(_posted(request), initial=initial) if can_draft else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.report_save_draft(
                actor=signed_in_user(request), incident=incident, stage=stage, items=form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("報告の案を保存しました。"))
            return redirect("requests_portal:incident_report", public_id=incident.public_id, stage=stage)
    if report is not None:
        audit.record(
            action="incident.report_view",
            actor=request.user,
            obj=incident,
            restricted=incident.is_my_number,
            data={"stage": stage},
        )
    context = {
        "incident": incident,
        "stage": stage,
        "stage_label": ReportStage(stage).label,
        "report": report,
        "form": form,
        "missing": services.missing_items(report) if report else [],
        "can_manage": incident_can(request.user, incident, Can.MANAGE),
        "can_approve": incident_can(request.user, incident, Can.APPROVE)
        and report is not None
        and report.drafted_by_id != request.user.pk,
        "reason_form": ReasonForm(),
        "sent_form": SentForm(),
        "items": [(services.report_item_label(name), getattr(report, name)) for name in services.REPORT_ITEMS]
        if report
        else [],
    }
    return render(
        request,
        "requests_portal/incidents/report.html",
        context,
        status=400 if form is not None and form.errors else 200,
    )


def _report_action(capability: Can, action: Callable[[HttpRequest, IncidentReport], str]) -> View:
    @require_POST
    @register_required
    def view(request: HttpRequest, public_id: str, stage: str) -> HttpResponse:
        incident = access_incident(request.user, public_id, capability)
        report = _report(incident, stage)
        try:
            messages.success(request, action(request, report))
        except DomainError as error:
            messages.error(request, str(error))
        return redirect("requests_portal:incident_report", public_id=incident.public_id, stage=report.stage)

    return view


def _submit(request: HttpRequest, report: IncidentReport) -> str:
    services.report_submit(actor=signed_in_user(request), report=report)
    return _("承認を依頼しました。")


def _approve(request: HttpRequest, report: IncidentReport) -> str:
    report = services.report_approve(actor=signed_in_user(request), report=report)
    return _("承認しました（文書番号 %(number)s）。") % {"number": report.document_number}


def _return(request: HttpRequest, report: IncidentReport) -> str:
    form = ReasonForm(request.POST)
    services.report_return(
        actor=signed_in_user(request),
        report=report,
        reason=form.data.get("reason", "") if not form.is_valid() else form.cleaned_data["reason"],
    )
    return _("起案者に差し戻しました。")


def _sent(request: HttpRequest, report: IncidentReport) -> str:
    form = SentForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("提出日を入力してください。"))
    services.report_mark_sent(actor=signed_in_user(request), report=report, sent_on=form.cleaned_data["sent_on"])
    return _("提出を記録しました。")


incident_report_submit = _report_action(Can.MANAGE, _submit)
incident_report_approve = _report_action(Can.APPROVE, _approve)
incident_report_return = _report_action(Can.APPROVE, _return)
incident_report_sent = _report_action(Can.MANAGE, _sent)


def _pdf(request: HttpRequest, incident: Incident, storage_name: str, filename: str, what: str) -> HttpResponse:
    if not storage_name:
        raise Http404
    try:
        content = storage.read(storage_name)
    except storage.StoredFileMissing:
        raise Http404 from None
    audit.record(
        action="incident.download",
        actor=request.user,
        obj=incident,
        restricted=incident.is_my_number,
        data={"what": what},
    )
    return storage.attachment_response(content, filename=filename, content_type="application/pdf")


@require_safe
@register_required
def incident_report_pdf(request: HttpRequest, public_id: str, stage: str) -> HttpResponse:
    incident = access_incident(request.user, public_id)
    report = _report(incident, stage)
    return _pdf(
        request,
        incident,
        report.storage_name,
        f"{incident.reference}_{report.get_stage_display()}.pdf",
        f"report:{report.stage}",
    )


@require_safe
@register_required
def incident_report_export(request: HttpRequest, public_id: str, stage: str, fmt: str) -> HttpResponse:
    incident = access_incident(request.user, public_id)
    report = _report(incident, stage)
    if fmt not in ("csv", "json"):
        raise Http404
    audit.record(
        action="incident.export",
        actor=request.user,
        obj=incident,
        restricted=incident.is_my_number,
        data={"stage": report.stage, "format": fmt},
    )
    if fmt == "json":
        content = json.dumps(exports.report_as_dict(report), ensure_ascii=False, indent=2).encode()
        return storage.attachment_response(
            content, filename=f"{incident.reference}_{report.stage}.json", content_type="application/json"
        )
    return storage.attachment_response(
        exports.report_as_csv(report),
        filename=f"{incident.reference}_{report.stage}.csv",
        content_type="text/csv; charset=utf-8",
    )


# --- notices ------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@register_required
def incident_notices(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = access_incident(request.user, public_id)
    can_manage = incident_can(request.user, incident, Can.MANAGE) and not incident.is_closed
    if request.method == "POST":
        if not can_manage:
            raise Http404
        try:
            job = services.notices_start(actor=signed_in_user(request), incident=incident)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("requests_portal:incident_notices", public_id=incident.public_id)
        return redirect("requests_portal:oversight_job", public_id=job.public_id)
    audit.record(action="incident.notices_view", actor=request.user, obj=incident, restricted=incident.is_my_number)
    context = {
        "incident": incident,
        "can_manage": can_manage,
        "notices": incident.notices.select_related("member", "mail"),
        "waiting": incident.affected.exclude(member__incident_notices__incident=incident).count(),
        "alternative_form": AlternativeForm(),
    }
    return render(request, "requests_portal/incidents/notices.html", context)


@require_POST
@register_required
def incident_alternative(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = access_incident(request.user, public_id, Can.MANAGE)
    form = AlternativeForm(request.POST)
    if form.is_valid():
        try:
            services.notice_alternative(actor=signed_in_user(request), incident=incident, **form.cleaned_data)
            messages.success(request, _("代替措置を記録しました。"))
        except DomainError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("代替措置の内容・理由・実施日を入力してください。"))
    return redirect("requests_portal:incident_notices", public_id=incident.public_id)


@require_safe
@register_required
def incident_notice_pdf(request: HttpRequest, notice_id: str) -> HttpResponse:
    notice = (
        IncidentNotice.objects.select_related("incident")
        .filter(public_id=_uuid(notice_id), incident__in=incidents_visible_to(request.user))
        .first()
    )
    if notice is None:
        raise Http404
    return _pdf(request, notice.incident, notice.storage_name, f"{notice.document_number}.pdf", "notice")


def _uuid(value: object) -> str:
    import uuid

    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise Http404 from None


@require_safe
@member_required
def member_incident_notice_pdf(request: HttpRequest, notice_id: str) -> HttpResponse:
    """The member's own notice (their portal page links to it); anyone else's is a 404."""
    notice = selectors.notices_for_member_login(request.user).filter(public_id=_uuid(notice_id)).first()
    if notice is None:
        raise Http404
    return _pdf(request, notice.incident, notice.storage_name, f"{notice.document_number}.pdf", "notice:member")


# --- committees and measures -----------------------------------------------------------------------


@require_POST
@register_required
def incident_review(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = access_incident(request.user, public_id, Can.MANAGE)
    form = ReviewForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("attachment")
        attachment = (upload.name, upload.read()) if upload else None
        try:
            services.review_record(
                actor=signed_in_user(request),
                incident=incident,
                committee=form.cleaned_data["committee"],
                held_on=form.cleaned_data["held_on"],
                conclusion=form.cleaned_data["conclusion"],
                attachment=attachment,
            )
            messages.success(request, _("委員会の審議を記録しました。"))
        except DomainError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("委員会・開催日・結論を入力してください。"))
    return _detail(incident)


@require_safe
@register_required
def incident_review_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    review = (
        IncidentReview.objects.select_related("incident")
        .filter(pk=pk, incident__in=incidents_visible_to(request.user))
        .first()
    )
    if review is None:
        raise Http404
    return _pdf(request, review.incident, review.attachment_storage, review.attachment_name or "review.pdf", "review")


@require_POST
@register_required
def incident_measure(request: HttpRequest, public_id: str) -> HttpResponse:
    incident = access_incident(request.user, public_id, Can.MANAGE)
    form = MeasureForm(request.POST, owners=_people_who_can(incident.is_my_number, Can.VIEW))
    if form.is_valid():
        try:
            services.measure_add(actor=signed_in_user(request), incident=incident, **form.cleaned_data)
            messages.success(request, _("再発防止策を登録しました。"))
        except DomainError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("再発防止策・担当者・期限を入力してください。"))
    return _detail(incident)


@require_POST
@register_required
def incident_measure_done(request: HttpRequest, pk: int) -> HttpResponse:
    measure = (
        IncidentMeasure.objects.select_related("incident")
        .filter(pk=pk, incident__in=incidents_visible_to(request.user, Can.MANAGE))
        .first()
    )
    if measure is None:
        raise Http404
    form = MeasureDoneForm(request.POST)
    try:
        services.measure_complete(actor=signed_in_user(request), measure=measure, note=form.data.get("note", ""))
        messages.success(request, _("再発防止策を完了にしました。"))
    except DomainError as error:
        messages.error(request, str(error))
    return _detail(measure.incident)

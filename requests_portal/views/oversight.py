"""Oversight pages for supervisors (the personal-information manager), auditors and My Number
officers: the dashboard, the annual statistics, CSV exports, bulk-job progress, and retention
(the purge preview, legal holds and the disposal records).

Every figure and list comes from `selectors.dsr_visible_to_staff` through reports.py,
exports.py and retention.py; every page view and every export is audited. A staff member
without an oversight role gets the same 404 as a missing page.
"""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from requests_portal import audit, csv_export, exports, jobs, reports, retention, storage, workspace
from requests_portal.charts import dashboard_charts
from requests_portal.exceptions import DomainError
from requests_portal.filters import QueueFilter
from requests_portal.forms.oversight import DashboardFilterForm, FiscalYearForm, LegalHoldForm
from requests_portal.models import BulkJob, RetentionPolicy
from requests_portal.mynumber import mask_my_numbers
from requests_portal.roles import Access, Capability, has_capability
from requests_portal.selectors import dsr_visible_to_staff
from requests_portal.views.access import View, signed_in_user, staff_required


def capability_required(capability: Capability) -> Callable:
    """A staff member whose roles allow `capability`; other staff get 404 (the page does not exist for them)."""

    def decorator(view: View) -> View:
        @staff_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not has_capability(request.user, capability):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _context(request: HttpRequest, **extra: object) -> dict:
    user = signed_in_user(request)
    return {
        "can_oversee": has_capability(user, Capability.OVERSEE),
        "includes_restricted": reports.sees_restricted(user),
        **extra,
    }


# ---------------------------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------------------------
def _dashboard_form(request: HttpRequest) -> DashboardFilterForm:
    default = reports.ReportFilter.default()
    return DashboardFilterForm(
        request.GET or None,
        kinds=reports.visible_kinds(signed_in_user(request)),
        initial={"date_from": default.date_from, "date_to": default.date_to},
    )


def _report_filter(form: DashboardFilterForm) -> reports.ReportFilter | None:
    if not form.is_bound:
        return reports.ReportFilter.default()
    return form.report_filter() if form.is_valid() else None


@require_safe
@capability_required(Capability.OVERSEE)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = _dashboard_form(request)
    report_filter = _report_filter(form)
    context = _context(request, form=form, query=request.GET.urlencode())
    if report_filter is not None:
        report = reports.dashboard_report(viewer=signed_in_user(request), report_filter=report_filter)
        audit.record(
            action="report.dashboard",
            actor=request.user,
            restricted=report.includes_restricted,
            data=report_filter.as_params(),
        )
        context |= {"report": report, "charts": dashboard_charts(report), "tables": report.tables}
    return render(request, "requests_portal/oversight/dashboard.html", context, status=200 if report_filter else 400)


@require_safe
@capability_required(Capability.OVERSEE)
def dashboard_csv(request: HttpRequest, table: str) -> HttpResponseBase:
    if table not in reports.DASHBOARD_TABLES:
        raise Http404
    report_filter = _report_filter(_dashboard_form(request))
    if report_filter is None:
        return redirect(f"{reverse('requests_portal:oversight_dashboard')}?{request.GET.urlencode()}")
    report = reports.dashboard_report(viewer=signed_in_user(request), report_filter=report_filter, only=[table])
    audit.record(
        action="export.dashboard",
        actor=request.user,
        restricted=report.includes_restricted,
        data={"table": table, **report_filter.as_params()},
    )
    header, rows = exports.table_rows(report.table(table))
    period = f"{report_filter.date_from:%Y%m%d}-{report_filter.date_to:%Y%m%d}"
    return csv_export.csv_response(filename=f"dashboard_{table}_{period}.csv", header=header, rows=rows)


# ---------------------------------------------------------------------------------------------
# Annual statistics
# ---------------------------------------------------------------------------------------------
def _annual(request: HttpRequest) -> tuple[FiscalYearForm, reports.AnnualStatistics | None]:
    form = FiscalYearForm(request.GET or None, years=reports.available_fiscal_years(signed_in_user(request)))
    if form.is_bound and not form.is_valid():
        return form, None
    if not form.is_bound:
        form.cleaned_data = {}
    return form, reports.annual_statistics(viewer=signed_in_user(request), year=form.year())


@require_safe
@capability_required(Capability.OVERSEE)
def annual(request: HttpRequest) -> HttpResponse:
    form, statistics = _annual(request)
    if statistics is not None:
        audit.record(
            action="report.annual",
            actor=request.user,
            restricted=statistics.includes_restricted,
            data={"fiscal_year": statistics.fiscal_year},
        )
    context = _context(request, form=form, statistics=statistics)
    return render(request, "requests_portal/oversight/annual.html", context, status=200 if statistics else 400)


@require_safe
@capability_required(Capability.OVERSEE)
def annual_csv(request: HttpRequest) -> HttpResponseBase:
    _form, statistics = _annual(request)
    if statistics is None:
        return redirect(f"{reverse('requests_portal:oversight_annual')}?{request.GET.urlencode()}")
    audit.record(
        action="export.annual",
        actor=request.user,
        restricted=statistics.includes_restricted,
        data={"fiscal_year": statistics.fiscal_year},
    )
    header, rows = exports.table_rows(statistics.table)
    return csv_export.csv_response(filename=f"annual_statistics_{statistics.fiscal_year}.csv", header=header, rows=rows)


# ---------------------------------------------------------------------------------------------
# Queue export (streamed, or as a bulk job)
# ---------------------------------------------------------------------------------------------
def _queue_query(request: HttpRequest, *, drop_search: bool = False) -> str:
    """The staff queue's query string, without the page number (an export covers every page)."""
    params = request.GET.copy()
    params.pop("page", None)
    if drop_search:
        params.pop("q", None)
    return params.urlencode()


def _invalid_filters(request: HttpRequest, filterset: object) -> HttpResponse:
    """A tampered or stale filter value: say so rather than export something else."""
    context = _context(request, filterset=filterset, count=0, query="", active_filters=[], invalid=True)
    return render(request, "requests_portal/oversight/export.html", context, status=400)


def _refuse_search(request: HttpRequest) -> HttpResponse:
    """Back to the queue without the typed My Number, with the reason (the number is not repeated)."""
    messages.error(request, _("マイナンバーでは検索できません。入力した番号は検索にも記録にも使っていません。"))
    return redirect(f"{reverse('requests_portal:staff_queue')}?{_queue_query(request, drop_search=True)}")


def _export_filters(request: HttpRequest) -> tuple[Any, HttpResponse | None]:
    """The queue's filters for an export, and the response refusing it when they cannot be used
    (a My Number typed into the search, or a tampered or stale value)."""
    filterset = workspace.queue_filterset(signed_in_user(request), request.GET)
    if filterset.search_refused:
        return filterset, _refuse_search(request)
    if not filterset.is_valid():
        return filterset, _invalid_filters(request, filterset)
    return filterset, None


def _audit_queue_export(request: HttpRequest, query: str, mode: str) -> None:
    audit.record(
        action="export.queue",
        actor=request.user,
        restricted=exports.export_may_include_restricted(signed_in_user(request), query),
        data={"query": mask_my_numbers(query), "mode": mode},
    )


def _active_filters(filterset: QueueFilter) -> list[tuple[str, str]]:
    """(label, shown value) of each filter in use, with choice values shown by their labels."""
    shown = []
    for field in filterset.form:
        value = field.value()
        if not value or field.name == "sort":
            continue
        choices = {str(key): label for key, label in getattr(field.field, "choices", ())}
        shown.append((str(field.label), str(choices.get(str(value), value))))
    return shown


@require_safe
@capability_required(Capability.EXPORT)
def queue_export(request: HttpRequest) -> HttpResponse:
    """What an export of the queue with these filters would hold, and the two ways to get it."""
    filterset, refusal = _export_filters(request)
    if refusal:
        return refusal
    query = _queue_query(request)
    context = _context(
        request,
        filterset=filterset,
        count=exports.queue_cases(signed_in_user(request), query).count(),
        query=query,
        active_filters=_active_filters(filterset),
    )
    return render(request, "requests_portal/oversight/export.html", context)


@require_safe
@capability_required(Capability.EXPORT)
def queue_export_csv(request: HttpRequest) -> HttpResponseBase:
    query = _queue_query(request)
    _filterset, refusal = _export_filters(request)
    if refusal:
        return refusal
    _audit_queue_export(request, query, "stream")
    cases = exports.queue_cases(signed_in_user(request), query)
    return csv_export.csv_response(
        filename=csv_export.timestamped("queue_export"), header=exports.queue_header(), rows=exports.queue_rows(cases)
    )


@require_POST
@capability_required(Capability.EXPORT)
def queue_export_job(request: HttpRequest) -> HttpResponse:
    # The filters travel in the query string, exactly as for the streamed download.
    query = _queue_query(request)
    _filterset, refusal = _export_filters(request)
    if refusal:
        return refusal
    _audit_queue_export(request, query, "job")
    job = jobs.job_start(kind=exports.QUEUE_EXPORT_JOB, actor=signed_in_user(request), params={"query": query})
    return redirect("requests_portal:oversight_job", public_id=job.public_id)


# ---------------------------------------------------------------------------------------------
# Bulk jobs: progress, summary, download
# ---------------------------------------------------------------------------------------------
def _job_context(job: BulkJob) -> dict:
    finished = job.state in (BulkJob.State.DONE, BulkJob.State.FAILED)
    return {
        "job": job,
        "job_label": jobs.kind_label(job.kind),
        "percent": jobs.progress_percent(job),
        "finished": finished,
        "summary": jobs.handler_for(job.kind).summary(job) if job.state == BulkJob.State.DONE else [],
        "downloadable": job.state == BulkJob.State.DONE and bool(job.result.get("parts")),
        "expired": bool(job.result.get("expired_at")),
        "keeps_until": (job.finished_at + timedelta(days=RetentionPolicy.load().export_file_days))
        if job.finished_at
        else None,
    }


@require_safe
@staff_required
def job_list(request: HttpRequest) -> HttpResponse:
    items = [
        {"job": job, "label": jobs.kind_label(job.kind), "percent": jobs.progress_percent(job)}
        for job in jobs.jobs_for_user(request.user)[:50]
    ]
    return render(request, "requests_portal/oversight/jobs.html", _context(request, items=items))


@require_safe
@staff_required
def job_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    job = jobs.job_for_user(request.user, public_id)
    context = _context(request, **_job_context(job))
    if getattr(request, "htmx", False):
        return render(request, "requests_portal/oversight/_job_progress.html", context)
    return render(request, "requests_portal/oversight/job_detail.html", context)


@require_safe
@staff_required
def job_download(request: HttpRequest, public_id: str) -> HttpResponseBase:
    job = jobs.job_for_user(request.user, public_id)
    parts = job.result.get("parts", [])
    if job.state != BulkJob.State.DONE or not parts or not all(storage.exists(name) for name in parts):
        raise Http404
    audit.record(
        action="export.download",
        actor=request.user,
        object_ref=f"job:{job.public_id}",
        restricted=bool(job.params.get("restricted")),
        data={"kind": job.kind, "rows": job.done},
    )
    response = StreamingHttpResponse(exports.job_file_chunks(job), content_type=csv_export.CSV_CONTENT_TYPE)
    response["Content-Length"] = str(job.result.get("bytes", ""))
    return csv_export.download_headers(response, job.result.get("filename") or "export.csv")


# ---------------------------------------------------------------------------------------------
# Retention: the purge preview, legal holds, disposal records
# ---------------------------------------------------------------------------------------------
def _retention_page(request: HttpRequest, form: LegalHoldForm, status: int = 200) -> HttpResponse:
    plan = retention.purge_preview(viewer=signed_in_user(request))
    audit.record(
        action="retention.preview",
        actor=request.user,
        restricted=reports.sees_restricted(signed_in_user(request)),
        data={"total": plan.total},
    )
    context = _context(
        request,
        plan=plan,
        policy=RetentionPolicy.load(),
        held=retention.held_cases(signed_in_user(request))[:200],
        form=form,
        can_hold=has_capability(request.user, Capability.LEGAL_HOLD),
    )
    return render(request, "requests_portal/oversight/retention.html", context, status=status)


@require_safe
@capability_required(Capability.OVERSEE)
def retention_overview(request: HttpRequest) -> HttpResponse:
    initial = {"reference": request.GET.get("reference", "")[:20]}
    return _retention_page(request, LegalHoldForm(initial=initial))


@require_POST
@capability_required(Capability.LEGAL_HOLD)
def legal_hold(request: HttpRequest) -> HttpResponse:
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        # A hidden case answers exactly like a missing one.
        dsr = dsr_visible_to_staff(request.user, Access.APPROVE).filter(reference=data["reference"]).first()
        if dsr is None:
            form.add_error("reference", _("この受付番号の事案は見つかりません。"))
        else:
            try:
                retention.dsr_set_legal_hold(
                    dsr=dsr, hold=data["hold"], reason=data["reason"], actor=signed_in_user(request)
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                if data["hold"]:
                    messages.success(request, _("%(ref)s に保存命令を設定しました。") % {"ref": dsr.reference})
                else:
                    messages.success(request, _("%(ref)s の保存命令を解除しました。") % {"ref": dsr.reference})
                return redirect("requests_portal:oversight_retention")
    return _retention_page(request, form, status=400)


@require_safe
@capability_required(Capability.OVERSEE)
def disposals(request: HttpRequest) -> HttpResponse:
    records = retention.disposal_records_visible(signed_in_user(request)).order_by("-at", "-id")
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    audit.record(
        action="disposal.view",
        actor=request.user,
        restricted=reports.sees_restricted(signed_in_user(request)),
        data={"page": page.number},
    )
    labels = retention.DisposalCategory.labels
    rows = [{"record": record, "category": labels.get(record.category, record.category)} for record in page]
    return render(request, "requests_portal/oversight/disposals.html", _context(request, page=page, rows=rows))


@require_safe
@capability_required(Capability.OVERSEE)
def disposals_csv(request: HttpRequest) -> HttpResponseBase:
    records = retention.disposal_records_visible(signed_in_user(request)).order_by("at", "id")
    audit.record(
        action="export.disposals",
        actor=signed_in_user(request),
        restricted=reports.sees_restricted(signed_in_user(request)),
    )
    return csv_export.csv_response(
        filename=csv_export.timestamped("disposal_records"),
        header=exports.DisposalColumns().headers,
        rows=exports.disposal_rows(records),
    )

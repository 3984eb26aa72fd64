"""The auditors' read-only view of the audit trail: filter, chain verification, CSV export.

Auditors see the general trail; entries about My Number cases (`restricted`) are shown only
to My Number officers (who see only those). Reading, verifying and exporting the trail are
themselves audited.
"""

import csv
import json
from collections.abc import Iterator
from datetime import datetime

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from requests_portal import audit
from requests_portal.forms.staff import AuditLogFilter
from requests_portal.models import AuditEntry, User
from requests_portal.roles import Role, has_role
from requests_portal.views.access import staff_required

PAGE_SIZE = 50
VERIFY_CACHE_KEY = "audit:last-verification:v1"
VERIFY_CACHE_SECONDS = 7 * 24 * 60 * 60
CSV_COLUMNS = (
    ("id", "番号"),
    ("at", "日時"),
    ("actor_label", "操作した人"),
    ("actor_role", "役割"),
    ("action", "操作"),
    ("object_type", "対象の種類"),
    ("object_ref", "受付番号など"),
    ("object_id", "対象ID"),
    ("outcome", "結果"),
    ("ip", "IPアドレス"),
    ("request_id", "リクエストID"),
    ("data", "詳細"),
    ("row_hash", "ハッシュ"),
)
# A cell starting with one of these is a formula to spreadsheet software (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def audit_entries_for(user: User) -> QuerySet[AuditEntry]:
    """The entries `user` may read: auditors the general trail, officers the My Number trail."""
    auditor, officer = has_role(user, Role.AUDITOR), has_role(user, Role.MY_NUMBER_OFFICER)
    if auditor and officer:
        return AuditEntry.objects.all()
    if officer:
        return AuditEntry.objects.filter(restricted=True)
    if auditor:
        return AuditEntry.objects.filter(restricted=False)
    raise Http404


def reads_whole_trail(user: User) -> bool:
    """Whether `user` reads every entry. Anyone who reads only part of the trail is shown no
    entry numbers and no chain totals: the gaps between numbers would count the other part
    (for an auditor, the activity on My Number cases, which no count may reveal)."""
    return has_role(user, Role.AUDITOR) and has_role(user, Role.MY_NUMBER_OFFICER)


def _reading_is_restricted(user: User) -> bool:
    """An officer's reading of the trail is itself about My Number cases (its pages, filters and
    counts describe that trail), so its entry is restricted: auditors do not see it."""
    return has_role(user, Role.MY_NUMBER_OFFICER)


# What a partial reader's CSV leaves out: entry numbers and row hashes (with them the gaps, and
# so the hidden entries, could be counted).
_WHOLE_TRAIL_COLUMNS = frozenset({"id", "row_hash"})


def _filtered(request: HttpRequest) -> AuditLogFilter:
    return AuditLogFilter(request.GET, queryset=audit_entries_for(request.user))


@require_safe
@staff_required
def staff_audit_log(request: HttpRequest) -> HttpResponse:
    entries = _filtered(request)
    # Recorded before the page is read, so the count and the rows describe the same trail.
    audit.record(
        action="audit.view",
        actor=request.user,
        data={"page": request.GET.get("page", "1")[:10]},
        restricted=_reading_is_restricted(request.user),
    )
    page = Paginator(entries.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": entries,
        "page": page,
        "verification": cache.get(VERIFY_CACHE_KEY),
        "officer_view": not has_role(request.user, Role.AUDITOR),
        "whole_trail": reads_whole_trail(request.user),
        "current_query": request.GET.urlencode(),
    }
    return render(request, "requests_portal/staff/audit_log.html", context)


@require_POST
@staff_required
def staff_audit_verify(request: HttpRequest) -> HttpResponse:
    audit_entries_for(request.user)  # the same 404 for anyone who may not read the trail
    result = audit.verify_chain(anchors=audit.read_anchors())
    summary = {
        "ok": result.ok,
        "checked": result.checked,
        "head_id": result.head_id,
        "broken_id": result.broken_id,
        "reason": result.reason,
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "by": str(request.user),
    }
    cache.set(VERIFY_CACHE_KEY, summary, VERIFY_CACHE_SECONDS)
    audit.record(
        action="audit.verify",
        actor=request.user,
        outcome="ok" if result.ok else "failed",
        # No totals or entry numbers: the entry is read by people who see only part of the trail.
        data={"result": "ok" if result.ok else "broken", "reason": result.reason},
    )
    return redirect("requests_portal:staff_audit_log")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = timezone.localtime(value).isoformat(timespec="seconds")
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(entry: AuditEntry, name: str, *, whole_trail: bool) -> object:
    # Chain checks recorded before partial readers were considered stored the chain's totals.
    if name == "data" and entry.action == "audit.verify" and not whole_trail:
        return None
    return getattr(entry, name)


def _csv_rows(entries: QuerySet[AuditEntry], *, whole_trail: bool) -> Iterator[str]:
    columns = CSV_COLUMNS if whole_trail else tuple(c for c in CSV_COLUMNS if c[0] not in _WHOLE_TRAIL_COLUMNS)
    writer = csv.writer(_Echo())
    yield "\ufeff"  # UTF-8 BOM, so spreadsheet software opens Japanese text correctly
    yield writer.writerow([label for _field, label in columns])
    for entry in entries.iterator(chunk_size=2000):
        yield writer.writerow([_csv_cell(_csv_value(entry, name, whole_trail=whole_trail)) for name, _label in columns])


@require_safe
@staff_required
def staff_audit_export(request: HttpRequest) -> HttpResponse:
    entries = _filtered(request)
    if not entries.is_valid():
        raise Http404
    filters = {key: value for key, value in request.GET.items() if key in entries.filters and value}
    restricted = _reading_is_restricted(request.user)
    audit.record(action="audit.export", actor=request.user, data={"filters": filters}, restricted=restricted)
    rows = _csv_rows(entries.qs.order_by("id"), whole_trail=reads_whole_trail(request.user))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    filename = f"audit-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["_", "audit_entries_for", "staff_audit_export", "staff_audit_log", "staff_audit_verify"]

"""The auditors' read-only view of the audit trail: filter, chain verification, CSV export.

Auditors see the general trail; entries about My Number cases (`restricted`) are shown only
to My Number officers (who see only those). Reading, verifying and exporting the trail are
themselves audited.
"""

import json
from collections.abc import Iterator
from datetime import datetime

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from requests_portal import audit, csv_export
from requests_portal.filters import AuditLogFilter
from requests_portal.models import AuditEntry, User
from requests_portal.roles import Capability, has_capability
from requests_portal.selectors import audit_entries_visible_to, reads_whole_audit_trail
from requests_portal.views.access import signed_in_user, staff_required

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


def audit_entries_for(user: User) -> QuerySet[AuditEntry]:
    """The entries `user` may read (selectors.audit_entries_visible_to), or Http404 for anyone
    whose roles read no part of the trail."""
    if not (
        has_capability(user, Capability.READ_AUDIT_TRAIL)
        or has_capability(user, Capability.READ_RESTRICTED_AUDIT_TRAIL)
    ):
        raise Http404
    return audit_entries_visible_to(user)


def _reading_is_restricted(user: User) -> bool:
    """An officer's reading of the trail is itself about My Number cases (its pages, filters and
    counts describe that trail), so its entry is restricted: auditors do not see it."""
    return has_capability(user, Capability.READ_RESTRICTED_AUDIT_TRAIL)


# What a partial reader's CSV leaves out: entry numbers and row hashes (with them the gaps, and
# so the hidden entries, could be counted).
_WHOLE_TRAIL_COLUMNS = frozenset({"id", "row_hash"})


def _filtered(request: HttpRequest) -> AuditLogFilter:
    return AuditLogFilter(request.GET, queryset=audit_entries_for(signed_in_user(request)))


@require_safe
@staff_required
def staff_audit_log(request: HttpRequest) -> HttpResponse:
    entries = _filtered(request)
    # Recorded before the page is read, so the count and the rows describe the same trail.
    audit.record(
        action="audit.view",
        actor=request.user,
        data={"page": request.GET.get("page", "1")[:10]},
        restricted=_reading_is_restricted(signed_in_user(request)),
    )
    page = Paginator(entries.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": entries,
        "page": page,
        "verification": cache.get(VERIFY_CACHE_KEY),
        "officer_view": not has_capability(request.user, Capability.READ_AUDIT_TRAIL),
        "whole_trail": reads_whole_audit_trail(request.user),
        "current_query": request.GET.urlencode(),
    }
    return render(request, "requests_portal/staff/audit_log.html", context)


@require_POST
@staff_required
def staff_audit_verify(request: HttpRequest) -> HttpResponse:
    audit_entries_for(signed_in_user(request))  # the same 404 for anyone who may not read the trail
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


def _csv_cell(value: object) -> object:
    # The trail's own formats (seconds, JSON details); csv_export escapes formula cells.
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _csv_value(entry: AuditEntry, name: str, *, whole_trail: bool) -> object:
    # Chain checks recorded before partial readers were considered stored the chain's totals.
    if name == "data" and entry.action == "audit.verify" and not whole_trail:
        return None
    return getattr(entry, name)


def _csv_columns(*, whole_trail: bool) -> tuple[tuple[str, str], ...]:
    return CSV_COLUMNS if whole_trail else tuple(c for c in CSV_COLUMNS if c[0] not in _WHOLE_TRAIL_COLUMNS)


def _csv_rows(entries: QuerySet[AuditEntry], *, whole_trail: bool) -> Iterator[list[object]]:
    columns = _csv_columns(whole_trail=whole_trail)
    for entry in entries.iterator(chunk_size=2000):
        yield [_csv_cell(_csv_value(entry, name, whole_trail=whole_trail)) for name, _label in columns]


@require_safe
@staff_required
def staff_audit_export(request: HttpRequest) -> HttpResponseBase:
    entries = _filtered(request)
    if not entries.is_valid():
        raise Http404
    filters = {key: value for key, value in request.GET.items() if key in entries.filters and value}
    restricted = _reading_is_restricted(signed_in_user(request))
    audit.record(action="audit.export", actor=request.user, data={"filters": filters}, restricted=restricted)
    whole_trail = reads_whole_audit_trail(request.user)
    return csv_export.csv_response(
        filename=f"audit-{timezone.localdate():%Y%m%d}.csv",
        header=[label for _name, label in _csv_columns(whole_trail=whole_trail)],
        rows=_csv_rows(entries.qs.order_by("id"), whole_trail=whole_trail),
    )


__all__ = ["_", "audit_entries_for", "staff_audit_export", "staff_audit_log", "staff_audit_verify"]

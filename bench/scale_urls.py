"""The portal's URLs plus the benchmark's floors: bare Django views that list 50 cases from the
same table through an index, with no permission, count, filter or template layout. They exist
only in the benchmark's server (bench/scale_settings.py), never in the product's URLs.

- /bench-floor/: the framework's floor, the reference of the queue's "≤ 2×" goal (bench/README.md);
- /bench-floor/signed-in/: the same rows behind the portal's sign-in (session, account, second
  factor, staff role), which every staff page pays before its own work;
- /bench-floor/audited/: that, plus the one audit entry a listing of cases writes (the chained
  append of workspace.record_queue_view), which every read of cases pays.

The two later ones show how much of the queue's cost any signed-in, audited page would carry.
"""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from keiseikyo.urls import urlpatterns as portal_urlpatterns
from requests_portal import workspace
from requests_portal.models import DataSubjectRequest
from requests_portal.views.access import signed_in_user, staff_required

_TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>floor</title><table>{% for ref, status, due in rows %}"
    "<tr><td>{{ ref }}</td><td>{{ status }}</td><td>{{ due }}</td></tr>{% endfor %}</table>"
)


def _rows() -> list[tuple]:
    cases = DataSubjectRequest.objects.order_by("due_date", "id")
    return list(cases.values_list("reference", "status", "due_date")[:50])


def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_TEMPLATE.render({"rows": _rows()}))


@staff_required
def signed_in_floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_TEMPLATE.render({"rows": _rows()}))


@staff_required
def audited_floor(request: HttpRequest) -> HttpResponse:
    # Only what the entry needs (the 受付番号, and the kind and queue that make a case restricted).
    listed = DataSubjectRequest.objects.select_related("queue").order_by("due_date", "id")
    cases = list(listed.only("reference", "status", "due_date", "kind", "queue__is_restricted")[:50])
    workspace.record_queue_view(actor=signed_in_user(request), cases=cases)
    rows = [(dsr.reference, dsr.status, dsr.due_date) for dsr in cases]
    return HttpResponse(_TEMPLATE.render({"rows": rows}))


urlpatterns = [
    path("bench-floor/", floor),
    path("bench-floor/signed-in/", signed_in_floor),
    path("bench-floor/audited/", audited_floor),
    *portal_urlpatterns,
]

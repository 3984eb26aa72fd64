"""The staff workspace. Every case list and count comes from selectors.dsr_visible_to_staff."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from requests_portal.models import OPEN_STATUSES, Status
from requests_portal.selectors import dsr_status_counts, dsr_visible_to_staff, queues_for_user
from requests_portal.views.access import staff_required


@require_safe
@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    visible = dsr_visible_to_staff(request.user)
    queues = []
    for queue in queues_for_user(request.user):
        counts = dsr_status_counts(visible.filter(queue=queue, status__in=OPEN_STATUSES))
        rows = [(Status(s).label, counts.get(s, 0)) for s in Status.values if s in OPEN_STATUSES]
        queues.append({"queue": queue, "rows": rows, "open_total": sum(n for _label, n in rows)})
    return render(request, "requests_portal/staff/home.html", {"queues": queues})

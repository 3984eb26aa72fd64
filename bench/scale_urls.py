"""The portal's URLs plus the benchmark's floor: a bare Django view that lists 50 cases from the
same table through an index, with no permission, count, filter or audit. It exists only in the
benchmark's server (bench/scale_settings.py), never in the product's URLs."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from keiseikyo.urls import urlpatterns as portal_urlpatterns
from requests_portal.models import DataSubjectRequest

_TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>floor</title><table>{% for ref, status, due in rows %}"
    "<tr><td>{{ ref }}</td><td>{{ status }}</td><td>{{ due }}</td></tr>{% endfor %}</table>"
)


def floor(request: HttpRequest) -> HttpResponse:
    rows = DataSubjectRequest.objects.order_by("due_date", "id").values_list("reference", "status", "due_date")[:50]
    return HttpResponse(_TEMPLATE.render({"rows": list(rows)}))


urlpatterns = [path("bench-floor/", floor), *portal_urlpatterns]

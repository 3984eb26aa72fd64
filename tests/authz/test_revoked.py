"""The revoked officer (docs/reliability.md#authorisation): an officer whose My Number assignment is revoked loses
every My Number object at their next request (no cache), their own exports included."""

import pytest

from django.urls import reverse

from requests_portal.models import BulkJob
from requests_portal.roles import Role, grant_role
from tests.authz.matrix import Variant, Who
from tests.authz.world import MISSING_UUID, fingerprint

pytestmark = pytest.mark.django_db


def _job_urls(public_id) -> dict[str, str]:
    return {
        name: reverse(f"requests_portal:{name}", kwargs={"public_id": public_id})
        for name in ("oversight_job", "oversight_job_download")
    }


def test_an_officer_moved_to_general_affairs_loses_their_my_number_export_at_once(world):
    officer, client = world.users[Who.OFFICER], world.clients[Who.OFFICER]
    restricted_job = world.jobs[Variant.MY_NUMBER]
    urls = _job_urls(restricted_job)
    assert all(client.get(url).status_code == 200 for url in urls.values())
    # A job that says nothing about My Number cases stays theirs (no key is not a restricted job).
    plain = BulkJob.objects.create(kind="export.queue", created_by=officer, params={})

    officer.groups.clear()
    grant_role(officer, Role.GA_STAFF)

    case = reverse("requests_portal:staff_dsr_detail", kwargs={"public_id": world.cases[Variant.MY_NUMBER].public_id})
    assert client.get(case).status_code == 404
    for name, url in urls.items():
        response = client.get(url)
        missing_url = _job_urls(MISSING_UUID)[name]
        missing = client.get(missing_url)
        assert response.status_code == 404, name
        assert fingerprint(response, url) == fingerprint(missing, missing_url), name
    listed = client.get(reverse("requests_portal:oversight_jobs")).content.decode()
    assert str(restricted_job) not in listed
    assert str(plain.public_id) in listed

"""List, search, count and export surfaces return exactly what each principal may see
(docs/reliability.md#authorisation: the returned id set equals the expected set, and counts are a disclosure too).

The expected sets are the matrix's specification (tests/authz/matrix.py: STAFF_REACH, JOB_OWNER),
never what the code under test computes. Each world case is looked for by its 受付番号 in the
answer: present for the principals the specification lets see it, absent for everyone else.
"""

import csv
import io
import re

import pytest

from django.urls import reverse

from requests_portal.models import DataSubjectRequest, DisposalRecord
from requests_portal.roles import Access
from tests.authz.matrix import EXPORTERS, JOB_OWNER, OVERSIGHT, ROLE_OF, STAFF_PRINCIPALS, STAFF_REACH, Variant, Who
from tests.authz.world import World

pytestmark = pytest.mark.django_db

CASE_VARIANTS = (Variant.A, Variant.B, Variant.MY_NUMBER, Variant.CLOSED)


def _with_role(roles: frozenset[str]) -> list[Who]:
    return sorted(who for who in STAFF_PRINCIPALS if ROLE_OF[who] in roles)  # xdist: one order everywhere


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def _csv_references(text: str) -> set[str]:
    rows = list(csv.reader(io.StringIO(text)))
    return {row[0] for row in rows[1:] if row}


def _references(world: World, variants) -> set[str]:
    return {world.cases[variant].reference for variant in variants}


def _shown(world: World, text: str) -> set[str]:
    return {world.cases[v].reference for v in CASE_VARIANTS if world.cases[v].reference in text}


@pytest.mark.parametrize("who", _with_role(EXPORTERS), ids=str)
def test_the_queue_export_lists_exactly_the_visible_cases(world, who, django_capture_on_commit_callbacks):
    client = world.clients[who]
    expected = _references(world, STAFF_REACH[who][Access.VIEW])
    # The export follows the queue's filters, whose default is "unanswered only"; the closed case
    # belongs in the answer too, so ask for every status.
    every_status = "?status=all"
    streamed = client.get(reverse("requests_portal:oversight_queue_export_csv") + every_status)
    assert streamed.status_code == 200
    assert _csv_references(_body(streamed)) == expected

    # The same export as a bulk job (the runner works inline here).
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("requests_portal:oversight_queue_export_job") + every_status)
    assert started.status_code == 302
    page = client.get(started["Location"])
    assert page.status_code == 200
    download = client.get(started["Location"] + "download/")
    assert download.status_code == 200
    assert _csv_references(_body(download)) == expected

    # The count on the export page is the same set's size.
    form = client.get(reverse("requests_portal:oversight_queue_export") + every_status)
    assert form.status_code == 200
    assert form.context["count"] == len(expected)


@pytest.mark.parametrize("who", sorted(STAFF_PRINCIPALS), ids=str)
def test_the_job_list_shows_only_the_principals_own_jobs(world, who):
    response = world.clients[who].get(reverse("requests_portal:oversight_jobs"))
    assert response.status_code == 200
    listed = set(re.findall(r"/oversight/jobs/([0-9a-f-]{36})/", response.content.decode()))
    own = {str(world.jobs[variant]) for variant, owner in JOB_OWNER.items() if owner == who}
    assert listed == own


@pytest.mark.parametrize("who", sorted(STAFF_PRINCIPALS), ids=str)
def test_the_letters_to_act_on_come_from_the_cases_the_principal_may_work(world, who):
    # Every world letter is rendered and waits to be posted, so each workable case shows up.
    response = world.clients[who].get(reverse("requests_portal:staff_letter_list"))
    assert response.status_code == 200
    assert _shown(world, response.content.decode()) == _references(world, STAFF_REACH[who][Access.HANDLE])


@pytest.mark.parametrize("who", _with_role(OVERSIGHT), ids=str)
def test_the_retention_page_lists_the_held_cases_the_principal_may_see(world, who):
    DataSubjectRequest.objects.filter(pk__in=[c.pk for c in world.cases.values()]).update(
        legal_hold=True, legal_hold_reason="訴訟"
    )
    response = world.clients[who].get(reverse("requests_portal:oversight_retention"))
    assert response.status_code == 200
    assert _shown(world, response.content.decode()) == _references(world, STAFF_REACH[who][Access.VIEW])


@pytest.mark.parametrize("who", _with_role(OVERSIGHT), ids=str)
def test_disposal_records_of_my_number_cases_reach_only_the_officers(world, who):
    general = DisposalRecord.objects.create(category="case_file", object_type="case", object_ref="GA-2020-00042")
    restricted = DisposalRecord.objects.create(
        category="case_file", object_type="case", object_ref="MN-2020-00042", restricted=True
    )
    sees_general = bool(STAFF_REACH[who][Access.VIEW] - {Variant.MY_NUMBER})
    sees_restricted = Variant.MY_NUMBER in STAFF_REACH[who][Access.VIEW]
    page = _body(world.clients[who].get(reverse("requests_portal:oversight_disposals")))
    exported = _body(world.clients[who].get(reverse("requests_portal:oversight_disposals_csv")))
    for text in (page, exported):
        assert (general.object_ref in text) == sees_general
        assert (restricted.object_ref in text) == sees_restricted

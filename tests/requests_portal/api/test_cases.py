"""Case status by 受付番号 and the event feed, for the core system's help desk and ledger; My
Number cases exist for neither."""

import pytest

from requests_portal.models import RequestKind, Status
from tests.factories import advance, submit
from tests.requests_portal.api.conftest import Api, problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(settings):
    settings.DSR_API_EVENTS_SETTLE_SECONDS = 0


def test_the_status_of_a_case_by_its_reference(api, dsr):
    response = api.get(f"/api/v1/cases/{dsr.reference}")
    assert response.status_code == 200
    body = response.json()
    assert (body["reference"], body["kind"], body["status"]) == (dsr.reference, "disclosure", "submitted")
    assert body["status_label"] == "受付済み"
    assert body["due_date"] == dsr.due_date.isoformat()
    assert body["paused"] is False
    english = api.get(f"/api/v1/cases/{dsr.reference.lower()}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (english["reference"], english["status_label"]) == (dsr.reference, "Received")


def test_a_my_number_case_answers_exactly_like_a_missing_reference(api, member):
    my_number_case = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="マイナンバーの提出")
    assert my_number_case.is_restricted
    hidden = api.get(f"/api/v1/cases/{my_number_case.reference}")
    prefix, year, _serial = my_number_case.reference.split("-")
    missing = api.get(f"/api/v1/cases/{prefix}-{year}-99999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert problem(hidden)["type"].endswith("/not-found")
    assert my_number_case.reference not in hidden.content.decode()


def test_the_event_feed_walks_opened_decided_and_closed_by_cursor(api, member, ga_staff, supervisor, settled):
    first = submit(member)
    submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="マイナンバーの提出")
    second = submit(member)
    advance(first, Status.CLOSED, handler=ga_staff, approver=supervisor)

    page = api.get("/api/v1/events?after=0&limit=2").json()
    assert [(e["type"], e["reference"]) for e in page["events"]] == [
        ("opened", first.reference),
        ("opened", second.reference),
    ]
    rest = api.get(f"/api/v1/events?after={page['next_cursor']}").json()
    assert [(e["type"], e["reference"], e["status"]) for e in rest["events"]] == [
        ("decided", first.reference, "decided"),
        ("closed", first.reference, "closed"),
    ]
    assert int(rest["next_cursor"]) > int(page["next_cursor"])
    empty = api.get(f"/api/v1/events?after={rest['next_cursor']}").json()
    assert empty == {"events": [], "next_cursor": rest["next_cursor"]}


def test_the_feed_never_shows_a_my_number_case(api, member, settled):
    my_number_case = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY, summary="マイナンバーの提出")
    body = api.get("/api/v1/events").content.decode()
    assert api.get("/api/v1/events").json()["events"] == []
    assert my_number_case.reference not in body


def test_events_younger_than_the_settling_time_wait_and_the_cursor_does_not_pass_them(api, member, settings):
    settings.DSR_API_EVENTS_SETTLE_SECONDS = 60
    submit(member)
    assert api.get("/api/v1/events").json() == {"events": [], "next_cursor": "0"}
    settings.DSR_API_EVENTS_SETTLE_SECONDS = 0
    assert len(api.get("/api/v1/events").json()["events"]) == 1


def test_a_bad_cursor_or_limit_is_a_schema_error(api):
    for query in ("after=-1", "after=abc", "limit=0", "limit=5000"):
        response = api.get(f"/api/v1/events?{query}")
        assert response.status_code == 422, query
        assert problem(response)["type"].endswith("/invalid-request")


def test_reading_cases_needs_the_cases_scope(make_token, dsr):
    reader = Api(make_token(scopes=["roster:write"]))
    assert reader.get(f"/api/v1/cases/{dsr.reference}").status_code == 403
    assert reader.get("/api/v1/events").status_code == 403

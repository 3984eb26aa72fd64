"""Roster upsert and deactivation: all or nothing, every bad row reported, idempotent."""

import pytest

from requests_portal.models import AuditEntry, Member
from tests.requests_portal.api.conftest import problem, roster_row

pytestmark = pytest.mark.django_db

UPSERT = "/api/v1/roster/members"
DEACTIVATE = "/api/v1/roster/deactivations"


def test_upsert_creates_then_updates_and_is_idempotent(api):
    rows = [roster_row("100001"), roster_row("100002", full_name="佐藤 花子", full_name_kana="さとう はなこ")]
    first = api.post(UPSERT, {"members": rows})
    assert first.status_code == 200
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert Member.objects.get(member_number="100002").full_name_kana == "サトウ ハナコ"  # as the CSV import stores it

    again = api.post(UPSERT, {"members": rows})
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}

    rows[0]["address"] = "大阪府大阪市中央区大手前3-1-11"
    changed = api.post(UPSERT, {"members": rows})
    assert changed.json() == {"created": 0, "updated": 1, "unchanged": 1}
    assert Member.objects.get(member_number="100001").address == "大阪府大阪市中央区大手前3-1-11"


def test_every_bad_row_is_reported_and_nothing_is_written(api):
    rows = [
        roster_row("100001"),
        roster_row("100002", birth_date="2100-01-01", phone="12"),
        roster_row("100003"),
        roster_row("100004", email="not-an-address", full_name_kana="Yamada"),
    ]
    response = api.post(UPSERT, {"members": rows})
    assert response.status_code == 422
    body = problem(response)
    assert body["type"].endswith("/invalid-rows")
    assert sorted((e["row"], e["key"], e["field"]) for e in body["errors"]) == [
        (1, "100002", "birth_date"),
        (1, "100002", "phone"),
        (3, "100004", "email"),
        (3, "100004", "full_name_kana"),
    ]
    assert all(e["message"] for e in body["errors"])
    assert not Member.objects.exists()
    assert AuditEntry.objects.filter(action="api.refused", outcome="rejected").count() == 1


def test_a_member_number_twice_in_one_call_is_a_bad_row(api):
    response = api.post(UPSERT, {"members": [roster_row("100001"), roster_row("１００００１")]})
    assert response.status_code == 422
    [error] = problem(response)["errors"]
    assert (error["row"], error["key"], error["field"]) == (1, "100001", "member_number")
    assert not Member.objects.exists()


def test_a_body_that_does_not_match_the_schema_names_every_field(api):
    response = api.post(UPSERT, {"members": [{"member_number": "1"}, {**roster_row(), "nickname": "タロ"}]})
    assert response.status_code == 422
    body = problem(response)
    assert body["type"].endswith("/invalid-request")
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"members[0].full_name", "members[0].birth_date", "members[1].nickname"}


def test_a_body_that_is_not_json_is_a_problem_too(api):
    response = api.post(UPSERT, None, raw="{not json")
    assert response.status_code == 400
    assert problem(response)["type"].endswith("/invalid-request")


def test_too_many_rows_are_refused_before_anything_is_checked(api, settings):
    settings.DSR_API_MAX_ROWS = 2
    response = api.post(UPSERT, {"members": [roster_row(f"10000{i}") for i in range(3)]})
    assert response.status_code == 413
    assert problem(response)["type"].endswith("/too-many-rows")


def test_deactivation_is_idempotent_and_upsert_reactivates(api):
    api.post(UPSERT, {"members": [roster_row("100001"), roster_row("100002")]})
    first = api.post(DEACTIVATE, {"member_numbers": ["100001", "100002"]})
    assert first.json() == {"deactivated": 2, "unchanged": 0}
    assert not Member.objects.filter(is_active=True).exists()
    assert api.post(DEACTIVATE, {"member_numbers": ["100001"]}).json() == {"deactivated": 0, "unchanged": 1}
    api.post(UPSERT, {"members": [roster_row("100001")]})
    assert Member.objects.get(member_number="100001").is_active


def test_deactivating_an_unknown_or_repeated_number_changes_nobody(api):
    api.post(UPSERT, {"members": [roster_row("100001")]})
    response = api.post(DEACTIVATE, {"member_numbers": ["100001", "999999", "100001"]})
    assert response.status_code == 422
    errors = problem(response)["errors"]
    assert [(e["row"], e["key"]) for e in errors] == [(1, "999999"), (2, "100001")]
    assert Member.objects.get(member_number="100001").is_active


def test_messages_follow_accept_language(api):
    bad = {"members": [roster_row("100001", birth_date="")]}
    japanese = problem(api.post(UPSERT, bad))
    english = problem(api.post(UPSERT, bad, HTTP_ACCEPT_LANGUAGE="en"))
    assert japanese["title"] == "誤りのある行があります"
    assert japanese["errors"][0]["message"] == "生年月日がありません"
    assert english["title"] == "Some rows have errors"
    assert english["errors"][0]["message"] == "The date of birth is missing"
    assert api.post(UPSERT, bad, HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"


def test_a_write_that_loses_a_race_is_a_conflict_to_send_again(api, monkeypatch):
    from django.db import IntegrityError

    from requests_portal import roster

    def collide(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed: requests_portal_member.member_number")

    monkeypatch.setattr(roster, "write_roster_rows", collide)
    response = api.post(UPSERT, {"members": [roster_row()]})
    assert response.status_code == 409
    body = problem(response)
    assert body["type"].endswith("/conflict")
    assert "UNIQUE" not in body["detail"]

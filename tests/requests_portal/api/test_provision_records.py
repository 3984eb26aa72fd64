"""Third-party provision records (個人情報保護委員会規則第20条・第24条): upsert by the core system's
record number, the columns each kind of record needs, and records the law does not require."""

from datetime import date

import pytest

from requests_portal.models import Member, ProvisionRecord
from tests.factories import MemberFactory
from tests.requests_portal.api.conftest import problem

pytestmark = pytest.mark.django_db

RECORDS = "/api/v1/provision-records"


@pytest.fixture
def roster_member(db) -> Member:
    return MemberFactory(member_number="200001")


def provided(number: str = "PR-1", **fields: object) -> dict[str, object]:
    return {
        "record_number": number,
        "direction": "provided",
        "occurred_on": "2026-10-01",
        "member_number": "200001",
        "third_party_name": "株式会社共済サービス",
        "third_party_address": "東京都港区芝公園1-1-1",
        "third_party_representative": "代表取締役 鈴木 一郎",
        "data_items": "氏名、住所、共済契約番号",
        "basis": "consent",
        **fields,
    }


def received(number: str = "PR-2", **fields: object) -> dict[str, object]:
    defaults = {
        "direction": "received",
        "third_party_name": "名簿業者株式会社",
        "basis": "opt_out",
        "acquisition_method": "公開されている名簿から取得",
        "opt_out_published": True,
    }
    return provided(number, **(defaults | fields))


def test_records_are_stored_with_the_columns_the_rules_require_and_upsert_is_idempotent(api, roster_member):
    body = {"records": [provided(), received()]}
    first = api.post(RECORDS, body)
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0, "exempt": []}
    stored = ProvisionRecord.objects.get(source_ref="PR-2")
    assert (stored.member, stored.direction, stored.occurred_on) == (roster_member, "received", date(2026, 10, 1))
    assert (stored.legal_basis, stored.consent_obtained, stored.opt_out_published) == ("opt_out", False, True)
    assert stored.acquisition_method == "公開されている名簿から取得"
    assert ProvisionRecord.objects.get(source_ref="PR-1").consent_obtained is True

    assert api.post(RECORDS, body).json() == {"created": 0, "updated": 0, "unchanged": 2, "exempt": []}
    body["records"][0]["data_items"] = "氏名、住所"
    assert api.post(RECORDS, body).json() == {"created": 0, "updated": 1, "unchanged": 1, "exempt": []}
    assert ProvisionRecord.objects.get(source_ref="PR-1").data_items == "氏名、住所"
    assert ProvisionRecord.objects.count() == 2


@pytest.mark.parametrize("kind", ["local_government", "national_government", "independent_administrative_agency"])
def test_a_provision_to_an_article_16_2_body_is_flagged_not_stored(api, roster_member, kind):
    police = provided(
        "PR-3",
        third_party_name="警視庁",
        third_party_kind=kind,
        basis="other",
        statutory_basis="刑事訴訟法第197条第2項に基づく照会",
    )
    response = api.post(RECORDS, {"records": [provided(), police]})
    assert response.status_code == 200
    answer = response.json()
    assert (answer["created"], [(row["row"], row["record_number"]) for row in answer["exempt"]]) == (1, [(1, "PR-3")])
    assert "第16条第2項" in answer["exempt"][0]["reason"]
    assert not ProvisionRecord.objects.filter(source_ref="PR-3").exists()


def test_a_receipt_from_a_public_body_still_needs_its_record(api, roster_member):
    from_police = received("PR-4", third_party_name="警視庁", third_party_kind="local_government", basis="other")
    from_police |= {"statutory_basis": "法第27条第1項第1号", "opt_out_published": None}
    response = api.post(RECORDS, {"records": [from_police]})
    assert response.json()["created"] == 1
    assert ProvisionRecord.objects.filter(source_ref="PR-4").exists()


def test_every_missing_column_of_every_row_is_reported_and_nothing_is_stored(api, roster_member):
    rows = [
        provided("PR-1"),
        received("PR-2", acquisition_method="", opt_out_published=False, third_party_address=""),
        provided("PR-3", basis="other"),
        provided("PR-4", member_number="999999"),
        provided("PR-1"),
        provided("PR-5", occurred_on="2999-01-01", opt_out_published=True),
    ]
    response = api.post(RECORDS, {"records": rows})
    assert response.status_code == 422
    body = problem(response)
    assert sorted((e["row"], e["key"], e["field"]) for e in body["errors"]) == [
        (1, "PR-2", "acquisition_method"),
        (1, "PR-2", "opt_out_published"),
        (1, "PR-2", "third_party_address"),
        (2, "PR-3", "statutory_basis"),
        (3, "PR-4", "member_number"),
        (4, "PR-1", "record_number"),
        (5, "PR-5", "occurred_on"),
        (5, "PR-5", "opt_out_published"),
    ]
    assert "5行" in body["detail"]
    assert not ProvisionRecord.objects.exists()


def test_an_unknown_direction_or_basis_is_a_schema_error(api, roster_member):
    response = api.post(RECORDS, {"records": [provided(direction="lent", basis="whim")]})
    assert response.status_code == 422
    fields = {error["field"] for error in problem(response)["errors"]}
    assert fields == {"records[0].direction", "records[0].basis"}

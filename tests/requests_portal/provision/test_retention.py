"""Provision records are disposed of when their period under 個人情報保護委員会規則第21条・第25条
ends (1 year for a contract standing as the record, 3 years otherwise), through the retention
purge and its disposal records; the day before, they are kept."""

from datetime import date, datetime

import pytest
import time_machine

from requests_portal import retention
from requests_portal.models import (
    AuditEntry,
    DisposalRecord,
    ProvisionRecord,
    RequestKind,
    Status,
    provision_record_keep_until,
)
from tests.requests_portal.oversight.conftest import JST, make_case

pytestmark = pytest.mark.django_db
JOB = "test purge"


def record(member, number: str, occurred_on: date, form: str = "each") -> ProvisionRecord:
    return ProvisionRecord.objects.create(
        member=member,
        source_ref=number,
        direction="provided",
        occurred_on=occurred_on,
        third_party_name="株式会社共済サービス",
        data_items="氏名",
        consent_obtained=True,
        legal_basis="consent",
        record_form=form,
    )


def purge_on(day: date) -> retention.PurgeResult:
    with time_machine.travel(datetime(day.year, day.month, day.day, 3, 0, tzinfo=JST), tick=False):
        return retention.retention_purge(job_label=JOB)


def remaining() -> list[str]:
    return sorted(ProvisionRecord.objects.values_list("source_ref", flat=True))


@pytest.mark.parametrize(
    ("form", "occurred_on", "last_kept", "disposed_on"),
    [
        ("each", date(2023, 4, 1), date(2026, 3, 31), date(2026, 4, 1)),
        ("bulk", date(2023, 4, 1), date(2026, 3, 31), date(2026, 4, 1)),
        ("contract", date(2025, 4, 1), date(2026, 3, 31), date(2026, 4, 1)),
        # From 29 February the period ends with 28 February.
        ("contract", date(2024, 2, 29), date(2025, 2, 28), date(2025, 3, 1)),
    ],
)
def test_kept_through_the_last_day_of_the_period_and_disposed_of_the_day_after(
    roster_member, form, occurred_on, last_kept, disposed_on
):
    record(roster_member, "PR-1", occurred_on, form)
    assert provision_record_keep_until(form, occurred_on) == disposed_on

    assert purge_on(last_kept).counts[retention.DisposalCategory.PROVISION_RECORD] == 0
    assert remaining() == ["PR-1"]

    result = purge_on(disposed_on)
    assert result.counts[retention.DisposalCategory.PROVISION_RECORD] == 1
    assert remaining() == []
    disposal = DisposalRecord.objects.get(category=retention.DisposalCategory.PROVISION_RECORD)
    assert (disposal.object_type, disposal.object_ref, disposal.job) == ("provision_record", "PR-1", JOB)
    assert AuditEntry.objects.filter(action="retention.purge", object_ref="provision_record:PR-1").count() == 1
    # A second run finds nothing left to do.
    assert purge_on(disposed_on).counts[retention.DisposalCategory.PROVISION_RECORD] == 0


def test_a_contract_record_and_a_record_made_each_time_on_the_same_day_differ(roster_member):
    record(roster_member, "PR-CONTRACT", date(2025, 4, 1), "contract")
    record(roster_member, "PR-EACH", date(2025, 4, 1), "each")
    purge_on(date(2026, 4, 1))
    assert remaining() == ["PR-EACH"]


def test_an_open_records_request_keeps_the_members_records_until_it_closes(roster_member):
    record(roster_member, "PR-1", date(2023, 4, 1))
    case = make_case(
        member=roster_member,
        kind=RequestKind.PROVISION_RECORDS,
        status=Status.IN_REVIEW,
        received_at=datetime(2026, 5, 1, 10, 0, tzinfo=JST),
        due_date=date(2026, 5, 15),
    )
    purge_on(date(2026, 6, 1))
    assert remaining() == ["PR-1"]
    case.status, case.legal_hold = Status.CLOSED, True
    case.closed_at = datetime(2026, 5, 20, 10, 0, tzinfo=JST)
    case.save(update_fields=["status", "legal_hold", "closed_at"])
    purge_on(date(2026, 6, 1))
    assert remaining() == ["PR-1"]
    case.legal_hold = False
    case.save(update_fields=["legal_hold"])
    purge_on(date(2026, 6, 1))
    assert remaining() == []


def test_the_preview_lists_records_due_and_deletes_nothing(roster_member):
    record(roster_member, "PR-OLD", date(2023, 4, 1))
    record(roster_member, "PR-NEW", date(2025, 4, 1))
    with time_machine.travel(datetime(2026, 4, 1, 3, 0, tzinfo=JST), tick=False):
        plan = retention.purge_preview()
    category = next(c for c in plan.categories if c.category == retention.DisposalCategory.PROVISION_RECORD)
    assert (category.count, [item.reference for item in category.items]) == (1, ["PR-OLD"])
    assert remaining() == ["PR-NEW", "PR-OLD"]


def test_a_restore_disposes_of_a_journalled_record_again(
    roster_member, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.DSR_DISPOSAL_JOURNAL_FILE = str(tmp_path / "journal.jsonl")
    record(roster_member, "PR-1", date(2023, 4, 1))
    with django_capture_on_commit_callbacks(execute=True):
        purge_on(date(2026, 4, 1))
    entries = retention.read_disposal_journal()
    assert [(e["object_type"], e["target"]) for e in entries] == [("provision_record", "PR-1")]
    # The backup brings the record back; the re-purge removes it again.
    record(roster_member, "PR-1", date(2023, 4, 1))
    with time_machine.travel(datetime(2026, 4, 1, 3, 0, tzinfo=JST), tick=False):
        retention.repurge_after_restore(entries=entries)
    assert remaining() == []

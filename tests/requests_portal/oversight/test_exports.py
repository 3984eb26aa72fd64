"""CSV exports: Excel-ready encoding, formula injection, the queue filters, auditing, and flat
memory on a 100,000-row export."""

import csv
import io
import tracemalloc
from datetime import date, timedelta

import pytest

from django.urls import reverse
from django.utils import timezone

from requests_portal import csv_export, exports
from requests_portal.models import (
    AuditEntry,
    DataSubjectRequest,
    RequesterType,
    RequestKind,
    Status,
)
from tests.requests_portal.oversight.conftest import build_case, jst

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+81-3-0000-0000", "'+81-3-0000-0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("共済の記録の開示", "共済の記録の開示"),
        ("a=b", "a=b"),
        ("", ""),
        (-3, -3),
        (12.5, 12.5),
        (None, ""),
        (date(2026, 1, 19), "2026-01-19"),
    ],
)
def test_neutralise(value, expected):
    assert csv_export.neutralise(value) == expected


def test_queue_csv_opens_with_japanese_intact_and_formulas_escaped(client, supervisor, case_maker):
    summaries = ["=1+1", "+SUM(1)", "-1", "@A1", "\tTAB", "\rCR", "共済契約に関する記録の開示（髙橋）"]
    for index, summary in enumerate(summaries):
        case_maker(received_at=jst(2026, 1, 5 + index), due_date=date(2026, 1, 19 + index), summary=summary)
    client.force_login(supervisor)
    response = client.get(reverse("requests_portal:oversight_queue_export_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="queue_export_')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    body = _body(response)
    assert body.startswith(BOM)
    assert b"\r\n" in body
    rows = _rows(body)
    assert rows[0][:3] == ["受付番号", "種類", "状態"]
    by_summary = {row[3]: row for row in rows[1:]}
    escaped = {"'=1+1", "'+SUM(1)", "'-1", "'@A1", "'\tTAB", "'\rCR"}
    assert set(by_summary) == {*escaped, "共済契約に関する記録の開示（髙橋）"}
    row = by_summary["共済契約に関する記録の開示（髙橋）"]
    assert row[1] == "保有個人データの開示"
    assert row[2] == "審査中"
    assert row[6] == "2026-01-11"  # arrival (local date)
    assert row[8] == "2026-01-25"  # Art. 39: arrival + 14 days
    assert row[10] == "0"  # a number stays a number


def test_queue_csv_holds_no_member_personal_details(client, supervisor, case_maker, roster_member):
    case_maker(received_at=jst(2026, 1, 5), due_date=date(2026, 1, 19))
    client.force_login(supervisor)
    body = _body(client.get(reverse("requests_portal:oversight_queue_export_csv"))).decode("utf-8-sig")
    assert roster_member.full_name not in body
    assert roster_member.address not in body
    assert roster_member.member_number not in body


def test_every_export_is_audited_with_its_filters(client, supervisor, case_maker):
    case_maker(received_at=jst(2026, 1, 5), due_date=date(2026, 1, 19))
    client.force_login(supervisor)
    client.get(reverse("requests_portal:oversight_queue_export_csv"), {"status": ["in_review"], "q": "GA"})
    client.get(reverse("requests_portal:oversight_dashboard_csv", args=["kinds"]), {"date_from": "2026-01-01"})
    client.get(reverse("requests_portal:oversight_annual_csv"), {"fy": "2025"})
    client.get(reverse("requests_portal:oversight_disposals_csv"))
    entries = {entry.action: entry for entry in AuditEntry.objects.filter(action__startswith="export.")}
    assert set(entries) == {"export.queue", "export.dashboard", "export.annual", "export.disposals"}
    assert "status=in_review" in entries["export.queue"].data["query"]
    assert "q=GA" in entries["export.queue"].data["query"]
    assert entries["export.queue"].data["mode"] == "stream"
    assert entries["export.queue"].restricted is False
    assert entries["export.dashboard"].data["table"] == "kinds"
    assert entries["export.dashboard"].data["date_from"] == "2026-01-01"
    assert entries["export.annual"].data["fiscal_year"] == 2025
    assert all(entry.actor_id == supervisor.pk for entry in entries.values())


def test_officer_export_is_a_restricted_audit_entry(client, officer, case_maker):
    case_maker(kind=RequestKind.MY_NUMBER_INQUIRY, received_at=jst(2026, 1, 5), due_date=date(2026, 1, 19))
    client.force_login(officer)
    rows = _rows(_body(client.get(reverse("requests_portal:oversight_queue_export_csv"))))
    assert len(rows) == 2
    assert AuditEntry.objects.get(action="export.queue").restricted is True


def test_dashboard_and_annual_csv_carry_the_tables(client, supervisor, case_maker, ga_staff):
    case_maker(
        received_at=jst(2026, 1, 5), due_date=date(2026, 1, 19), status=Status.CLOSED, decision="disclosed_full",
        approved_at=jst(2026, 1, 9), closed_at=jst(2026, 1, 10), approved_by=supervisor, drafted_by=ga_staff,
    )  # fmt: skip
    client.force_login(supervisor)
    rows = _rows(
        _body(
            client.get(
                reverse("requests_portal:oversight_dashboard_csv", args=["timeliness"]),
                {"date_from": "2026-01-01", "date_to": "2026-01-31"},
            )
        )
    )
    assert rows[0][0] == "種類"
    assert rows[-1][:4] == ["計", "1", "1", "100.0"]
    response = client.get(reverse("requests_portal:oversight_annual_csv"), {"fy": "2025"})
    assert "annual_statistics_2025.csv" in response["Content-Disposition"]
    rows = _rows(_body(response))
    assert rows[0][:3] == ["種類", "受付件数", "決定件数"]
    assert rows[-1][:3] == ["計", "1", "1"]


def test_export_uses_the_queue_filters(supervisor, ga_staff, case_maker, roster_member, time_machine):
    """The export writes exactly what the staff queue shows for the same query string."""
    time_machine.move_to(jst(2026, 3, 2, 10, 0), tick=False)
    today = timezone.localdate()
    overdue = case_maker(received_at=jst(2026, 1, 5), due_date=today - timedelta(days=1), assignee=ga_staff)
    due_today = case_maker(received_at=jst(2026, 2, 24), due_date=today, assignee=supervisor)
    paused = case_maker(
        received_at=jst(2026, 1, 7), due_date=today - timedelta(days=3), status=Status.AWAITING_AMENDMENT,
        paused_at=jst(2026, 2, 20),
    )  # fmt: skip
    agent = case_maker(
        kind=RequestKind.CORRECTION, received_at=jst(2026, 2, 26), due_date=today + timedelta(days=5),
        requester_type=RequesterType.APPOINTED_AGENT, agent_name="代理 花子", summary="住所の訂正",
    )  # fmt: skip
    closed = case_maker(
        received_at=jst(2026, 1, 9), due_date=today - timedelta(days=30), status=Status.CLOSED,
        closed_at=jst(2026, 1, 20),
    )  # fmt: skip

    def pks(query: str = "") -> set[int]:
        return set(exports.queue_cases(supervisor, query).values_list("pk", flat=True))

    assert pks() == {overdue.pk, due_today.pk, paused.pk, agent.pk}  # unanswered, as the queue opens
    assert pks("status=all") == {overdue.pk, due_today.pk, paused.pk, agent.pk, closed.pk}
    assert pks("due=overdue") == {overdue.pk}  # a paused case is not overdue
    assert pks("due=soon") == {due_today.pk}
    assert pks("status=closed") == {closed.pk}
    assert pks(f"kind={RequestKind.CORRECTION}") == {agent.pk}
    assert pks("requester=agent") == {agent.pk}
    assert pks("assignee=mine") == {due_today.pk}
    assert pks("assignee=unassigned") == {paused.pk, agent.pk}
    assert pks(f"assignee={ga_staff.pk}") == {overdue.pk}
    assert pks(f"q={overdue.reference.lower()}") == {overdue.pk}
    # Half-width katakana and variant kanji find the member (NFKC and the search keys).
    roster_member.full_name, roster_member.full_name_kana = "髙橋 一郎", "タカハシ イチロウ"
    roster_member.refresh_search_keys()
    roster_member.save()
    assert pks("q=高橋") == pks()
    assert pks("q=ﾀｶﾊｼ") == pks()


def test_art39_due_window(supervisor, case_maker, time_machine):
    time_machine.move_to(jst(2026, 2, 16, 10, 0), tick=False)
    passed = case_maker(received_at=jst(2026, 2, 1, 23, 59), due_date=date(2026, 2, 20))
    last_day = case_maker(received_at=jst(2026, 2, 2, 0, 1), due_date=date(2026, 2, 20))
    complaint = case_maker(kind=RequestKind.COMPLAINT, received_at=jst(2026, 1, 1), due_date=date(2026, 2, 20))
    found = set(exports.queue_cases(supervisor, "due=art39").values_list("pk", flat=True))
    # Arrived 02-02: the two weeks end at the close of 02-16 (today). A complaint has no Art. 39 mark.
    assert passed.pk in found
    assert last_day.pk not in found
    assert complaint.pk not in found


def test_export_form_rejects_a_my_number_search(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("requests_portal:oversight_queue_export"), {"q": "1234 5678 9018"})
    # Sent back to the queue without the number, which says why (and never repeats it).
    assert response.status_code == 302
    assert "9018" not in response["Location"]
    for view in ("oversight_queue_export_csv",):
        assert "9018" not in client.get(reverse(f"requests_portal:{view}"), {"q": "123456789018"})["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "マイナンバーでは検索できません" in page
    assert "1234 5678 9018" not in page
    assert "123456789018" not in page
    assert AuditEntry.objects.filter(action="export.queue").count() == 0


def test_export_page_counts_the_matching_cases(client, supervisor, case_maker):
    case_maker(received_at=jst(2026, 1, 5), due_date=date(2026, 1, 19))
    case_maker(received_at=jst(2026, 1, 6), due_date=date(2026, 1, 20), status=Status.CLOSED)
    client.force_login(supervisor)
    response = client.get(reverse("requests_portal:oversight_queue_export"), {"status": "closed"})
    assert response.context["count"] == 1
    assert "status=closed" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Memory: a 100,000-row export streams
# ---------------------------------------------------------------------------------------------
def _bulk_cases(member, *, count: int, kind: str, start: int) -> None:
    from requests_portal.models import Queue

    queue = Queue.objects.get(code=Queue.GA)
    base = jst(2025, 4, 1)
    batch = []
    for offset in range(count):
        number = start + offset
        received = base + timedelta(minutes=7 * number)
        batch.append(
            build_case(
                member=member, kind=kind, queue=queue, reference=f"GA-B-{number:07d}", received_at=received,
                due_date=timezone.localdate(received) + timedelta(days=14), summary=f"大量出力の試験 {number}",
            )
        )  # fmt: skip
        if len(batch) == 5000:
            DataSubjectRequest.objects.bulk_create(batch)
            batch = []
    if batch:
        DataSubjectRequest.objects.bulk_create(batch)


def _peak_export_memory(client, params: dict) -> tuple[int, int]:
    """(peak bytes traced while streaming the export, rows received)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        response = client.get(reverse("requests_portal:oversight_queue_export_csv"), params)
        lines = 0
        # Iterating to the end closes the response (the test client's wrapper does it).
        for chunk in response.streaming_content:
            lines += chunk.count(b"\r\n")
        return tracemalloc.get_traced_memory()[1], lines - 1
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_a_100000_row_export_keeps_memory_flat(client, supervisor, roster_member):
    _bulk_cases(roster_member, count=10_000, kind=RequestKind.PURPOSE_NOTICE, start=0)
    _bulk_cases(roster_member, count=90_000, kind=RequestKind.DISCLOSURE, start=10_000)
    client.force_login(supervisor)
    _peak_export_memory(client, {"kind": RequestKind.PURPOSE_NOTICE})  # warm caches (labels, templates)
    small_peak, small_rows = _peak_export_memory(client, {"kind": RequestKind.PURPOSE_NOTICE})
    large_peak, large_rows = _peak_export_memory(client, {})
    assert (small_rows, large_rows) == (10_000, 100_000)
    # Ten times the rows, about the same peak: the rows are never all in memory at once.
    assert large_peak < small_peak * 1.5 + 256 * 1024, (small_peak, large_peak)
    # And the peak is far below the file size (~15 MB of CSV).
    assert large_peak < 8 * 1024 * 1024, large_peak

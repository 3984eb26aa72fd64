"""The register's services: filing, assessment and clocks, affected people, reports with
separation of duties, notices, committees, measures and the status table."""

from datetime import date, timedelta

import pytest

from django.utils import timezone

from requests_portal import jobs, storage
from requests_portal.exceptions import DomainError, TransitionNotAllowed
from requests_portal.incidents import services
from requests_portal.incidents.rules import Answers
from requests_portal.models import (
    AuditEntry,
    Committee,
    IncidentNotice,
    IncidentStatus,
    OutboundMail,
    ReportStage,
    ReportStatus,
)
from tests.factories import MemberFactory, member_user

pytestmark = pytest.mark.django_db

ALL_ITEMS = {name: f"{name} の内容" for name in services.REPORT_ITEMS}


def reportable(incident, actor, **answers):
    return services.incident_assess(
        actor=actor, incident=incident, answers=Answers(**({"sensitive_data": True, "people": 3} | answers))
    )


def test_numbers_run_in_separate_series(incident, my_number_incident, manager):
    second = services.incident_file(actor=manager, facts={"title": "二件目", "known_on": date(2026, 11, 30)})
    assert incident.reference == "IN-2026-00001"
    assert second.reference == "IN-2026-00002"  # the My Number incident left no gap here
    assert my_number_incident.reference == "MI-2026-00001"
    assert my_number_incident.is_my_number
    assert not incident.is_my_number


def test_only_the_manager_and_the_officers_file(supervisor, auditor, ga_staff):
    for person in (supervisor, auditor, ga_staff):
        with pytest.raises(DomainError):
            services.incident_file(actor=person, facts={"title": "x", "known_on": date(2026, 11, 30)})


def test_a_my_number_is_never_recorded(manager):
    with pytest.raises(DomainError):
        services.incident_file(
            actor=manager, facts={"title": "番号 123456789018 の漏えい", "known_on": date(2026, 11, 30)}
        )


def test_filing_and_every_write_is_audited_restricted_for_my_number(incident, my_number_incident):
    general = AuditEntry.objects.get(action="incident.create", object_ref=incident.reference)
    restricted = AuditEntry.objects.get(action="incident.create", object_ref=my_number_incident.reference)
    assert not general.restricted
    assert restricted.restricted


def test_a_reportable_assessment_starts_both_clocks(incident, manager):
    result = reportable(incident, manager)
    incident.refresh_from_db()
    assert result.reportable
    assert incident.is_reportable
    assert incident.preliminary_due == date(2026, 12, 3)
    assert incident.preliminary_latest == date(2026, 12, 5)
    assert incident.final_due == date(2026, 12, 29)
    assert incident.assessment["grounds"][0]["article"] == "規則第7条第1号"


def test_unlawful_purpose_gives_sixty_days_and_moving_known_on_moves_the_clocks(incident, manager):
    reportable(incident, manager, unlawful_purpose=True)
    assert incident.final_due == date(2027, 1, 28)
    services.incident_update(actor=manager, incident=incident, facts={"known_on": date(2026, 11, 20)})
    incident.refresh_from_db()
    assert incident.final_due == date(2027, 1, 18)
    assert incident.preliminary_due == date(2026, 11, 23)


def test_not_reportable_clears_the_clocks(incident, manager):
    reportable(incident, manager)
    services.incident_assess(actor=manager, incident=incident, answers=Answers(people=3))
    incident.refresh_from_db()
    assert incident.is_reportable is False
    assert incident.final_due is None


def test_my_number_incident_is_assessed_on_the_my_number_rules(my_number_incident, officer):
    result = services.incident_assess(actor=officer, incident=my_number_incident, answers=Answers(people=150))
    assert result.reportable
    assert [g.code for g in result.grounds] == ["mn_4"]


def test_others_cannot_assess(incident, supervisor, officer):
    for person in (supervisor, officer):
        with pytest.raises(DomainError):
            reportable(incident, person)


# --- affected people ------------------------------------------------------------------------------


def test_csv_links_all_or_nothing_with_a_row_report(incident, manager):
    first, second = MemberFactory(), MemberFactory()
    bad = f"組合員番号\n{first.member_number}\n999999999\n{first.member_number}\nabc\n".encode()
    result = services.incident_link_csv(actor=manager, incident=incident, content=bad)
    assert incident.affected.count() == 0
    assert [(row, problem[:6]) for row, _value, problem in result.errors] == [
        (3, "名簿にない組"),
        (4, "2行目と重複"),
        (5, "組合員番号は"),
    ]
    good = f"{first.member_number}\r\n{second.member_number}\r\n".encode("cp932")
    result = services.incident_link_csv(actor=manager, incident=incident, content=good)
    assert result.errors == []
    assert result.linked == 2
    again = services.incident_link_csv(actor=manager, incident=incident, content=good)
    assert again.linked == 0
    assert again.already == 2
    assert incident.affected.count() == 2


def test_a_csv_with_no_member_numbers_is_an_error(incident, manager):
    result = services.incident_link_csv(actor=manager, incident=incident, content="組合員番号\n".encode())
    assert result.errors
    assert incident.affected.count() == 0


# --- reports ---------------------------------------------------------------------------------------


def _second_manager():
    from requests_portal.roles import Role
    from tests.factories import staff_user

    return staff_user(Role.INCIDENT_MANAGER)


def test_reports_need_a_reportable_assessment(incident, manager):
    with pytest.raises(DomainError):
        services.report_save_draft(actor=manager, incident=incident, stage=ReportStage.PRELIMINARY, items=ALL_ITEMS)


def test_preliminary_may_leave_items_open_final_must_fill_all(incident, manager, supervisor):
    reportable(incident, manager)
    preliminary = services.report_save_draft(
        actor=manager, incident=incident, stage=ReportStage.PRELIMINARY, items={"summary": "誤送付"}
    )
    services.report_submit(actor=manager, report=preliminary)
    services.report_approve(actor=supervisor, report=preliminary)
    services.report_mark_sent(actor=manager, report=preliminary, sent_on=date(2026, 12, 2))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RECOGNISED  # not yet investigating: the status waits
    final = services.report_save_draft(
        actor=manager, incident=incident, stage=ReportStage.FINAL, items={**ALL_ITEMS, "other": ""}
    )
    with pytest.raises(DomainError, match="その他参考となる事項"):
        services.report_submit(actor=manager, report=final)
    final = services.report_save_draft(actor=manager, incident=incident, stage=ReportStage.FINAL, items=ALL_ITEMS)
    assert services.report_submit(actor=manager, report=final).status == ReportStatus.AWAITING_APPROVAL


def test_the_drafter_cannot_approve(my_number_incident, officer, officer2):
    services.incident_assess(actor=officer, incident=my_number_incident, answers=Answers(people=150))
    report = services.report_save_draft(
        actor=officer, incident=my_number_incident, stage=ReportStage.PRELIMINARY, items={"summary": "紛失"}
    )
    services.report_submit(actor=officer, report=report)
    with pytest.raises(DomainError, match="職務の分離"):
        services.report_approve(actor=officer, report=report)
    approved = services.report_approve(actor=officer2, report=report)
    assert approved.document_number == "警生協個情第1号"
    assert storage.read(approved.storage_name).startswith(b"%PDF-")


def test_the_manager_cannot_approve_and_the_supervisor_cannot_draft(incident, manager, supervisor):
    reportable(incident, manager)
    with pytest.raises(DomainError):
        services.report_save_draft(actor=supervisor, incident=incident, stage=ReportStage.PRELIMINARY, items=ALL_ITEMS)
    report = services.report_save_draft(
        actor=manager, incident=incident, stage=ReportStage.PRELIMINARY, items=ALL_ITEMS
    )
    services.report_submit(actor=manager, report=report)
    other = _second_manager()
    with pytest.raises(DomainError):
        services.report_approve(actor=other, report=report)
    returned = services.report_return(actor=supervisor, report=report, reason="原因を具体的に")
    assert returned.status == ReportStatus.DRAFT


def test_a_sent_date_cannot_be_in_the_future(incident, manager, supervisor):
    reportable(incident, manager)
    report = services.report_save_draft(
        actor=manager, incident=incident, stage=ReportStage.PRELIMINARY, items=ALL_ITEMS
    )
    services.report_submit(actor=manager, report=report)
    services.report_approve(actor=supervisor, report=report)
    with pytest.raises(DomainError):
        services.report_mark_sent(actor=manager, report=report, sent_on=timezone.localdate() + timedelta(days=1))


# --- the whole life of an incident ------------------------------------------------------------------


def test_the_whole_life_of_an_incident(incident, manager, supervisor, django_capture_on_commit_callbacks):
    with_login, without_login = member_user(), MemberFactory(email="post@example.jp")
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.CONTAINING)
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.INVESTIGATING)
    reportable(incident, manager)
    services.incident_link_members(actor=manager, incident=incident, members=[with_login.member, without_login])

    for stage in (ReportStage.PRELIMINARY, ReportStage.FINAL):
        report = services.report_save_draft(actor=manager, incident=incident, stage=stage, items=ALL_ITEMS)
        services.report_submit(actor=manager, report=report)
        services.report_approve(actor=supervisor, report=report)
        services.report_mark_sent(actor=manager, report=report, sent_on=date(2026, 12, 2))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.FINAL_REPORTED
    assert incident.preliminary_sent_on == incident.final_sent_on == date(2026, 12, 2)

    with pytest.raises(TransitionNotAllowed, match="通知していない本人"):
        services.incident_move(actor=manager, incident=incident, to=IncidentStatus.NOTIFIED)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.notices_start(actor=manager, incident=incident)
    job.refresh_from_db()
    assert job.state == "done"
    assert job.total == 2
    assert job.result["issued"] == 2
    notices = IncidentNotice.objects.filter(incident=incident)
    assert notices.count() == 2
    assert all(storage.read(n.storage_name).startswith(b"%PDF-") for n in notices)
    mails = OutboundMail.objects.filter(template="incident_notice")
    assert sorted(mails.values_list("to_email", flat=True)) == sorted([with_login.email, "post@example.jp"])
    # Re-running issues nothing twice.
    jobs.job_run(job_id=services.notices_start(actor=manager, incident=incident).pk)
    assert IncidentNotice.objects.filter(incident=incident).count() == 2
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.NOTIFIED)

    with pytest.raises(TransitionNotAllowed, match="再発防止策"):
        services.incident_move(actor=manager, incident=incident, to=IncidentStatus.MEASURES_DONE)
    measure = services.measure_add(
        actor=manager, incident=incident, description="封入時のダブルチェック", owner=manager, due_on=date(2026, 12, 20)
    )
    with pytest.raises(TransitionNotAllowed, match="完了していない"):
        services.incident_move(actor=manager, incident=incident, to=IncidentStatus.MEASURES_DONE)
    services.measure_complete(actor=manager, measure=measure, note="手順書を改訂")
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.MEASURES_DONE)

    services.review_record(
        actor=manager,
        incident=incident,
        committee=Committee.COMPLIANCE,
        held_on=date(2026, 12, 10),
        conclusion="対応は妥当",
        attachment=("議事録.pdf", b"%PDF-1.7 minutes"),
    )
    with pytest.raises(TransitionNotAllowed, match="両方"):
        services.incident_move(actor=supervisor, incident=incident, to=IncidentStatus.CLOSED)
    services.review_record(
        actor=manager, incident=incident, committee=Committee.RISK, held_on=date(2026, 12, 11), conclusion="了承"
    )
    with pytest.raises(TransitionNotAllowed):  # closing is the personal-information manager's decision
        services.incident_move(actor=manager, incident=incident, to=IncidentStatus.CLOSED)
    services.incident_move(actor=supervisor, incident=incident, to=IncidentStatus.CLOSED)
    incident.refresh_from_db()
    assert incident.is_closed
    assert incident.closed_at is not None
    assert list(incident.events.exclude(to_status="").values_list("to_status", flat=True)) == [
        "containing",
        "investigating",
        "preliminary_reported",
        "final_reported",
        "notified",
        "measures_done",
        "closed",
    ]


def test_an_alternative_notice_lets_the_incident_move_on(incident, manager, supervisor):
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.CONTAINING)
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.INVESTIGATING)
    reportable(incident, manager)
    for stage in (ReportStage.PRELIMINARY, ReportStage.FINAL):
        report = services.report_save_draft(actor=manager, incident=incident, stage=stage, items=ALL_ITEMS)
        services.report_submit(actor=manager, report=report)
        services.report_approve(actor=supervisor, report=report)
        services.report_mark_sent(actor=manager, report=report, sent_on=date(2026, 12, 2))
    with pytest.raises(DomainError):
        services.notice_alternative(actor=manager, incident=incident, measure="公表", reason=" ", on=date(2026, 12, 3))
    services.notice_alternative(
        actor=manager,
        incident=incident,
        measure="ホームページで公表し窓口を設置",
        reason="連絡先不明",
        on=date(2026, 12, 3),
    )
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.NOTIFIED)
    assert incident.status == IncidentStatus.NOTIFIED


def test_a_not_reportable_incident_skips_the_reports(incident, manager):
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.CONTAINING)
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.INVESTIGATING)
    measure = services.measure_add(
        actor=manager, incident=incident, description="施錠", owner=manager, due_on=date(2026, 12, 20)
    )
    services.measure_complete(actor=manager, measure=measure, note="済")
    with pytest.raises(TransitionNotAllowed, match="報告対象でない"):
        services.incident_move(actor=manager, incident=incident, to=IncidentStatus.MEASURES_DONE)
    services.incident_assess(actor=manager, incident=incident, answers=Answers(people=2))
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.MEASURES_DONE)
    with pytest.raises(DomainError):
        services.notices_start(actor=manager, incident=incident)


def test_the_status_can_only_follow_the_table(incident, manager):
    with pytest.raises(TransitionNotAllowed):
        services.incident_move(actor=manager, incident=incident, to=IncidentStatus.CLOSED)
    with pytest.raises(TransitionNotAllowed):  # reached only by recording a report as sent
        services.incident_move(actor=manager, incident=incident, to=IncidentStatus.PRELIMINARY_REPORTED)


def test_a_review_attachment_must_be_a_pdf(incident, manager):
    with pytest.raises(DomainError):
        services.review_record(
            actor=manager,
            incident=incident,
            committee=Committee.RISK,
            held_on=date(2026, 12, 1),
            conclusion="了承",
            attachment=("minutes.exe", b"MZ\x90"),
        )


def test_a_report_sent_early_moves_the_status_when_investigation_starts(incident, manager, supervisor):
    reportable(incident, manager)
    report = services.report_save_draft(
        actor=manager, incident=incident, stage=ReportStage.PRELIMINARY, items=ALL_ITEMS
    )
    services.report_submit(actor=manager, report=report)
    services.report_approve(actor=supervisor, report=report)
    services.report_mark_sent(actor=manager, report=report, sent_on=date(2026, 12, 1))
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.CONTAINING)
    assert incident.status == IncidentStatus.CONTAINING
    services.incident_move(actor=manager, incident=incident, to=IncidentStatus.INVESTIGATING)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.PRELIMINARY_REPORTED

"""Report deadline reminders: the owner and the approvers before each deadline, one escalation
when it is missed, each exactly once; My Number incidents only ever reach the officers."""

from datetime import date

import pytest

from requests_portal.incidents import services
from requests_portal.incidents.reminders import IncidentReminderKind, incident_reminder_sweep, reminders_due
from requests_portal.incidents.rules import Answers
from requests_portal.models import IncidentReminder, OutboundMail, ReportStage

pytestmark = pytest.mark.django_db


def _reportable(incident, actor):
    services.incident_assess(actor=actor, incident=incident, answers=Answers(sensitive_data=True, people=2))
    incident.refresh_from_db()


def test_reminders_due_is_a_pure_function_of_the_dates(incident, manager):
    _reportable(incident, manager)  # known 2026-11-30: 速報 12-03 (latest 12-05), 確報 12-29
    kinds = lambda today: [(d.kind, d.due_date) for d in reminders_due(incident, today)]  # noqa: E731
    assert kinds(date(2026, 12, 1)) == []
    assert kinds(date(2026, 12, 2)) == [(IncidentReminderKind.PRELIMINARY_SOON, date(2026, 12, 3))]
    assert kinds(date(2026, 12, 6)) == [(IncidentReminderKind.PRELIMINARY_MISSED, date(2026, 12, 5))]
    assert kinds(date(2026, 12, 22)) == [
        (IncidentReminderKind.PRELIMINARY_MISSED, date(2026, 12, 5)),
        (IncidentReminderKind.FINAL_SOON, date(2026, 12, 29)),
    ]
    incident.preliminary_sent_on = date(2026, 12, 3)
    assert kinds(date(2026, 12, 30)) == [(IncidentReminderKind.FINAL_MISSED, date(2026, 12, 29))]


def test_not_reportable_incidents_have_no_reminders(incident):
    assert reminders_due(incident, date(2027, 6, 1)) == []


def test_the_sweep_reminds_the_owner_and_the_approvers_exactly_once(incident, manager, supervisor, officer):
    _reportable(incident, manager)
    assert incident_reminder_sweep(today=date(2026, 12, 2)) == 2
    assert incident_reminder_sweep(today=date(2026, 12, 2)) == 0  # exactly once
    assert incident_reminder_sweep(today=date(2026, 12, 3)) == 0  # the same deadline, the next day
    assert set(IncidentReminder.objects.values_list("recipient_id", flat=True)) == {manager.pk, supervisor.pk}
    assert incident_reminder_sweep(today=date(2026, 12, 6)) == 2  # the escalation
    assert incident_reminder_sweep(today=date(2026, 12, 9)) == 0  # escalated once only
    mails = OutboundMail.objects.filter(template="incident_reminder")
    assert mails.count() == 4
    assert officer.email not in set(mails.values_list("to_email", flat=True))
    assert "IN-2026-00001" not in "".join(mails.values_list("subject", flat=True))
    assert all(incident.reference in body for body in mails.values_list("body", flat=True))


def test_a_sent_report_stops_its_reminders(incident, manager, supervisor):
    _reportable(incident, manager)
    report = services.report_save_draft(
        actor=manager, incident=incident, stage=ReportStage.PRELIMINARY, items={"summary": "概要"}
    )
    services.report_submit(actor=manager, report=report)
    services.report_approve(actor=supervisor, report=report)
    services.report_mark_sent(actor=manager, report=report, sent_on=date(2026, 12, 1))
    assert incident_reminder_sweep(today=date(2026, 12, 6)) == 0


def test_my_number_reminders_reach_only_officers(my_number_incident, officer, officer2, supervisor, manager):
    services.incident_assess(actor=officer, incident=my_number_incident, answers=Answers(people=200))
    assert incident_reminder_sweep(today=date(2026, 12, 2)) == 2  # the filing officer (owner) and the other
    recipients = set(IncidentReminder.objects.values_list("recipient_id", flat=True))
    assert recipients == {officer.pk, officer2.pk}
    assert set(OutboundMail.objects.filter(template="incident_reminder").values_list("restricted", flat=True)) == {True}

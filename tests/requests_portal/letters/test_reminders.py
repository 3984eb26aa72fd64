"""Deadline reminders: who gets what and when, exactly once, one digest per recipient per sweep,
My Number cases only to officers, and a query count that does not grow with the cases."""

import re
import threading
from collections import defaultdict
from datetime import date, timedelta

import pytest
import time_machine

from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from requests_portal import reminders
from requests_portal.deadlines import current_calendar
from requests_portal.models import (
    ART39_KINDS,
    DataSubjectRequest,
    EventType,
    Message,
    MessageDirection,
    OutboundMail,
    Queue,
    Reminder,
    RequestEvent,
    Status,
)
from requests_portal.permissions import can_approve_dsr, can_handle_dsr
from requests_portal.reminders import ReminderKind, reminder_sweep
from tests.factories import advance, submit
from tests.requests_portal.letters.reminder_data import RUNNING_STATUSES, at, make_cases, make_staff

BASE = date(2026, 6, 1)  # a Monday; 令和8年6月 has no holidays


def _move(dsr: DataSubjectRequest, **fields) -> None:
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(**fields)
    dsr.refresh_from_db()


def _sweep_on(day: date, hour: int = 9) -> reminders.SweepResult:
    with time_machine.travel(at(day, hour), tick=False):
        return reminder_sweep()


def _keys(**filters) -> set[tuple]:
    return set(Reminder.objects.filter(**filters).values_list("dsr_id", "kind", "due_date", "recipient_id"))


# --- the rules, one case at a time --------------------------------------------------------------


@pytest.mark.django_db
def test_assignee_is_reminded_three_and_one_business_days_before_and_on_the_day(member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    due = date(2026, 6, 15)  # Monday: T−1 is Friday 12th, T−3 is Wednesday 10th
    _move(dsr, due_date=due, received_at=at(date(2026, 6, 8)), complete_at=at(date(2026, 6, 8)))
    sent = {}
    for day in (date(2026, 6, d) for d in range(8, 16)):
        _sweep_on(day)
        sent[day] = _keys(recipient=ga_staff)
    assert sent[date(2026, 6, 9)] == set()
    assert sent[date(2026, 6, 10)] == {(dsr.pk, ReminderKind.DUE_IN_3, due, ga_staff.pk)}
    assert sent[date(2026, 6, 11)] == sent[date(2026, 6, 10)]
    assert (dsr.pk, ReminderKind.DUE_IN_1, due, ga_staff.pk) in sent[date(2026, 6, 12)]
    assert sent[date(2026, 6, 14)] == sent[date(2026, 6, 12)]  # nothing at the weekend
    assert (dsr.pk, ReminderKind.DUE_TODAY, due, ga_staff.pk) in sent[date(2026, 6, 15)]
    assert len(sent[date(2026, 6, 15)]) == 3
    digest = OutboundMail.objects.filter(to_user=ga_staff, template="reminder_staff")
    assert digest.count() == 3
    assert all(dsr.reference in m.body and member.member.full_name not in m.body for m in digest)
    assert RequestEvent.objects.filter(dsr=dsr, event_type=EventType.REMINDER, member_visible=False).count() == 3


@pytest.mark.django_db
def test_a_sweep_that_was_down_sends_only_the_latest_step(member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    _move(dsr, due_date=date(2026, 6, 15))
    _sweep_on(date(2026, 6, 12))  # first sweep in days: T−1 already reached
    assert {k[1] for k in _keys(recipient=ga_staff)} == {ReminderKind.DUE_IN_1}


@pytest.mark.django_db
def test_no_deadline_mail_at_night(member, ga_staff, supervisor, settings):
    settings.DSR_REMINDER_FROM_HOUR = 7
    dsr = submit(member)
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    _move(dsr, due_date=date(2026, 6, 15))
    assert _sweep_on(date(2026, 6, 15), hour=3).reminders == 0
    assert _sweep_on(date(2026, 6, 15), hour=7).reminders == 1


@pytest.mark.django_db
def test_paused_and_answered_cases_get_no_deadline_reminders(member, ga_staff, supervisor):
    paused = submit(member)
    advance(paused, Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    answered = submit(member)
    advance(answered, Status.NOTIFIED, handler=ga_staff, approver=supervisor)
    for dsr in (paused, answered):
        _move(dsr, due_date=date(2026, 6, 15))
    _sweep_on(date(2026, 6, 15))
    _sweep_on(date(2026, 6, 17))
    assert _keys(kind__in=[*reminders.STAFF_KINDS]) == set()


@pytest.mark.django_db
def test_supervisors_are_reminded_daily_on_business_days_once_overdue(member, ga_staff, supervisor, auditor):
    dsr = submit(member)
    advance(dsr, Status.DECIDED, handler=ga_staff, approver=supervisor)  # decided, not yet sent
    _move(dsr, due_date=date(2026, 6, 11), received_at=at(date(2026, 6, 5)), complete_at=at(date(2026, 6, 5)))
    for d in range(11, 17):
        _sweep_on(date(2026, 6, d))
        _sweep_on(date(2026, 6, d), hour=15)  # a second sweep the same day adds nothing
    overdue = _keys(kind=ReminderKind.OVERDUE)
    business_days = [date(2026, 6, d) for d in (12, 15, 16)]  # not the 13th/14th (weekend)
    assert overdue == {(dsr.pk, ReminderKind.OVERDUE, day, supervisor.pk) for day in business_days}
    assert not _keys(recipient=auditor)


@pytest.mark.django_db
def test_art39_mark_passing_without_a_decision_alerts_supervisors_once(member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    received = date(2026, 6, 1)
    # An extension moved the target beyond the Art. 39 mark (arrival + 14 = 15 June).
    _move(dsr, received_at=at(received), complete_at=at(received), due_date=date(2026, 6, 30))
    _sweep_on(date(2026, 6, 15))
    assert not _keys(kind=ReminderKind.ART39)  # the mark day itself is still within the two weeks
    _sweep_on(date(2026, 6, 16))
    _sweep_on(date(2026, 6, 17))
    assert _keys(kind=ReminderKind.ART39) == {(dsr.pk, ReminderKind.ART39, date(2026, 6, 15), supervisor.pk)}
    assert dsr.kind in ART39_KINDS


@pytest.mark.django_db
def test_member_is_reminded_seven_days_into_a_correction_wait(member, ga_staff, supervisor):
    dsr = submit(member)
    advance(dsr, Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    _move(dsr, paused_at=at(date(2026, 6, 1), 14))
    _sweep_on(date(2026, 6, 7))
    assert not _keys(recipient=member)
    _sweep_on(date(2026, 6, 8))
    _sweep_on(date(2026, 6, 9))
    assert _keys(recipient=member) == {(dsr.pk, ReminderKind.AMENDMENT_WAIT, date(2026, 6, 8), member.pk)}
    reminder_mail = OutboundMail.objects.get(to_user=member, template="reminder_member")
    assert reminder_mail.subject == "【警察職員生協】補正のお願いへのご回答について"
    assert dsr.reference in reminder_mail.body
    assert RequestEvent.objects.filter(dsr=dsr, event_type=EventType.REMINDER, member_visible=True).count() == 1


@pytest.mark.django_db
def test_closing_reminder_and_withdrawal_only_when_the_policy_enables_them(member, ga_staff, supervisor, settings):
    dsr = submit(member)
    advance(dsr, Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    _move(dsr, paused_at=at(date(2026, 6, 1), 14))
    Message.objects.filter(dsr=dsr, direction=MessageDirection.TO_MEMBER).update(reply_due_date=date(2026, 6, 10))
    with time_machine.travel(at(date(2026, 6, 30)), tick=False):
        assert reminders.amendment_expiry_sweep() == 0  # off by default
    assert not _keys(kind=ReminderKind.AMENDMENT_CLOSING)

    settings.DSR_AMENDMENT_AUTO_WITHDRAW_DAYS = 7  # closes on 17 June
    settings.DSR_AMENDMENT_CLOSING_NOTICE_DAYS = 3
    _sweep_on(date(2026, 6, 13))
    assert not _keys(kind=ReminderKind.AMENDMENT_CLOSING)
    _sweep_on(date(2026, 6, 14))
    _sweep_on(date(2026, 6, 16))
    assert _keys(kind=ReminderKind.AMENDMENT_CLOSING) == {
        (dsr.pk, ReminderKind.AMENDMENT_CLOSING, date(2026, 6, 17), member.pk)
    }
    closing_mail = OutboundMail.objects.filter(to_user=member, body__contains="取り下げられたもの")
    assert closing_mail.count() == 1
    with time_machine.travel(at(date(2026, 6, 16)), tick=False):
        assert reminders.amendment_expiry_sweep() == 0
    with time_machine.travel(at(date(2026, 6, 17), 6), tick=False):
        assert reminders.amendment_expiry_sweep() == 1
        assert reminders.amendment_expiry_sweep() == 0
    dsr.refresh_from_db()
    assert dsr.status == Status.WITHDRAWN
    withdrawal = dsr.events.get(to_status=Status.WITHDRAWN)
    assert withdrawal.actor is None
    assert "令和8年6月10日" in withdrawal.note


@pytest.mark.django_db
def test_my_number_case_reminders_go_to_officers_only(my_number_dsr, officer, officer2, supervisor, ga_staff):
    advance(my_number_dsr, Status.IN_REVIEW, handler=officer, approver=officer2)
    _move(my_number_dsr, due_date=date(2026, 6, 10))
    _sweep_on(date(2026, 6, 10))
    _sweep_on(date(2026, 6, 11))
    recipients = {key[3] for key in _keys()}
    assert recipients == {officer.pk, officer2.pk}
    for sent in OutboundMail.objects.filter(template="reminder_staff"):
        assert sent.restricted
        assert sent.to_user_id in (officer.pk, officer2.pk)
    assert not OutboundMail.objects.filter(to_user__in=[supervisor, ga_staff]).exists()


@pytest.mark.django_db
def test_sweep_query_count_does_not_grow_with_the_cases():
    staff = make_staff()
    day = BASE + timedelta(days=10)

    def queries_for(n: int) -> tuple[int, int]:
        DataSubjectRequest.objects.all().delete()
        make_cases(n, base=BASE, staff=staff)
        with time_machine.travel(at(day), tick=False), CaptureQueriesContext(connection) as captured:
            result = reminder_sweep()
        statements = [q["sql"] for q in captured.captured_queries]
        writes = [sql for sql in statements if sql.startswith(("INSERT", "UPDATE"))]
        # Writes are batched (SQLite takes at most 999 parameters per statement): allow one
        # statement per batch, and nothing else may grow.
        assert len(writes) <= 4 + 3 * (result.reminders // 100), writes
        return len(statements) - len(writes), result.reminders

    small_queries, small = queries_for(20)
    large_queries, large = queries_for(300)
    assert 0 < small < large
    assert small_queries == large_queries, (small_queries, large_queries)


# --- 1,000 cases through T−3, T−1, T and overdue, with overlapping sweeps ------------------------


def _expected(cases: list[DataSubjectRequest], days: list[date], staff) -> set[tuple]:
    """The reminders the rules call for, worked out case by case and day by day."""
    calendar = current_calendar()
    ga, my_number = Queue.objects.get(code=Queue.GA), Queue.objects.get(code=Queue.MY_NUMBER)
    approvers = {ga.pk: {u.pk for u in staff.supervisors}, my_number.pk: {u.pk for u in staff.officers}}
    workers = {
        ga.pk: {u.pk for u in [*staff.handlers, *staff.supervisors]},
        my_number.pk: {u.pk for u in staff.officers},
    }
    open_statuses = {*RUNNING_STATUSES, Status.AWAITING_AMENDMENT} - {Status.DECIDED}
    expected = set()
    for case in cases:
        running = case.status in RUNNING_STATUSES
        steps = {
            case.due_date: ReminderKind.DUE_TODAY,
            calendar.subtract_business_days(case.due_date, 1): ReminderKind.DUE_IN_1,
            calendar.subtract_business_days(case.due_date, 3): ReminderKind.DUE_IN_3,
        }
        mark = timezone.localdate(case.received_at) + timedelta(days=14)
        for day in days:
            if running and case.assignee_id in workers[case.queue_id] and day in steps:
                expected.add((case.pk, steps[day], case.due_date, case.assignee_id))
            if running and day > case.due_date and calendar.is_business_day(day):
                expected |= {(case.pk, ReminderKind.OVERDUE, day, a) for a in approvers[case.queue_id]}
            if case.status in open_statuses and case.kind in ART39_KINDS and day > mark:
                expected |= {(case.pk, ReminderKind.ART39, mark, a) for a in approvers[case.queue_id]}
            nudge = timezone.localdate(case.paused_at) + timedelta(days=7) if case.paused_at else None
            if case.status == Status.AWAITING_AMENDMENT and case.filed_by_id and day >= nudge:
                expected.add((case.pk, ReminderKind.AMENDMENT_WAIT, nudge, case.filed_by_id))
    return expected


def _two_sweeps(day: date, *, overlap: bool) -> list[reminders.SweepResult]:
    if not overlap:
        return [_sweep_on(day), _sweep_on(day)]
    results: list = []
    errors: list = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(reminder_sweep())
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    with time_machine.travel(at(day), tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors
    return results


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_thousand_cases_each_reminder_once_digests_per_recipient():
    overlap = connection.vendor == "postgresql"  # real concurrency needs a server database
    staff = make_staff()
    cases = make_cases(1000, base=BASE, staff=staff)
    officers = {u.pk for u in staff.officers}
    references = {c.pk: c.reference for c in cases}
    days = [BASE + timedelta(days=d) for d in range(26)]

    seen_mails: set[int] = set()
    skipped = 0
    for day in days:
        before = set(Reminder.objects.values_list("id", flat=True))
        results = _two_sweeps(day, overlap=overlap)
        skipped += sum(r.skipped for r in results)
        created = Reminder.objects.exclude(id__in=before).select_related("mail")
        assert sum(r.reminders for r in results) == created.count()
        # One digest per recipient per sweep, holding exactly that recipient's new reminders.
        by_recipient: dict[int, set[int]] = defaultdict(set)
        by_mail: dict[int, list[Reminder]] = defaultdict(list)
        for reminder in created:
            assert reminder.mail is not None
            assert reminder.mail.to_user_id == reminder.recipient_id
            by_recipient[reminder.recipient_id].add(reminder.mail_id)
            by_mail[reminder.mail_id].append(reminder)
        assert all(len(mails) == 1 for mails in by_recipient.values()), day
        for rows in by_mail.values():
            body = rows[0].mail.body
            listed = re.findall(r"(?:^・|^受付番号：)((?:GA|MN)-\d{4}-\d{5})", body, re.M)
            counted = sum(int(n) for n in re.findall(r"ほか (\d+) 件", body))
            assert len(listed) + counted == len(rows)  # every new reminder is listed or counted
            assert set(listed) <= {references[r.dsr_id] for r in rows}
            if rows[0].mail.template == "reminder_staff":
                assert f"{len(rows)}件" in body  # the digest says how many
        new_mails = OutboundMail.objects.filter(template__startswith="reminder_").exclude(id__in=seen_mails)
        assert new_mails.count() == len(by_recipient)
        for sent in new_mails:
            if sent.to_user_id not in officers:
                assert "MN-" not in sent.body  # My Number cases are named to officers only
        seen_mails |= set(new_mails.values_list("id", flat=True))

    if overlap:
        assert skipped > 0  # the sweeps really ran side by side and the advisory lock turned one away
    actual = set(Reminder.objects.values_list("dsr_id", "kind", "due_date", "recipient_id"))
    expected = _expected(cases, days, staff)
    assert actual == expected
    assert Reminder.objects.count() == len(expected)
    kinds = {key[1] for key in actual}
    assert {ReminderKind.DUE_IN_3, ReminderKind.DUE_IN_1, ReminderKind.DUE_TODAY} <= kinds
    assert {ReminderKind.OVERDUE, ReminderKind.ART39, ReminderKind.AMENDMENT_WAIT} <= kinds
    # Every staff recipient could really work (assignee) or approve (supervisor) the case.
    sample = Reminder.objects.filter(kind__in=reminders.STAFF_KINDS).select_related("dsr", "recipient")[:150]
    for reminder in sample:
        check = can_approve_dsr if reminder.kind in (ReminderKind.OVERDUE, ReminderKind.ART39) else can_handle_dsr
        assert check(reminder.recipient, reminder.dsr), reminder


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_overlapping_sweeps_without_the_lock_are_still_exactly_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    monkeypatch.setattr(reminders, "_try_lock", lambda: True)  # the unique key alone must hold
    staff = make_staff()
    cases = make_cases(300, base=BASE, staff=staff)
    day = BASE + timedelta(days=16)
    results = _two_sweeps(day, overlap=True)
    assert sum(r.reminders for r in results) == Reminder.objects.count()
    assert set(Reminder.objects.values_list("dsr_id", "kind", "due_date", "recipient_id")) == _expected(
        cases, [day], staff
    ) | _catch_up(cases, day, staff)
    # Each sweep mails only the rows it inserted: no reminder is in two digests.
    for reminder in Reminder.objects.select_related("mail"):
        assert reminder.mail is not None
    mails_per_recipient = defaultdict(int)
    for sent in OutboundMail.objects.filter(template__startswith="reminder_"):
        mails_per_recipient[sent.to_user_id] += 1
    assert max(mails_per_recipient.values()) <= 2  # at most one per sweep


def _catch_up(cases, day, staff) -> set[tuple]:
    """On a first sweep, the due step already reached is sent even if its day was earlier."""
    calendar = current_calendar()
    ga, my_number = Queue.objects.get(code=Queue.GA), Queue.objects.get(code=Queue.MY_NUMBER)
    workers = {
        ga.pk: {u.pk for u in [*staff.handlers, *staff.supervisors]},
        my_number.pk: {u.pk for u in staff.officers},
    }
    keys = set()
    for case in cases:
        if case.status not in RUNNING_STATUSES or case.assignee_id not in workers[case.queue_id]:
            continue
        if case.due_date < day:
            continue
        if day >= calendar.subtract_business_days(case.due_date, 1):
            step = ReminderKind.DUE_TODAY if day >= case.due_date else ReminderKind.DUE_IN_1
        elif day >= calendar.subtract_business_days(case.due_date, 3):
            step = ReminderKind.DUE_IN_3
        else:
            continue
        keys.add((case.pk, step, case.due_date, case.assignee_id))
    return keys

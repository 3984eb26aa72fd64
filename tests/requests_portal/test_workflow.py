"""The transition table: every pair of statuses, the actor rules, and the guards."""

import itertools

import pytest

from django.db import connection

from requests_portal import services, workflow
from requests_portal.exceptions import TransitionNotAllowed
from requests_portal.models import (
    AuditEntry,
    CaseLink,
    CaseLinkType,
    DataSubjectRequest,
    IdentityResult,
    RequestEvent,
    Status,
)
from requests_portal.workflow import TRANSITIONS, transition
from tests.factories import advance, submit

pytestmark = pytest.mark.django_db

# The path that reaches each status from scratch.
REACHABLE = list(Status)


def _prepare(dsr: DataSubjectRequest, target: Status, drafter) -> None:
    """Satisfy the guards of the move to `target`, so an allowed pair can only fail on the table."""
    fields = {}
    if target in (Status.IN_REVIEW, Status.AWAITING_APPROVAL):
        fields["identity_result"] = IdentityResult.VERIFIED
    if target == Status.AWAITING_APPROVAL:
        fields.update(decision="disclosed_full", drafted_by=drafter)
    if target == Status.REJECTED:
        fields["identity_result"] = IdentityResult.NOT_VERIFIED
    if fields:
        DataSubjectRequest.objects.filter(pk=dsr.pk).update(**fields)
        dsr.refresh_from_db()
    if target == Status.CLOSED and dsr.status != Status.NOTIFIED:
        # Closing before a decision is for a case linked as another's duplicate.
        primary = services.dsr_submit(
            actor=None, member=dsr.member, kind=dsr.kind, summary="先の請求", description="同じ内容"
        )
        CaseLink.objects.create(primary=primary, secondary=dsr, link_type=CaseLinkType.DUPLICATE)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(REACHABLE, REACHABLE)))
def test_every_status_pair_against_the_table(source, target, member, ga_staff, supervisor):
    dsr = advance(submit(member), source, handler=ga_staff, approver=supervisor)
    assert dsr.status == source
    _prepare(dsr, target, drafter=ga_staff)
    events, audits = RequestEvent.objects.count(), AuditEntry.objects.count()
    allowed = target in TRANSITIONS[source]

    if allowed:
        transition(dsr, to=target, actor=supervisor, note="理由あり")
        dsr.refresh_from_db()
        assert dsr.status == target
        assert RequestEvent.objects.count() == events + 1
        assert AuditEntry.objects.count() == audits + 1
        event = RequestEvent.objects.latest("id")
        assert (event.from_status, event.to_status) == (source, target)
    else:
        with pytest.raises(TransitionNotAllowed):
            transition(dsr, to=target, actor=supervisor, note="理由あり")
        dsr.refresh_from_db()
        assert dsr.status == source
        assert RequestEvent.objects.count() == events
        assert AuditEntry.objects.count() == audits


def test_table_matches_architecture_diagram():
    # Closed from an open status: only a linked duplicate (the guard), see test_duplicates.py.
    assert TRANSITIONS[Status.SUBMITTED] == {Status.VERIFYING, Status.WITHDRAWN, Status.CLOSED}
    assert TRANSITIONS[Status.AWAITING_APPROVAL] == {
        Status.DECIDED,
        Status.IN_REVIEW,
        Status.WITHDRAWN,
        Status.CLOSED,
    }
    assert TRANSITIONS[Status.WITHDRAWN] == frozenset()
    for open_status in (Status.SUBMITTED, Status.VERIFYING, Status.AWAITING_AMENDMENT, Status.IN_REVIEW):
        assert Status.WITHDRAWN in TRANSITIONS[open_status]


def test_member_cannot_make_staff_moves(member, dsr):
    with pytest.raises(TransitionNotAllowed, match="権限"):
        transition(dsr, to=Status.VERIFYING, actor=member)


def test_member_may_withdraw_own_case(member, dsr):
    transition(dsr, to=Status.WITHDRAWN, actor=member)
    assert dsr.status == Status.WITHDRAWN
    assert dsr.closed_at is not None


def test_other_member_cannot_withdraw(other_member, dsr):
    with pytest.raises(TransitionNotAllowed):
        transition(dsr, to=Status.WITHDRAWN, actor=other_member)


def test_officer_cannot_move_general_case(officer, dsr):
    with pytest.raises(TransitionNotAllowed):
        transition(dsr, to=Status.VERIFYING, actor=officer)


def test_auditor_cannot_move_cases(auditor, dsr):
    with pytest.raises(TransitionNotAllowed):
        transition(dsr, to=Status.VERIFYING, actor=auditor)


def test_drafter_cannot_approve_own_decision(member, supervisor, ga_staff):
    dsr = advance(submit(member), Status.IN_REVIEW, handler=supervisor, approver=supervisor)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(decision="disclosed_full", drafted_by=supervisor)
    transition(dsr, to=Status.AWAITING_APPROVAL, actor=supervisor)
    with pytest.raises(TransitionNotAllowed, match="職務の分離"):
        transition(dsr, to=Status.DECIDED, actor=supervisor)
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.AWAITING_APPROVAL


def test_agent_case_needs_authority_before_review(member, ga_staff):
    dsr = submit(member, requester_type="appointed_agent", agent={"agent_name": "代理 一郎"})
    transition(dsr, to=Status.VERIFYING, actor=ga_staff)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(identity_result=IdentityResult.VERIFIED)
    with pytest.raises(TransitionNotAllowed, match="代理権"):
        transition(dsr, to=Status.IN_REVIEW, actor=ga_staff)


def test_pause_moves_due_date_and_closing_stamps(member, ga_staff, supervisor, time_machine):
    time_machine.move_to("2026-01-05 10:00 +09:00", tick=False)
    dsr = advance(submit(member), Status.VERIFYING, handler=ga_staff, approver=supervisor)
    assert str(dsr.due_date) == "2026-01-19"
    transition(dsr, to=Status.AWAITING_AMENDMENT, actor=ga_staff)
    assert dsr.paused_at is not None
    time_machine.move_to("2026-01-08 15:00 +09:00", tick=False)
    transition(dsr, to=Status.VERIFYING, actor=member)
    assert dsr.paused_at is None
    assert dsr.paused_days_total == 3
    assert str(dsr.due_date) == "2026-01-22"


def test_needs_note_for_return_and_reopen(member, ga_staff, supervisor):
    dsr = advance(submit(member), Status.AWAITING_APPROVAL, handler=ga_staff, approver=supervisor)
    with pytest.raises(TransitionNotAllowed, match="理由"):
        transition(dsr, to=Status.IN_REVIEW, actor=supervisor, note="  ")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"to": "nonsense"}, TransitionNotAllowed),
        ({"to": Status.VERIFYING, "note": 5}, TypeError),
        ({"to": Status.VERIFYING, "actor": "ga_staff"}, TypeError),
    ],
)
def test_bad_input_raises_and_writes_nothing(dsr, ga_staff, kwargs, error):
    kwargs.setdefault("actor", ga_staff)
    events = RequestEvent.objects.count()
    with pytest.raises(error):
        transition(dsr, **kwargs)
    assert RequestEvent.objects.count() == events
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.SUBMITTED


def test_note_with_my_number_is_refused(dsr, ga_staff):
    with pytest.raises(TransitionNotAllowed, match="マイナンバー"):
        transition(dsr, to=Status.VERIFYING, actor=ga_staff, note="番号 123456789018")


def test_transition_locks_the_row(dsr, ga_staff, django_assert_num_queries):
    if connection.vendor != "postgresql":
        pytest.skip("SELECT … FOR UPDATE is visible only on PostgreSQL")
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        transition(dsr, to=Status.VERIFYING, actor=ga_staff)
    assert any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)


def test_allowed_targets_for_buttons(dsr, ga_staff, member):
    # Closed is in the table (for a linked duplicate); its guard refuses it here.
    assert workflow.allowed_targets(dsr, ga_staff) == [Status.VERIFYING, Status.WITHDRAWN, Status.CLOSED]
    assert workflow.allowed_moves(dsr, ga_staff)[Status.CLOSED] is not None
    assert workflow.allowed_targets(dsr, member) == [Status.WITHDRAWN]

"""workflow.allowed_moves: the table's moves for an actor, each with its guard's refusal, so the
case page offers exactly what transition() accepts."""

import pytest

from requests_portal import workflow
from requests_portal.models import DataSubjectRequest, IdentityResult, Status
from requests_portal.workflow import allowed_moves
from tests.factories import advance, submit

pytestmark = pytest.mark.django_db


def test_moves_follow_the_table_and_report_the_guards(member, ga_staff):
    dsr = advance(submit(member), Status.VERIFYING, handler=ga_staff, approver=ga_staff)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(status=Status.VERIFYING, identity_result="")
    dsr.refresh_from_db()
    moves = allowed_moves(dsr, ga_staff)
    assert set(moves) == {
        Status.IN_REVIEW,
        Status.AWAITING_AMENDMENT,
        Status.REJECTED,
        Status.WITHDRAWN,
        Status.CLOSED,
    }
    assert "重複" in moves[Status.CLOSED]  # only a case linked as a duplicate closes before its decision
    assert moves[Status.IN_REVIEW] == "本人確認が完了していません。"
    assert moves[Status.REJECTED] is not None  # nothing recorded as unverifiable yet
    assert moves[Status.AWAITING_AMENDMENT] is None
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(identity_result=IdentityResult.VERIFIED)
    dsr.refresh_from_db()
    assert allowed_moves(dsr, ga_staff)[Status.IN_REVIEW] is None


def test_an_accepted_move_is_one_transition_accepts(member, ga_staff):
    dsr = advance(submit(member), Status.VERIFYING, handler=ga_staff, approver=ga_staff)
    verified = {"status": Status.VERIFYING, "identity_result": IdentityResult.VERIFIED}
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(**verified)
    dsr.refresh_from_db()
    assert allowed_moves(dsr, ga_staff)[Status.IN_REVIEW] is None
    workflow.transition(dsr, to=Status.IN_REVIEW, actor=ga_staff)
    assert dsr.status == Status.IN_REVIEW


def test_the_drafter_is_told_why_they_cannot_approve(member, ga_staff, supervisor):
    dsr = advance(submit(member), Status.IN_REVIEW, handler=supervisor, approver=supervisor)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(decision="disclosed_full", drafted_by=supervisor)
    dsr.refresh_from_db()
    workflow.transition(dsr, to=Status.AWAITING_APPROVAL, actor=supervisor)
    assert "職務の分離" in allowed_moves(dsr, supervisor)[Status.DECIDED]
    other = allowed_moves(dsr, ga_staff)
    assert Status.DECIDED not in other  # a handler is not an approver


def test_strangers_to_a_case_have_no_moves(member, officer, auditor):
    dsr = submit(member)
    assert allowed_moves(dsr, officer) == {}
    assert allowed_moves(dsr, auditor) == {}

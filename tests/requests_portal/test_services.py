"""The case services: submission, identity, 補正, extension, decisions and their letters and mail."""

from datetime import date, timedelta

import pytest

from django.core import mail
from django.utils import timezone

from requests_portal import services
from requests_portal.decisions import DecisionInvalid, validate_decision
from requests_portal.exceptions import DeadlineError, DomainError
from requests_portal.models import (
    Channel,
    DataSubjectRequest,
    Decision,
    FeeSetting,
    IdentityMethod,
    IdentityResult,
    Letter,
    LetterKind,
    OutboundMail,
    Queue,
    RequestKind,
    Status,
    StatutoryGround,
)
from tests.factories import advance, submit

pytestmark = pytest.mark.django_db


def test_submit_numbers_routes_and_acknowledges(member, django_capture_on_commit_callbacks):
    FeeSetting.objects.create(kind=RequestKind.DISCLOSURE, amount_yen=300)
    with django_capture_on_commit_callbacks(execute=True):
        dsr = submit(member)
    assert dsr.reference.startswith("GA-")
    assert dsr.queue.code == Queue.GA
    assert dsr.status == Status.SUBMITTED
    assert dsr.fee_yen == 300
    assert dsr.complete_at == dsr.received_at
    # The acknowledgement letter is rendered after commit (eager Celery here).
    assert Letter.objects.filter(dsr=dsr, kind=LetterKind.ACKNOWLEDGEMENT, status="rendered").count() == 1
    sent = OutboundMail.objects.get(dsr=dsr)
    assert sent.sent_at is not None
    assert len(mail.outbox) == 1
    # The subject names no person and no case.
    assert mail.outbox[0].subject == "【警察職員生協】ご請求を受け付けました"
    assert dsr.reference in mail.outbox[0].body


def test_my_number_inquiry_goes_to_restricted_queue_with_own_numbering(member):
    general = submit(member)
    inquiry = submit(member, kind=RequestKind.MY_NUMBER_INQUIRY)
    assert inquiry.queue.is_restricted
    assert inquiry.reference.startswith("MN-")
    assert inquiry.reference.endswith("-00001")
    assert general.reference.endswith("-00001")


def test_submit_refuses_my_number_anywhere(member):
    for field in ("summary", "description"):
        with pytest.raises(DomainError, match="マイナンバー"):
            submit(member, **{field: "番号は１２３４　５６７８　９０１８です"})
    with pytest.raises(DomainError):
        submit(member, details={"rows": [{"new": "123456789018"}]})
    assert DataSubjectRequest.objects.count() == 0


def test_paper_request_uses_the_arrival_date(member, ga_staff):
    arrived = timezone.localdate() - timedelta(days=5)
    dsr = services.dsr_submit(
        actor=ga_staff, member=member.member, kind=RequestKind.DISCLOSURE, channel=Channel.POST, received=arrived
    )
    assert timezone.localdate(dsr.received_at) == arrived
    assert dsr.notify_by_post
    with pytest.raises(DomainError, match="未来"):
        services.dsr_submit(
            actor=ga_staff,
            member=member.member,
            kind=RequestKind.DISCLOSURE,
            channel=Channel.POST,
            received=timezone.localdate() + timedelta(days=1),
        )


def test_fresh_reauthentication_counts_as_identity(member):
    dsr = submit(member, reauthenticated_at=timezone.now() - timedelta(minutes=2))
    assert dsr.identity_method == IdentityMethod.REAUTH
    assert dsr.identity_result == IdentityResult.VERIFIED
    stale = submit(member, reauthenticated_at=timezone.now() - timedelta(hours=1))
    assert stale.identity_result == ""


def test_identity_record_moves_to_review(dsr, ga_staff):
    services.dsr_assign(dsr=dsr, assignee=ga_staff, actor=ga_staff)
    services.dsr_record_identity(
        dsr=dsr, actor=ga_staff, method=IdentityMethod.DOCUMENT, result=IdentityResult.VERIFIED, id_doc_type="passport"
    )
    assert dsr.status == Status.IN_REVIEW
    assert dsr.identity_verified_by == ga_staff


def test_document_check_needs_document_type(dsr, ga_staff):
    with pytest.raises(DomainError, match="書類の種類"):
        services.dsr_record_identity(
            dsr=dsr, actor=ga_staff, method=IdentityMethod.DOCUMENT, result=IdentityResult.VERIFIED
        )


def test_amendment_pauses_and_answer_resumes(member, ga_staff, supervisor):
    dsr = advance(submit(member), Status.AWAITING_AMENDMENT, handler=ga_staff, approver=supervisor)
    assert dsr.paused_at is not None
    assert Letter.objects.filter(dsr=dsr, kind=LetterKind.AMENDMENT_REQUEST).count() == 1
    services.dsr_answer_amendment(dsr=dsr, actor=member, message="書類を送りました。")
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFYING
    assert dsr.paused_at is None


def test_extension_sets_date_reason_and_letter(dsr, ga_staff):
    new_due = dsr.due_date + timedelta(days=14)
    services.dsr_extend(dsr=dsr, actor=ga_staff, new_due_date=new_due, reason="対象となる記録が大量のため")
    assert dsr.due_date == new_due
    assert dsr.extension_reason
    assert Letter.objects.filter(dsr=dsr, kind=LetterKind.EXTENSION_NOTICE).count() == 1
    with pytest.raises(DeadlineError):
        services.dsr_extend(dsr=dsr, actor=ga_staff, new_due_date=new_due + timedelta(days=1), reason="")
    dsr.refresh_from_db()
    assert dsr.due_date == new_due


def test_approval_creates_one_decision_letter(member, ga_staff, supervisor):
    dsr = advance(submit(member), Status.DECIDED, handler=ga_staff, approver=supervisor)
    assert dsr.approved_by == supervisor
    assert dsr.drafted_by == ga_staff
    letter = Letter.objects.get(dsr=dsr, kind=LetterKind.DISCLOSURE_DECISION)
    assert letter.payload["decision"] == Decision.DISCLOSED_PARTIAL
    assert letter.payload["details"]["withheld_items"][0]["ground"] == StatutoryGround.ART33_2_1


def test_refusal_needs_ground_and_reason(member, ga_staff, supervisor):
    dsr = advance(submit(member), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    with pytest.raises(DecisionInvalid) as caught:
        services.dsr_draft_decision(dsr=dsr, actor=ga_staff, decision=Decision.NOT_DISCLOSED)
    assert set(caught.value.errors) == {"ground", "reason"}
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("kind", "decision", "details", "field"),
    [
        (RequestKind.DISCLOSURE, Decision.DISCLOSED_PARTIAL, {}, "withheld_items"),
        (
            RequestKind.DISCLOSURE,
            Decision.DISCLOSED_PARTIAL,
            {"withheld_items": [{"item": "x", "ground": "art34_factual"}]},
            "withheld_items",
        ),
        (RequestKind.CORRECTION, Decision.CORRECTED, {}, "corrections"),
        (RequestKind.SUSPENSION, Decision.SUBSTITUTE_MEASURE, {}, "substitute_measure"),
        (RequestKind.DISCLOSURE, Decision.METHOD_CHANGED_TO_PAPER, {}, "method_change_reason"),
        (RequestKind.DISCLOSURE, Decision.DISCLOSED_FULL, {"method_changed_to_paper": True}, "method_change_reason"),
        (RequestKind.COMPLAINT, Decision.DISCLOSED_FULL, {}, "decision"),
    ],
)
def test_decision_rules(kind, decision, details, field):
    with pytest.raises(DecisionInvalid) as caught:
        validate_decision(kind=kind, decision=decision, ground="art33_2_1", reason="理由", details=details)
    assert field in caught.value.errors


def test_valid_partial_disclosure_is_cleaned():
    cleaned = validate_decision(
        kind=RequestKind.DISCLOSURE,
        decision=Decision.DISCLOSED_PARTIAL,
        ground=StatutoryGround.ART33_2_1,
        reason="第三者の情報",
        details={"withheld_items": [{"item": " 氏名 ", "ground": "art33_2_1"}, {"item": "", "ground": ""}]},
    )
    assert cleaned["withheld_items"] == [{"item": "氏名", "ground": "art33_2_1", "reason": ""}]


def test_withdraw_by_member_sets_decision(member, dsr):
    services.dsr_withdraw(dsr=dsr, actor=member)
    dsr.refresh_from_db()
    assert dsr.status == Status.WITHDRAWN
    assert dsr.decision == Decision.WITHDRAWN


def test_reject_identity_creates_notice(member, ga_staff, supervisor):
    dsr = advance(submit(member), Status.REJECTED, handler=ga_staff, approver=supervisor)
    assert dsr.decision == Decision.IDENTITY_NOT_VERIFIED
    assert Letter.objects.filter(dsr=dsr, kind=LetterKind.IDENTITY_NOT_VERIFIED).count() == 1


def test_assign_requires_a_handler(dsr, ga_staff, officer, auditor):
    with pytest.raises(DomainError):
        services.dsr_assign(dsr=dsr, assignee=officer, actor=ga_staff)
    with pytest.raises(DomainError):
        services.dsr_assign(dsr=dsr, assignee=ga_staff, actor=auditor)


def test_messages_and_internal_notes(dsr, member, ga_staff):
    services.dsr_post_message(dsr=dsr, actor=ga_staff, body="内部での確認事項", internal=True)
    services.dsr_post_message(dsr=dsr, actor=member, body="よろしくお願いします")
    with pytest.raises(DomainError):
        services.dsr_post_message(dsr=dsr, actor=member, body="メモ", internal=True)
    visible = dsr.events.filter(member_visible=True, event_type="message").count()
    assert visible == 1


def test_extension_bad_input_changes_nothing(dsr, ga_staff):
    before = DataSubjectRequest.objects.get(pk=dsr.pk).due_date
    with pytest.raises(TypeError):
        services.dsr_extend(dsr=dsr, actor=ga_staff, new_due_date="2030-01-01", reason="理由")
    with pytest.raises(DeadlineError):
        services.dsr_extend(dsr=dsr, actor=ga_staff, new_due_date=date(2000, 1, 1), reason="理由")
    assert DataSubjectRequest.objects.get(pk=dsr.pk).due_date == before

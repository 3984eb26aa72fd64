"""The case workspace and its actions: each goes through its service, is offered only when the
transition table allows it, shows its errors next to the fields, and is audited."""

from datetime import timedelta

import pytest

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from requests_portal import services, workflow
from requests_portal.decisions import DecisionInvalid
from requests_portal.exceptions import DomainError
from requests_portal.letters.kinds import addressee
from requests_portal.letters.sources import load_source
from requests_portal.models import (
    AuditEntry,
    DataSubjectRequest,
    Decision,
    EventType,
    IdentityMethod,
    IdentityResult,
    Letter,
    LetterKind,
    Message,
    OutboundMail,
    RequesterType,
    RequestKind,
    Status,
    StatutoryGround,
)
from requests_portal.roles import Role
from requests_portal.wareki import format_wareki
from tests.factories import advance, member_user, staff_user, submit

pytestmark = pytest.mark.django_db


def url(name: str, dsr: DataSubjectRequest) -> str:
    return reverse(f"requests_portal:staff_dsr_{name}", args=[dsr.public_id])


def _rows(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(max(len(rows), 2)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def _decision(decision: str, **fields) -> dict:
    data = {"decision": decision, **_rows("withheld", fields.pop("withheld", [])), **_rows("corrections", [])}
    data.update(fields)
    return data


@pytest.fixture
def in_review(member, ga_staff, supervisor):
    return advance(submit(member), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)


@pytest.fixture
def awaiting_approval(member, ga_staff, supervisor):
    return advance(submit(member), Status.AWAITING_APPROVAL, handler=ga_staff, approver=supervisor)


# --- opening a case ------------------------------------------------------------------------


def test_opening_a_case_is_audited_and_shows_the_request(client, member, ga_staff):
    dsr = submit(member, summary="出資金の記録", description="出資金の払込み記録を開示してください。")
    client.force_login(ga_staff)
    page = client.get(url("detail", dsr)).content.decode()
    assert "出資金の払込み記録を開示してください。" in page
    assert member.member.full_name in page
    assert dsr.due_date.isoformat() in page  # the deadline panel, in the staff date format
    assert AuditEntry.objects.filter(action="dsr.view", actor_id=ga_staff.pk, object_ref=dsr.reference).count() == 1


def test_hidden_case_is_404_and_the_attempt_is_audited_restricted(client, my_number_dsr, ga_staff, auditor, admin_user):
    for person in (ga_staff, auditor, admin_user):
        client.force_login(person)
        assert client.get(url("detail", my_number_dsr)).status_code == 404
    denials = AuditEntry.objects.filter(action="dsr.access", outcome="denied", object_ref=my_number_dsr.reference)
    assert denials.count() == 3
    assert all(entry.restricted for entry in denials)


def test_buttons_follow_the_transition_table(client, in_review, awaiting_approval, ga_staff, supervisor, auditor):
    client.force_login(ga_staff)
    page = client.get(url("detail", in_review)).content.decode()
    assert url("decision", in_review) in page
    assert url("amendment", in_review) in page
    assert url("approve", in_review) not in page
    client.force_login(auditor)
    page = client.get(url("detail", in_review)).content.decode()
    for action in ("decision", "amendment", "extend", "withdraw", "claim", "message"):
        assert url(action, in_review) not in page
    client.force_login(supervisor)
    page = client.get(url("detail", awaiting_approval)).content.decode()
    assert url("approve", awaiting_approval) in page
    assert url("return", awaiting_approval) in page


def test_action_not_possible_in_this_state_redirects_with_a_message(client, member, ga_staff):
    dsr = submit(member)
    client.force_login(ga_staff)
    response = client.get(url("approve", dsr))
    assert response.status_code == 404  # GA staff cannot approve at all
    response = client.get(url("close", dsr), follow=True)
    assert "この操作はできません" in response.content.decode()


# --- identity -------------------------------------------------------------------------------


def test_identity_is_recorded_without_any_document_number(client, member, ga_staff):
    dsr = submit(member)
    client.force_login(ga_staff)
    form = client.get(url("identity", dsr)).context["form"]
    assert set(form.fields) == {"method", "id_doc_type", "result"}
    response = client.post(
        url("identity", dsr),
        {
            "method": "document",
            "result": "verified",
            "id_doc_type": "driving_licence",
            # Mass assignment: none of these may change anything.
            "id_doc_number": "123456789012",
            "status": "closed",
            "due_date": "2099-01-01",
            "assignee": str(ga_staff.pk),
        },
    )
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.identity_result == IdentityResult.VERIFIED
    assert dsr.identity_verified_by == ga_staff
    assert dsr.status == Status.IN_REVIEW
    assert dsr.due_date.year != 2099
    assert "123456789012" not in str(DataSubjectRequest.objects.filter(pk=dsr.pk).values().get())


def test_reauthenticated_case_claimed_by_ga_staff_goes_straight_to_review(client, member, ga_staff):
    dsr = submit(member, reauthenticated_at=timezone.now() - timedelta(minutes=1))
    client.force_login(ga_staff)
    page = client.get(url("detail", dsr)).content.decode()
    assert 'id="identity-reauth"' in page
    assert url("identity", dsr) not in page  # nothing to re-record
    assert client.post(url("claim", dsr)).status_code == 302
    dsr.refresh_from_db()
    assert dsr.status == Status.IN_REVIEW
    assert dsr.identity_method == IdentityMethod.REAUTH
    assert dsr.identity_verified_by is None  # no clerk claimed to have checked anything
    moves = list(dsr.events.filter(event_type=EventType.STATUS_CHANGED).order_by("id"))
    assert [(e.from_status, e.to_status) for e in moves] == [
        (Status.SUBMITTED, Status.VERIFYING),
        (Status.VERIFYING, Status.IN_REVIEW),
    ]
    assert moves[-1].note == "本人確認済み（ポータルでの再認証）"
    assert not dsr.events.filter(event_type=EventType.IDENTITY_RECORDED).exists()
    # The identity form is refused outright, and a decision can be drafted at once.
    assert client.get(url("identity", dsr)).status_code == 302
    response = client.post(url("decision", dsr), _decision(Decision.DISCLOSED_FULL))
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_APPROVAL
    assert dsr.decision == Decision.DISCLOSED_FULL


def test_reauthenticated_identity_cannot_be_recorded_over(member, ga_staff):
    dsr = submit(member, reauthenticated_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError):
        services.dsr_record_identity(
            dsr=dsr, actor=ga_staff, method=IdentityMethod.PHONE, result=IdentityResult.NOT_VERIFIED
        )
    dsr.refresh_from_db()
    assert dsr.identity_method == IdentityMethod.REAUTH
    assert dsr.status == Status.SUBMITTED


def test_case_without_reauthentication_still_goes_to_verifying(client, member, ga_staff):
    dsr = submit(member)
    client.force_login(ga_staff)
    assert url("identity", dsr) in client.get(url("detail", dsr)).content.decode()
    client.post(url("claim", dsr))
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFYING
    assert client.get(url("decision", dsr)).status_code == 302  # no decision before identity
    assert url("review", dsr) not in client.get(url("detail", dsr)).content.decode()


def test_reauthenticated_case_left_in_verifying_can_start_review(client, member, ga_staff):
    dsr = submit(member, reauthenticated_at=timezone.now() - timedelta(minutes=1))
    # As cases claimed before the fix were left: in 本人確認中 with the identity already confirmed.
    workflow.transition(dsr, to=Status.VERIFYING, actor=ga_staff)
    client.force_login(ga_staff)
    page = client.get(url("detail", dsr)).content.decode()
    assert url("review", dsr) in page
    assert url("identity", dsr) not in page
    assert client.post(url("review", dsr)).status_code == 302
    dsr.refresh_from_db()
    assert dsr.status == Status.IN_REVIEW


def test_agent_case_needs_the_authority_check_before_review(client, member, ga_staff):
    dsr = submit(member, requester_type=RequesterType.APPOINTED_AGENT, agent={"agent_name": "代理 花子"})
    client.force_login(ga_staff)
    assert "authority_checked" in client.get(url("identity", dsr)).context["form"].fields
    response = client.post(
        url("identity", dsr),
        {"method": "document", "result": "verified", "id_doc_type": "passport", "authority_checked": "on"},
    )
    assert "確認した代理権の書類を入力してください" in response.content.decode()
    client.post(
        url("identity", dsr),
        {"method": "document", "result": "verified", "id_doc_type": "passport"},
    )
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFYING  # identity alone is not enough for an agent
    client.post(
        url("identity", dsr),
        {
            "method": "document",
            "result": "verified",
            "id_doc_type": "passport",
            "authority_checked": "on",
            "authority_doc_type": "委任状",
        },
    )
    dsr.refresh_from_db()
    assert dsr.status == Status.IN_REVIEW
    assert dsr.authority_checked_by == ga_staff


def test_the_identity_form_starts_from_the_document_the_requester_declared(client, member, ga_staff):
    declared = submit(member, details={"id_document_type": "my_number_card_front"})
    client.force_login(ga_staff)
    form = client.get(url("identity", declared)).context["form"]
    assert form.initial == {"method": "document", "id_doc_type": "my_number_card_front"}
    assert client.get(url("identity", submit(member))).context["form"].initial == {}


def test_failed_identity_can_end_the_case_with_a_notice(client, member, ga_staff):
    dsr = submit(member)
    client.force_login(ga_staff)
    client.post(url("identity", dsr), {"method": "phone", "result": "not_verified"})
    response = client.post(url("reject", dsr), {"reason": ""})
    assert response.status_code == 200
    client.post(url("reject", dsr), {"reason": "登録情報と一致しませんでした。"})
    dsr.refresh_from_db()
    assert dsr.status == Status.REJECTED
    assert dsr.letters.filter(kind=LetterKind.IDENTITY_NOT_VERIFIED).exists()


# --- 補正 --------------------------------------------------------------------------------------


def test_amendment_pauses_the_clock_and_tells_the_member(
    client, in_review, ga_staff, django_capture_on_commit_callbacks
):
    client.force_login(ga_staff)
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("amendment", in_review), {"message": "委任状の写しをお送りください。", "reply_due_date": due}
        )
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == Status.AWAITING_AMENDMENT
    assert in_review.paused_at is not None
    assert in_review.letters.filter(kind=LetterKind.AMENDMENT_REQUEST).exists()
    assert Message.objects.get(dsr=in_review).reply_due_date.isoformat() == due
    assert any(in_review.reference in message.body for message in mail.outbox)


def test_amendment_due_date_must_be_in_the_future(client, in_review, ga_staff):
    client.force_login(ga_staff)
    response = client.post(url("amendment", in_review), {"message": "書類", "reply_due_date": timezone.localdate()})
    assert response.context["form"].errors["reply_due_date"]
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW


# --- decisions --------------------------------------------------------------------------------


def test_refusal_without_ground_or_reason_is_rejected_with_errors_at_the_fields(client, in_review, ga_staff):
    client.force_login(ga_staff)
    response = client.post(url("decision", in_review), _decision(Decision.NOT_DISCLOSED))
    assert response.status_code == 200
    page = response.content.decode()
    form = response.context["form"]
    assert "根拠条項を選んでください" in form.errors["ground"][0]
    assert "理由を入力してください" in form.errors["reason"][0]
    assert 'id="id_ground_errors"' in page
    assert 'aria-describedby="id_reason_helptext id_reason_errors"' in page
    assert 'href="#id_ground"' in page  # the error summary links to the field
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW
    assert in_review.decision == ""


def test_partial_disclosure_needs_its_withheld_items(client, in_review, ga_staff):
    client.force_login(ga_staff)
    base = {"ground": StatutoryGround.ART33_2_1, "reason": "第三者の情報を含むため。"}
    response = client.post(url("decision", in_review), _decision(Decision.DISCLOSED_PARTIAL, **base))
    assert "開示しない部分の一覧が必要です" in response.content.decode()
    assert 'href="#withheld-rows"' in response.content.decode()
    rows = [{"item": "他の組合員の氏名", "ground": StatutoryGround.ART33_2_1, "reason": "第三者の権利利益"}]
    response = client.post(url("decision", in_review), _decision(Decision.DISCLOSED_PARTIAL, withheld=rows, **base))
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == Status.AWAITING_APPROVAL
    assert in_review.drafted_by == ga_staff
    assert in_review.decision_details["withheld_items"] == [
        {"item": "他の組合員の氏名", "ground": StatutoryGround.ART33_2_1, "reason": "第三者の権利利益"}
    ]


def test_add_row_button_keeps_input_without_javascript(client, in_review, ga_staff):
    client.force_login(ga_staff)
    data = _decision(Decision.DISCLOSED_PARTIAL, reason="理由の下書き", withheld=[{"item": "A"}, {"item": "B"}])
    data["add_withheld"] = "1"
    response = client.post(url("decision", in_review), data)
    form = response.context["form"]
    assert len(form.withheld.forms) == 3
    assert form.withheld.forms[1].initial["item"] == "B"
    assert "理由の下書き" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("kind", "decision", "extra", "field", "message"),
    [
        (RequestKind.CORRECTION, Decision.CORRECTED, {}, "corrections", "訂正した内容の一覧"),
        (RequestKind.SUSPENSION, Decision.SUBSTITUTE_MEASURE, {"ground": "art35_substitute", "reason": "費用"},
         "substitute_measure", "代替措置の内容"),
        (RequestKind.DISCLOSURE, Decision.METHOD_CHANGED_TO_PAPER, {"ground": "art33_2_paper", "reason": "困難"},
         "method_change_reason", "書面に変更する理由"),
    ],
)  # fmt: skip
def test_each_decision_asks_for_what_its_notice_prints(
    client, member, ga_staff, supervisor, kind, decision, extra, field, message
):
    dsr = advance(submit(member, kind=kind), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    client.force_login(ga_staff)
    response = client.post(url("decision", dsr), _decision(decision, **extra))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    dsr.refresh_from_db()
    assert dsr.status == Status.IN_REVIEW


def test_decision_choices_are_those_of_the_kind(client, member, ga_staff, supervisor):
    dsr = advance(submit(member, kind=RequestKind.COMPLAINT), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    client.force_login(ga_staff)
    choices = [value for value, _label in client.get(url("decision", dsr)).context["form"].fields["decision"].choices]
    assert choices == [Decision.ANSWERED]
    response = client.post(url("decision", dsr), _decision(Decision.DISCLOSED_FULL))
    assert response.context["form"].errors["decision"]


@pytest.mark.parametrize("decision", [Decision.REQUEST_INCOMPLETE, Decision.WITHDRAWN])
def test_decision_form_leaves_amendment_and_withdrawal_to_their_own_actions(
    client, member, ga_staff, supervisor, decision
):
    dsr = advance(submit(member), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    client.force_login(ga_staff)
    choices = [value for value, _label in client.get(url("decision", dsr)).context["form"].fields["decision"].choices]
    assert Decision.DISCLOSED_FULL in choices
    assert decision not in choices
    response = client.post(url("decision", dsr), _decision(decision, reason="理由"))
    assert response.context["form"].errors["decision"]
    dsr.refresh_from_db()
    assert dsr.status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("kind", "offered", "not_offered"),
    [
        (RequestKind.CORRECTION, StatutoryGround.ART34_FACTUAL, StatutoryGround.ART33_2_1),
        (RequestKind.SUSPENSION, StatutoryGround.ART35_NOT_ESTABLISHED, StatutoryGround.ART34_FACTUAL),
        (RequestKind.PURPOSE_NOTICE, StatutoryGround.ART32_2_I, StatutoryGround.ART35_SUBSTITUTE),
        (RequestKind.DISCLOSURE, StatutoryGround.ART33_2_2, StatutoryGround.ART32_2_I),
    ],
)
def test_ground_choices_are_those_of_the_kind(client, member, ga_staff, supervisor, kind, offered, not_offered):
    dsr = advance(submit(member, kind=kind), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    client.force_login(ga_staff)
    choices = [value for value, _label in client.get(url("decision", dsr)).context["form"].fields["ground"].choices]
    assert offered in choices
    assert not_offered not in choices
    assert StatutoryGround.ART37_PROCEDURE in choices  # identity and procedure refusals, any kind
    refusal = {RequestKind.CORRECTION: Decision.NOT_CORRECTED, RequestKind.SUSPENSION: Decision.NOT_SUSPENDED}
    decision = refusal.get(kind, Decision.PURPOSE_NOT_NOTIFIED if kind == RequestKind.PURPOSE_NOTICE else None)
    decision = decision or Decision.NOT_DISCLOSED
    response = client.post(url("decision", dsr), _decision(decision, ground=not_offered, reason="理由を記載します。"))
    assert response.status_code == 200
    assert "この種類の請求には選べない根拠条項です" in " ".join(response.context["form"].errors["ground"])
    dsr.refresh_from_db()
    assert dsr.status == Status.IN_REVIEW
    assert not dsr.decision


@pytest.mark.parametrize("kind", [RequestKind.COMPLAINT, RequestKind.MY_NUMBER_INQUIRY])
def test_answered_kinds_show_no_ground_or_reason(client, member, ga_staff, supervisor, officer, officer2, kind):
    handler, approver = (officer, officer2) if kind == RequestKind.MY_NUMBER_INQUIRY else (ga_staff, supervisor)
    dsr = advance(submit(member, kind=kind), Status.IN_REVIEW, handler=handler, approver=approver)
    client.force_login(handler)
    response = client.get(url("decision", dsr))
    page = response.content.decode()
    assert 'id="grounds-title"' not in page
    assert 'name="ground"' not in page
    assert "全部認容以外の決定には" not in page
    assert set(response.context["form"].fields) >= {"decision", "answer"}
    # A ground posted anyway is not recorded.
    response = client.post(
        url("decision", dsr),
        _decision(Decision.ANSWERED, ground=StatutoryGround.ART33_2_1, answer="ご指摘の点について回答します。"),
    )
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.decision == Decision.ANSWERED
    assert dsr.decision_ground == ""


def test_the_domain_refuses_a_ground_the_kind_does_not_have(member, ga_staff, supervisor):
    dsr = advance(submit(member, kind=RequestKind.COMPLAINT), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    with pytest.raises(DecisionInvalid) as error:
        services.dsr_draft_decision(
            dsr=dsr, actor=ga_staff, decision=Decision.ANSWERED, ground=StatutoryGround.ART33_2_1, reason="", details={}
        )
    assert error.value.errors["ground"] == ["この種類の請求への決定には、根拠条項を選びません。"]
    dsr = advance(submit(member, kind=RequestKind.CORRECTION), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    with pytest.raises(DecisionInvalid) as error:
        services.dsr_draft_decision(
            dsr=dsr,
            actor=ga_staff,
            decision=Decision.NOT_CORRECTED,
            ground=StatutoryGround.ART33_2_2,
            reason="業務に支障があるため",
            details={},
        )
    assert "（訂正・追加・削除）" in error.value.errors["ground"][0]
    assert "選べない根拠条項" in error.value.errors["ground"][0]


def test_the_reason_warning_is_shown(client, in_review, ga_staff):
    client.force_login(ga_staff)
    assert "請求者に示されます" in client.get(url("decision", in_review)).content.decode()


# --- approval and separation of duties ----------------------------------------------------------


def test_approval_creates_the_decision_letter(client, awaiting_approval, supervisor):
    client.force_login(supervisor)
    page = client.get(url("approve", awaiting_approval)).content.decode()
    assert "他の組合員の氏名" in page  # the draft is shown before approving
    client.post(url("approve", awaiting_approval))
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == Status.DECIDED
    assert awaiting_approval.approved_by == supervisor
    assert Letter.objects.filter(dsr=awaiting_approval, kind=LetterKind.DISCLOSURE_DECISION).count() == 1


def test_drafter_cannot_approve_or_return_their_own_decision(client, member, supervisor, ga_staff):
    dsr = advance(submit(member), Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    services.dsr_assign(dsr=dsr, assignee=supervisor, actor=ga_staff)  # the holder hands it on
    client.force_login(supervisor)
    rows = [{"item": "他の組合員の氏名", "ground": StatutoryGround.ART33_2_1}]
    client.post(
        url("decision", dsr),
        _decision(Decision.DISCLOSED_PARTIAL, ground=StatutoryGround.ART33_2_1, reason="理由", withheld=rows),
    )
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_APPROVAL
    assert dsr.drafted_by == supervisor
    page = client.get(url("detail", dsr)).content.decode()
    assert url("approve", dsr) not in page
    assert "職務の分離" in page
    response = client.post(url("approve", dsr), follow=True)
    assert "職務の分離" in response.content.decode()
    response = client.post(url("return", dsr), {"reason": "やり直し"}, follow=True)
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_APPROVAL
    assert not Letter.objects.filter(dsr=dsr, kind=LetterKind.DISCLOSURE_DECISION).exists()
    # Another approver can.
    other = staff_user(Role.GA_SUPERVISOR)
    client.force_login(other)
    client.post(url("approve", dsr))
    dsr.refresh_from_db()
    assert dsr.status == Status.DECIDED


def test_return_needs_a_reason_and_goes_back_to_review(client, awaiting_approval, supervisor):
    client.force_login(supervisor)
    response = client.post(url("return", awaiting_approval), {"reason": ""})
    assert response.context["form"].errors["reason"]
    client.post(url("return", awaiting_approval), {"reason": "根拠条項を見直してください。"})
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == Status.IN_REVIEW
    assert awaiting_approval.events.filter(event_type=EventType.DECISION_RETURNED).exists()


def test_ga_staff_cannot_approve(client, awaiting_approval, ga_staff2):
    client.force_login(ga_staff2)
    assert client.post(url("approve", awaiting_approval)).status_code == 404
    awaiting_approval.refresh_from_db()
    assert awaiting_approval.status == Status.AWAITING_APPROVAL


# --- extension, notification, close, reopen, withdraw ------------------------------------------


def test_extension_needs_a_later_date_and_creates_its_notice(client, in_review, ga_staff):
    client.force_login(ga_staff)
    earlier = (in_review.due_date - timedelta(days=1)).isoformat()
    response = client.post(
        url("extend", in_review), {"new_due_date": earlier, "reason": "資料の確認に時間を要するため"}
    )
    assert "現在の期限より後" in response.content.decode()
    later = (in_review.due_date + timedelta(days=14)).isoformat()
    client.post(url("extend", in_review), {"new_due_date": later, "reason": "資料の確認に時間を要するため"})
    in_review.refresh_from_db()
    assert in_review.due_date.isoformat() == later
    assert in_review.letters.filter(kind=LetterKind.EXTENSION_NOTICE).count() == 1
    page = client.get(url("detail", in_review)).content.decode()
    assert "資料の確認に時間を要するため" in page  # the deadline panel shows the extension
    # Its history gives the staff format (docs/architecture.md#dates); the member's timeline 和暦.
    assert later in page.split("停止と延長の履歴")[1]
    new_due = format_wareki(in_review.due_date)
    assert new_due not in page
    client.force_login(in_review.member.user)
    member_page = client.get(reverse("requests_portal:member_dsr_detail", args=[in_review.public_id]))
    assert f"回答期限が {new_due} に延長されました" in member_page.content.decode()


def test_decided_case_is_notified_closed_and_reopened_by_a_supervisor(client, member, ga_staff, supervisor):
    dsr = advance(submit(member), Status.DECIDED, handler=ga_staff, approver=supervisor)
    client.force_login(ga_staff)
    client.post(url("notify", dsr))
    client.post(url("close", dsr))
    dsr.refresh_from_db()
    assert dsr.status == Status.CLOSED
    assert client.get(url("reopen", dsr)).status_code == 404  # handlers do not reopen
    client.force_login(supervisor)
    response = client.post(url("reopen", dsr), {"reason": ""})
    assert response.context["form"].errors["reason"]
    client.post(url("reopen", dsr), {"reason": "請求者から追加の申出があったため"})
    dsr.refresh_from_db()
    assert dsr.status == Status.IN_REVIEW


def test_withdrawal_by_staff_records_the_request(client, member, ga_staff):
    dsr = submit(member)
    client.force_login(ga_staff)
    client.post(url("withdraw", dsr), {"reason": "11月20日に電話で取下げの申出"})
    dsr.refresh_from_db()
    assert dsr.status == Status.WITHDRAWN
    assert dsr.decision == Decision.WITHDRAWN


# --- messages and notes ------------------------------------------------------------------------


def test_internal_notes_never_reach_the_member(client, member, ga_staff, django_capture_on_commit_callbacks):
    dsr = submit(member)
    client.force_login(ga_staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("message", dsr), {"body": "内部の検討メモ", "internal": "1"})
        client.post(url("message", dsr), {"body": "書類を受け取りました。", "internal": "0"})
    note = Message.objects.get(body="内部の検討メモ")
    assert note.is_internal
    assert not dsr.events.get(event_type=EventType.INTERNAL_NOTE).member_visible
    assert dsr.events.get(event_type=EventType.MESSAGE).member_visible
    assert not any("内部の検討メモ" in message.body for message in mail.outbox)
    page = client.get(url("detail", dsr)).content.decode()
    assert "内部の検討メモ" in page
    assert "書類を受け取りました。" in page


def test_a_my_number_in_a_message_is_refused_and_not_echoed(client, member, ga_staff):
    dsr = submit(member)
    client.force_login(ga_staff)
    response = client.post(url("message", dsr), {"body": "番号 1234 5678 9018 を確認", "internal": "1"})
    page = response.content.decode()
    assert "マイナンバー" in page
    assert "1234 5678 9018" not in page
    assert not Message.objects.filter(dsr=dsr).exists()


# --- individual grants -------------------------------------------------------------------------


def test_supervisor_grants_and_revokes_access_to_one_case(client, in_review, supervisor, auditor, ga_staff):
    client.force_login(supervisor)
    response = client.post(url("access", in_review), {"user": auditor.pk, "access": "handle"})
    assert response.status_code == 302
    services.dsr_assign(dsr=in_review, assignee=None, actor=ga_staff)  # released, so it may be claimed
    client.force_login(auditor)
    assert client.post(url("claim", in_review)).status_code == 302
    in_review.refresh_from_db()
    assert in_review.assignee == auditor
    client.force_login(supervisor)
    client.post(url("access_revoke", in_review), {"user": auditor.pk})
    client.force_login(auditor)
    assert client.post(url("claim", in_review)).status_code == 404
    assert AuditEntry.objects.filter(action__in=["dsr.grant", "dsr.revoke"]).count() == 2


def test_no_individual_grant_on_my_number_cases_and_not_by_handlers(
    client, my_number_dsr, in_review, officer, ga_staff
):
    client.force_login(officer)
    page = client.get(url("access", my_number_dsr)).content.decode()
    assert "個別に付与できません" in page
    assert client.get(url("access", in_review)).status_code == 404
    client.force_login(ga_staff)
    assert client.get(url("access", in_review)).status_code == 404


def test_an_officer_removed_from_the_role_loses_my_number_cases_at_once(client, my_number_dsr, officer):
    client.force_login(officer)
    assert client.get(url("detail", my_number_dsr)).status_code == 200
    officer.groups.clear()
    assert client.get(url("detail", my_number_dsr)).status_code == 404
    assert client.get(reverse("requests_portal:staff_queue")).status_code == 404


# --- where an agent's case is answered --------------------------------------------------------


def _agent_case(ga_staff, supervisor):
    principal, agent_login = member_user(), member_user()
    dsr = services.dsr_submit(
        actor=agent_login,
        member=principal.member,
        kind=RequestKind.DISCLOSURE,
        requester_type=RequesterType.APPOINTED_AGENT,
        summary="記録の開示",
        description="共済の記録を開示してください。",
        agent={"agent_name": "代理 花子", "agent_relationship": "長女"},
    )
    return advance(dsr, Status.VERIFYING, handler=ga_staff, approver=supervisor), principal, agent_login


def _extension_letter_and_mail(client, dsr):
    later = (dsr.due_date + timedelta(days=30)).isoformat()
    response = client.post(url("extend", dsr), {"new_due_date": later, "reason": "資料の確認に時間を要するため"})
    assert response.status_code == 302
    letter = Letter.objects.get(dsr=dsr, kind=LetterKind.EXTENSION_NOTICE)
    party = addressee(load_source(letter, issued_on=timezone.localdate()))
    mailed = set(OutboundMail.objects.filter(dsr=dsr, template="dsr_extended").values_list("to_user_id", flat=True))
    return party, mailed


def test_staff_send_an_agents_case_to_the_principal_at_their_wish(client, ga_staff, supervisor):
    dsr, principal, _agent_login = _agent_case(ga_staff, supervisor)
    client.force_login(ga_staff)
    assert url("routing", dsr) in client.get(url("detail", dsr)).content.decode()
    reason = "令和8年12月1日、本人から電話で、本人宛てに送ってほしいとの申出"
    response = client.post(url("routing", dsr), {"letters_to_member": "1", "reason": reason})
    assert response.status_code == 302
    dsr.refresh_from_db()
    assert dsr.letters_to_member
    audit_entry = AuditEntry.objects.get(action="dsr.letter_routing", object_ref=dsr.reference)
    assert audit_entry.actor_id == ga_staff.pk
    event = dsr.events.get(extra__letters_to_member=True)
    assert (event.actor, event.note, event.member_visible) == (ga_staff, reason, False)
    assert "通知の送付先を本人に変更（本人の希望）" in client.get(url("detail", dsr)).content.decode()
    # The next letter and mail follow the recorded wish.
    party, mailed = _extension_letter_and_mail(client, dsr)
    assert (party.name, party.note) == (principal.member.full_name, "")
    assert mailed == {principal.pk}


def test_staff_can_turn_an_agents_case_back_to_the_agent(client, ga_staff, supervisor):
    dsr, principal, agent_login = _agent_case(ga_staff, supervisor)
    services.dsr_set_letter_routing(dsr=dsr, actor=ga_staff, letters_to_member=True, reason="本人の申出")
    client.force_login(ga_staff)
    page = client.get(url("routing", dsr)).content.decode()
    assert 'value="1" id="id_letters_to_member_1" required checked' in page  # the current wish
    response = client.post(url("routing", dsr), {"letters_to_member": "0", "reason": "本人の申出の撤回"})
    assert response.status_code == 302
    party, mailed = _extension_letter_and_mail(client, dsr)
    assert party.note == f"{principal.member.full_name}様の代理人"
    assert mailed == {agent_login.pk}


def test_changing_where_a_case_is_answered_needs_a_reason_and_a_change(client, ga_staff, supervisor):
    dsr, _principal, _agent = _agent_case(ga_staff, supervisor)
    client.force_login(ga_staff)
    response = client.post(url("routing", dsr), {"letters_to_member": "1", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    response = client.post(url("routing", dsr), {"letters_to_member": "0", "reason": "確認のため"})
    assert "送付先はすでにそのとおりです。" in response.content.decode()
    dsr.refresh_from_db()
    assert not dsr.letters_to_member
    assert not AuditEntry.objects.filter(action="dsr.letter_routing").exists()


NO_AGENT = "代理人による請求ではないため、送付先は変更できません。通知はすべて本人に送られます。"


def test_a_members_own_request_has_no_routing_to_change(client, member, ga_staff, supervisor):
    dsr = advance(submit(member), Status.VERIFYING, handler=ga_staff, approver=supervisor)
    client.force_login(ga_staff)
    assert url("routing", dsr) not in client.get(url("detail", dsr)).content.decode()
    response = client.post(url("routing", dsr), {"letters_to_member": "1", "reason": "本人の申出"}, follow=True)
    assert NO_AGENT in response.content.decode()
    with pytest.raises(DomainError, match=NO_AGENT):
        services.dsr_set_letter_routing(dsr=dsr, actor=ga_staff, letters_to_member=True, reason="本人の申出")
    dsr.refresh_from_db()
    assert not dsr.letters_to_member

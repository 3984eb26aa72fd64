"""The legal content of decisions and their notices (docs/legal.md#decisions):

- a suspension that takes a measure other than the one asked for is a partial grant: it needs a
  ground and a reason, and its notice prints the measure taken instead and why (第35条・第36条);
- paper instead of the method asked for needs a reason or the member's agreement, recorded as an
  event (who, when, how), and the notice says which (第33条第2項・第3項);
- an answer may neither confirm nor deny that data exists, as its own decision with its ground
  (第16条第4項・施行令第5条; 第33条第5項・施行令第11条) and a notice that reads the same either way;
- a fee can never be set on correction or suspension (第38条).
"""

from datetime import date, timedelta

import pytest

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from requests_portal import services
from requests_portal.decisions import LETTER_FOR_DECISION, DecisionInvalid, validate_decision
from requests_portal.letters.kinds import notice_for
from requests_portal.letters.samples import Sample, sample_source
from requests_portal.models import (
    FEE_ELIGIBLE_KINDS,
    AgreementChannel,
    AuditEntry,
    DataSubjectRequest,
    Decision,
    DisclosureMethod,
    EventType,
    FeeSetting,
    Letter,
    LetterKind,
    RequestEvent,
    RequestKind,
    Status,
    StatutoryGround,
    SuspensionMeasure,
)
from requests_portal.wareki import format_wareki
from tests.factories import advance, submit

ERASE_ASKED = {"measure": SuspensionMeasure.ERASE, "ground": "art35_5_a"}


def _validate(kind: str, decision: str, *, ground: str = "", reason: str = "", details=None, asked=None) -> dict:
    return validate_decision(
        kind=kind, decision=decision, ground=ground, reason=reason, details=details, request_details=asked
    )


def _html(kind: str, letter_kind: str, payload: dict, **sample) -> str:
    """The notice's text (tags stripped: the no-break spans of letters/typography.py cut phrases)."""
    source = sample_source(Sample("t", letter_kind, kind, payload=payload, **sample))
    return strip_tags(notice_for(source).html())


# --- 1. a different measure is a partial grant ----------------------------------------------------


@pytest.mark.parametrize("decision", [Decision.USE_SUSPENDED, Decision.PROVISION_STOPPED])
def test_a_measure_other_than_the_one_asked_for_needs_a_ground_and_a_reason(decision):
    with pytest.raises(DecisionInvalid) as caught:
        _validate(RequestKind.SUSPENSION, decision, asked=ERASE_ASKED)
    assert set(caught.value.errors) == {"ground", "reason"}
    assert "一部認容" in caught.value.errors["ground"][0]
    assert "消去" in caught.value.errors["ground"][0]
    assert "異なる措置をとる理由" in caught.value.errors["reason"][0]


def test_a_different_measure_cites_an_art35_ground_only():
    with pytest.raises(DecisionInvalid) as caught:
        _validate(
            RequestKind.SUSPENSION,
            Decision.USE_SUSPENDED,
            ground=StatutoryGround.NOT_HELD,
            reason="理由",
            asked=ERASE_ASKED,
        )
    assert set(caught.value.errors) == {"ground"}


def test_a_different_measure_with_its_reason_keeps_what_was_asked():
    cleaned = _validate(
        RequestKind.SUSPENSION,
        Decision.USE_SUSPENDED,
        ground=StatutoryGround.ART35_SUBSTITUTE,
        reason="過去の帳票からの消去は困難なため",
        asked=ERASE_ASKED,
    )
    assert cleaned["measures_requested"] == [SuspensionMeasure.ERASE]


def test_the_measure_asked_for_is_a_full_grant_without_a_reason():
    cleaned = _validate(RequestKind.SUSPENSION, Decision.ERASED, asked=ERASE_ASKED)
    assert "measures_requested" not in cleaned
    # A legacy case listing several measures: any of them is what was asked.
    cleaned = _validate(RequestKind.SUSPENSION, Decision.USE_SUSPENDED, asked={"measures": ["erase", "suspend_use"]})
    assert "measures_requested" not in cleaned


@pytest.mark.django_db
def test_the_draft_service_judges_the_measure_against_the_request(member, ga_staff, supervisor):
    dsr = submit(member, kind=RequestKind.SUSPENSION, details=ERASE_ASKED)
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    with pytest.raises(DecisionInvalid):
        services.dsr_draft_decision(dsr=dsr, actor=ga_staff, decision=Decision.USE_SUSPENDED)
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.IN_REVIEW
    services.dsr_draft_decision(
        dsr=dsr,
        actor=ga_staff,
        decision=Decision.USE_SUSPENDED,
        ground=StatutoryGround.ART35_SUBSTITUTE,
        reason="共済金支払の記録は法令上の保存期間中であり、消去できないため。",
    )
    services.dsr_approve_decision(dsr=dsr, actor=supervisor)
    letter = Letter.objects.get(dsr=dsr, kind=LetterKind.SUSPENSION_DONE)
    assert letter.payload["details"]["measures_requested"] == [SuspensionMeasure.ERASE]


def test_the_notice_prints_the_measure_taken_instead_and_why():
    reason = "共済金支払の記録は法令上の保存期間中であり、消去できないため。"
    payload = {
        "decision": Decision.USE_SUSPENDED,
        "ground": StatutoryGround.ART35_SUBSTITUTE,
        "reason": reason,
        "details": {"measures_requested": [SuspensionMeasure.ERASE]},
        "approved_at": "2026-11-24T15:00:00+09:00",
    }
    html = _html(RequestKind.SUSPENSION, LetterKind.SUSPENSION_DONE, payload)
    assert "ご請求の措置（消去）に代えて" in html
    assert "第36条" in html
    assert "利用の停止" in html
    assert "ご請求の措置（消去）を行わず、上記の措置とした理由" in html
    assert reason in html
    assert "第35条（多額の費用を要し困難であるため代替措置）" in html


def test_the_notice_of_the_measure_asked_for_gives_no_instead():
    payload = {"decision": Decision.ERASED, "details": {}, "approved_at": "2026-11-24T15:00:00+09:00"}
    html = _html(RequestKind.SUSPENSION, LetterKind.SUSPENSION_DONE, payload)
    assert "代えて" not in html
    assert "理由" not in html


# --- 2. paper: a reason, or the member's recorded agreement ---------------------------------------


def test_paper_without_a_reason_or_an_agreement_is_refused():
    with pytest.raises(DecisionInvalid) as caught:
        _validate(RequestKind.DISCLOSURE, Decision.DISCLOSED_FULL, details={"method_changed_to_paper": True})
    assert set(caught.value.errors) == {"method_change_reason"}
    assert "同意した日と方法" in caught.value.errors["method_change_reason"][0]


@pytest.mark.parametrize(
    ("agreement", "message"),
    [
        ({"how": AgreementChannel.PHONE, "on": ""}, "両方を入力"),
        ({"how": "", "on": "2026-11-20"}, "両方を入力"),
        ({"how": "carrier_pigeon", "on": "2026-11-20"}, "両方を入力"),
        ({"how": AgreementChannel.PHONE, "on": "2026-13-40"}, "両方を入力"),
    ],
)
def test_an_agreement_needs_its_day_and_how(agreement, message):
    with pytest.raises(DecisionInvalid) as caught:
        _validate(
            RequestKind.DISCLOSURE,
            Decision.DISCLOSED_FULL,
            details={"method_changed_to_paper": True, "member_agreement": agreement},
        )
    assert message in caught.value.errors["member_agreement"][0]


@pytest.mark.django_db
def test_an_agreement_cannot_be_in_the_future():
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    with pytest.raises(DecisionInvalid) as caught:
        _validate(
            RequestKind.DISCLOSURE,
            Decision.DISCLOSED_FULL,
            details={"method_changed_to_paper": True, "member_agreement": {"how": "phone", "on": tomorrow}},
        )
    assert "未来の日付" in caught.value.errors["member_agreement"][0]


@pytest.mark.django_db
def test_the_agreement_is_recorded_as_an_event_who_when_how(client, member, ga_staff, supervisor):
    dsr = advance(
        submit(member, disclosure_method=DisclosureMethod.ELECTRONIC),
        Status.IN_REVIEW,
        handler=ga_staff,
        approver=supervisor,
    )
    agreed_on = timezone.localdate() - timedelta(days=2)
    client.force_login(ga_staff)
    data = {
        "decision": Decision.DISCLOSED_FULL,
        "method_changed_to_paper": "on",
        "agreement_how": AgreementChannel.PHONE,
        "agreement_on": agreed_on.isoformat(),
        "withheld-TOTAL_FORMS": "0",
        "withheld-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("requests_portal:staff_dsr_decision", args=[dsr.public_id]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = RequestEvent.objects.get(dsr=dsr, event_type=EventType.METHOD_AGREED)
    assert event.actor_id == ga_staff.pk
    assert event.extra == {"how": "phone", "on": agreed_on.isoformat(), "method": "paper"}
    assert not event.member_visible
    assert AuditEntry.objects.filter(action="dsr.method_agreed", actor_id=ga_staff.pk).count() == 1
    dsr.refresh_from_db()
    assert dsr.decision_details["member_agreement"] == {"how": "phone", "on": agreed_on.isoformat()}
    # The staff timeline says when and how.
    page = client.get(reverse("requests_portal:staff_dsr_detail", args=[dsr.public_id])).content.decode()
    assert f"{format_wareki(agreed_on)}、電話で書面による開示に同意" in page


@pytest.mark.django_db
def test_the_form_keeps_the_input_and_asks_for_a_reason_without_an_agreement(client, member, ga_staff, supervisor):
    dsr = advance(
        submit(member, disclosure_method=DisclosureMethod.ELECTRONIC),
        Status.IN_REVIEW,
        handler=ga_staff,
        approver=supervisor,
    )
    client.force_login(ga_staff)
    data = {
        "decision": Decision.DISCLOSED_FULL,
        "method_changed_to_paper": "on",
        "disclosed_items": "共済契約の記録一式",
        "withheld-TOTAL_FORMS": "0",
        "withheld-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("requests_portal:staff_dsr_decision", args=[dsr.public_id]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "同意した日と方法を記録してください" in page
    assert "共済契約の記録一式" in page
    assert not RequestEvent.objects.filter(dsr=dsr, event_type=EventType.METHOD_AGREED).exists()


def _paper_payload(**details) -> dict:
    return {
        "decision": Decision.DISCLOSED_FULL,
        "ground": "",
        "reason": "",
        "details": {"method_changed_to_paper": True, "method_change_reason": "", **details},
        "approved_at": "2026-11-24T15:00:00+09:00",
    }


def test_the_paper_notice_gives_the_reason_not_a_bare_difficulty():
    html = _html(
        RequestKind.DISCLOSURE,
        LetterKind.DISCLOSURE_DECISION,
        _paper_payload(method_change_reason="対象の記録は紙の台帳のみで保管されているため。"),
        disclosure_method=DisclosureMethod.ELECTRONIC,
    )
    assert "下記「開示の方法」に記載の理由により" in html
    assert "書面の交付に変更した理由：対象の記録は紙の台帳のみで保管されているため。" in html
    assert "困難であるため、書面の交付により開示します（" not in html  # the old bare sentence


def test_the_paper_notice_prints_when_and_how_the_member_agreed():
    html = _html(
        RequestKind.DISCLOSURE,
        LetterKind.DISCLOSURE_DECISION,
        _paper_payload(member_agreement={"how": "phone", "on": "2026-11-20"}),
        disclosure_method=DisclosureMethod.ELECTRONIC,
    )
    agreed = f"{format_wareki(date(2026, 11, 20))}に電話により"
    assert f"なお、{agreed}ご了承をいただいたとおり" in html
    assert f"書面の交付への変更について、{agreed}ご了承をいただきました。" in html
    assert "困難" not in html


# --- 3. neither confirm nor deny -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "ground"),
    [
        (RequestKind.DISCLOSURE, StatutoryGround.ORDER5_EXISTENCE),
        (RequestKind.PROVISION_RECORDS, StatutoryGround.ORDER11_EXISTENCE),
        (RequestKind.CORRECTION, StatutoryGround.ORDER5_EXISTENCE),
        (RequestKind.SUSPENSION, StatutoryGround.ORDER5_EXISTENCE),
    ],
)
def test_neither_confirm_nor_deny_cites_its_own_ground_and_a_reason(kind, ground):
    with pytest.raises(DecisionInvalid) as caught:
        _validate(kind, Decision.EXISTENCE_NOT_CONFIRMED)
    assert set(caught.value.errors) == {"ground", "reason"}
    with pytest.raises(DecisionInvalid) as caught:
        _validate(kind, Decision.EXISTENCE_NOT_CONFIRMED, ground=StatutoryGround.NOT_HELD, reason="理由")
    assert "存否を明らかにしない決定の根拠条項" in caught.value.errors["ground"][0]
    assert _validate(kind, Decision.EXISTENCE_NOT_CONFIRMED, ground=ground, reason="理由") == {}
    assert LETTER_FOR_DECISION[Decision.EXISTENCE_NOT_CONFIRMED] == LetterKind.EXISTENCE_NOT_CONFIRMED


def test_the_existence_ground_belongs_to_that_decision_only():
    with pytest.raises(DecisionInvalid) as caught:
        _validate(
            RequestKind.DISCLOSURE, Decision.NOT_DISCLOSED, ground=StatutoryGround.ORDER5_EXISTENCE, reason="理由"
        )
    assert "存否を明らかにしない決定にのみ" in caught.value.errors["ground"][0]
    # The records' ground is not the data's, and the other way round.
    with pytest.raises(DecisionInvalid):
        _validate(
            RequestKind.DISCLOSURE,
            Decision.EXISTENCE_NOT_CONFIRMED,
            ground=StatutoryGround.ORDER11_EXISTENCE,
            reason="理由",
        )
    with pytest.raises(DecisionInvalid):
        _validate(RequestKind.COMPLAINT, Decision.EXISTENCE_NOT_CONFIRMED)


@pytest.mark.parametrize(
    ("kind", "provision"),
    [
        (RequestKind.DISCLOSURE, "第16条第4項及び個人情報の保護に関する法律施行令第5条"),
        (RequestKind.PROVISION_RECORDS, "第33条第5項及び個人情報の保護に関する法律施行令第11条"),
    ],
)
def test_the_neutral_notice_neither_confirms_nor_denies(kind, provision):
    reason = "ご請求の対象となり得る情報の性質上、その存否を答えることで捜査に支障を及ぼすおそれがあるため。"
    payload = {
        "decision": Decision.EXISTENCE_NOT_CONFIRMED,
        "ground": KIND_GROUND[kind],
        "reason": reason,
        "details": {},
        "approved_at": "2026-11-24T15:00:00+09:00",
    }
    html = _html(kind, LetterKind.EXISTENCE_NOT_CONFIRMED, payload)
    assert provision in html
    assert "存否を明らかにしないこととしました" in html
    assert "存在するか否かについては、お答えできません" in html
    assert reason in html
    # Nothing that confirms or denies: no 不存在 wording, no 開示しない wording, no 不開示 title.
    for telling in (
        "保有していません",
        "存在しません",
        "不存在",
        "不開示",
        "開示しないことに決定",
        "開示することに決定",
    ):
        assert telling not in html, telling


KIND_GROUND = {
    RequestKind.DISCLOSURE: StatutoryGround.ORDER5_EXISTENCE,
    RequestKind.PROVISION_RECORDS: StatutoryGround.ORDER11_EXISTENCE,
}


# --- 4. fees only where 第38条 allows them ----------------------------------------------------------


@pytest.mark.parametrize("kind", [RequestKind.CORRECTION, RequestKind.SUSPENSION])
def test_the_model_refuses_a_fee_on_correction_and_suspension(kind):
    fee = FeeSetting(kind=kind, amount_yen=300)
    # The model's own rule (clean), with its Japanese message, not only the database constraint.
    with pytest.raises(ValidationError) as caught:
        fee.clean()
    assert "個人情報保護法第38条" in " ".join(caught.value.message_dict["kind"])
    with pytest.raises(ValidationError) as caught:
        fee.full_clean()
    assert "個人情報保護法第38条" in " ".join(caught.value.message_dict["kind"])


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [RequestKind.CORRECTION, RequestKind.SUSPENSION])
def test_the_database_refuses_a_fee_on_correction_and_suspension(kind):
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeSetting.objects.create(kind=kind, amount_yen=300)
    assert not FeeSetting.objects.filter(kind=kind).exists()


def test_fees_stay_possible_where_the_law_allows_them():
    assert {RequestKind.PURPOSE_NOTICE, RequestKind.DISCLOSURE, RequestKind.PROVISION_RECORDS} == FEE_ELIGIBLE_KINDS
    for kind in FEE_ELIGIBLE_KINDS:
        FeeSetting(kind=kind, amount_yen=300).clean()


# --- 6. the approver sees the letter ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_approval_page_shows_the_notice_approval_will_issue(client, member, ga_staff, supervisor):
    dsr = advance(
        submit(member, disclosure_method=DisclosureMethod.ELECTRONIC),
        Status.AWAITING_APPROVAL,
        handler=ga_staff,
        approver=supervisor,
    )
    client.force_login(supervisor)
    for action in ("approve", "return"):
        page = client.get(reverse(f"requests_portal:staff_dsr_{action}", args=[dsr.public_id])).content.decode()
        assert "決裁により発行される通知書（案）" in page
        assert 'class="letter-preview"' in page
        assert "保有個人データ一部開示決定通知書" in page
        assert "第三者の情報を含むため" in page
        assert "第33条第2項第1号" in page
        assert "文書番号は決裁後に付番" in page
        assert '<h1 class="subject">' not in page  # one h1 per page: the letter's title is below it
    # Nothing is numbered or stored by looking.
    assert not Letter.objects.filter(dsr=dsr, kind=LetterKind.DISCLOSURE_DECISION).exists()


@pytest.mark.django_db
def test_the_draft_notice_follows_the_draft(client, member, ga_staff, supervisor):
    dsr = submit(member, kind=RequestKind.SUSPENSION, details=ERASE_ASKED)
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    services.dsr_draft_decision(
        dsr=dsr,
        actor=ga_staff,
        decision=Decision.USE_SUSPENDED,
        ground=StatutoryGround.ART35_SUBSTITUTE,
        reason="法令上の保存期間中のため。",
    )
    client.force_login(supervisor)
    page = client.get(reverse("requests_portal:staff_dsr_approve", args=[dsr.public_id])).content.decode()
    assert "保有個人データ利用停止等決定通知書" in page
    assert "ご請求の措置（消去）に代えて" in page
    assert "法令上の保存期間中のため。" in page

"""Every refusal or partial notice prints the decision's general reason (the one the draft form
says the requester is shown), and a partial disclosure prints each withheld row's ground and reason too."""

import re

import pytest

from requests_portal.letters.kinds import notice_for
from requests_portal.letters.samples import Sample, sample_source
from requests_portal.models import Decision, DisclosureMethod, LetterKind, RequestKind, StatutoryGround

pytestmark = pytest.mark.django_db

GENERAL = "ご請求の記録には他の組合員の情報が含まれるため、その部分を開示しません。"


def _text(sample: Sample) -> str:
    html = notice_for(sample_source(sample)).html()
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def _payload(decision: str, ground: str, **details) -> dict:
    return {"decision": decision, "ground": ground, "reason": GENERAL, "details": details}


def test_partial_disclosure_prints_the_general_reason_and_every_rows_own_reason():
    withheld = [
        {"item": "苦情記録中の他の組合員の氏名", "ground": StatutoryGround.ART33_2_1, "reason": "第三者の氏名のため"},
        {"item": "審査担当者の所見", "ground": StatutoryGround.ART33_2_2, "reason": "業務の適正な実施に支障があるため"},
    ]
    sample = Sample(
        "partial", LetterKind.DISCLOSURE_DECISION, RequestKind.DISCLOSURE,
        payload=_payload(Decision.DISCLOSED_PARTIAL, StatutoryGround.ART33_2_1, withheld_items=withheld),
        disclosure_method=DisclosureMethod.ELECTRONIC, fee_yen=300,
    )  # fmt: skip
    text = _text(sample)
    assert "保有個人データ一部開示決定通知書" in text
    assert f"理由：{GENERAL}" in text
    for row in withheld:
        assert row["item"] in text
        assert row["reason"] in text
    assert "第33条第2項第1号" in text
    assert "第33条第2項第2号" in text


def test_rows_without_their_own_reason_carry_the_general_one_once():
    withheld = [{"item": "他の組合員の氏名", "ground": StatutoryGround.ART33_2_1, "reason": ""}]
    sample = Sample(
        "partial-general", LetterKind.DISCLOSURE_DECISION, RequestKind.DISCLOSURE,
        payload=_payload(Decision.DISCLOSED_PARTIAL, StatutoryGround.ART33_2_1, withheld_items=withheld),
        disclosure_method=DisclosureMethod.PAPER,
    )  # fmt: skip
    text = _text(sample)
    assert text.count(GENERAL) == 1  # in the row's 理由 cell
    assert "他の組合員の氏名" in text


@pytest.mark.parametrize(
    ("decision", "letter_kind", "request_kind", "ground"),
    [
        (Decision.NOT_DISCLOSED, LetterKind.NON_DISCLOSURE, RequestKind.DISCLOSURE, StatutoryGround.ART33_2_2),
        (Decision.NOT_CORRECTED, LetterKind.CORRECTION_REFUSED, RequestKind.CORRECTION, StatutoryGround.ART34_PURPOSE),
        (Decision.NOT_SUSPENDED, LetterKind.SUSPENSION_REFUSED, RequestKind.SUSPENSION,
         StatutoryGround.ART35_NOT_ESTABLISHED),
    ],
)  # fmt: skip
def test_refusal_notices_print_the_general_reason(decision, letter_kind, request_kind, ground):
    text = _text(Sample(decision, letter_kind, request_kind, payload=_payload(decision, ground)))
    assert f"理由：{GENERAL}" in text
    assert str(StatutoryGround(ground).label).replace(" ", "") in text


def test_typed_text_is_printed_with_full_width_brackets_and_commas():
    """NFKC stored "(PDF)" and "a, b"; the notice prints them as a Japanese document would."""
    withheld = [{"item": "審査記録(他の組合員の氏名)", "ground": StatutoryGround.ART33_2_1, "reason": "氏名, 住所"}]
    sample = Sample(
        "partial-typeset", LetterKind.DISCLOSURE_DECISION, RequestKind.DISCLOSURE,
        payload=_payload(Decision.DISCLOSED_PARTIAL, StatutoryGround.ART33_2_1, withheld_items=withheld),
        disclosure_method=DisclosureMethod.PAPER,
    )  # fmt: skip
    text = _text(sample)
    assert "審査記録（他の組合員の氏名）" in text
    assert "氏名、住所" in text
    assert "(" not in text

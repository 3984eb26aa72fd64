"""Every notice kind, and one notice per decision code, renders to a real PDF in the embedded face.

Text extraction alone proves nothing about glyphs (a box still extracts as its character),
so each PDF is also checked for its fonts: only our family, embedded, the Noto Serif JP
file, every glyph present, and no WeasyPrint warning at all while rendering.
"""

import logging
from datetime import date

import pytest

from requests_portal.decisions import LETTER_FOR_DECISION, validate_decision
from requests_portal.letters.kinds import NOTICES, missing_kinds, notice_for
from requests_portal.letters.renderer import render_pdf
from requests_portal.letters.samples import SAMPLES, Sample, sample_source
from requests_portal.models import DECISIONS_BY_KIND, Decision, LetterKind, RequestKind, StatutoryGround
from requests_portal.wareki import format_wareki
from tests.requests_portal.letters.pdf_checks import assert_only_our_font, page_count, pdf_text, squash

pytestmark = pytest.mark.slow

ISSUED = format_wareki(date(2026, 11, 25))


def _render(source, caplog) -> bytes:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf(notice_for(source).html())
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert warnings == [], warnings
    return pdf


def test_every_letter_kind_has_a_notice_class():
    assert missing_kinds() == []
    assert set(NOTICES) == set(LetterKind.values)


def test_every_letter_kind_has_a_sample():
    assert {sample.kind for sample in SAMPLES} == set(LetterKind.values)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.slug for s in SAMPLES])
def test_sample_notice_renders_with_its_facts(sample: Sample, caplog):
    source = sample_source(sample)
    pdf = _render(source, caplog)
    text = pdf_text(pdf)

    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == sample.expected_pages
    assert squash(format_wareki(source.issued_on)) in text  # 和暦 date of issue
    assert squash(source.document_number) in text  # 文書番号
    assert squash(source.member.full_name) in text or squash(source.dsr.agent_name) in text
    assert "様" in text
    assert "記" in text
    assert "以上" in text
    assert "お問い合わせ先" in text
    assert "苦情の申出先" in text
    for phrase in sample.decision_text:
        assert squash(phrase) in text, phrase
    reason = sample.payload.get("reason")
    if reason:
        assert squash(reason) in text  # Art. 36: the reason is printed
    assert_only_our_font(pdf)


def _draft(decision: str) -> tuple[str, dict]:
    """A valid draft for `decision` (grounds, reasons and details as the staff form requires)."""
    kind = next(k for k, decisions in DECISIONS_BY_KIND.items() if decision in decisions)
    ground, reason, details = "", "", {}
    grounds = {
        Decision.PURPOSE_NOT_NOTIFIED: StatutoryGround.ART32_2_I,
        Decision.NOT_DISCLOSED: StatutoryGround.ART33_2_2,
        Decision.RECORD_NOT_DISCLOSED: StatutoryGround.ART33_2_3,
        Decision.DISCLOSED_PARTIAL: StatutoryGround.ART33_2_1,
        Decision.RECORD_DISCLOSED_PARTIAL: StatutoryGround.ART33_2_1,
        Decision.METHOD_CHANGED_TO_PAPER: StatutoryGround.ART33_2_PAPER,
        Decision.RECORD_METHOD_CHANGED_TO_PAPER: StatutoryGround.ART33_2_PAPER,
        Decision.OTHER_LAW_PROCEDURE: StatutoryGround.ART33_4,
        Decision.RECORD_OTHER_LAW_PROCEDURE: StatutoryGround.ART33_4,
        Decision.NOT_HELD: StatutoryGround.NOT_HELD,
        Decision.RECORD_NOT_HELD: StatutoryGround.NOT_HELD,
        Decision.PARTIALLY_CORRECTED: StatutoryGround.ART34_FACTUAL,
        Decision.NOT_CORRECTED: StatutoryGround.ART34_PURPOSE,
        Decision.SUBSTITUTE_MEASURE: StatutoryGround.ART35_SUBSTITUTE,
        Decision.NOT_SUSPENDED: StatutoryGround.ART35_NOT_ESTABLISHED,
        Decision.REQUEST_INCOMPLETE: StatutoryGround.ART37_PROCEDURE,
        Decision.IDENTITY_NOT_VERIFIED: StatutoryGround.ART37_PROCEDURE,
        Decision.AGENT_AUTHORITY_NOT_SHOWN: StatutoryGround.ART37_PROCEDURE,
        Decision.EXISTENCE_NOT_CONFIRMED: StatutoryGround.ORDER5_EXISTENCE,
    }
    if decision in grounds:
        ground, reason = grounds[decision], f"決定「{Decision(decision).label}」の理由を具体的に記載します。"
    if decision in (Decision.DISCLOSED_PARTIAL, Decision.RECORD_DISCLOSED_PARTIAL):
        details["withheld_items"] = [{"item": "他の組合員の氏名", "ground": StatutoryGround.ART33_2_1}]
    if decision in (Decision.METHOD_CHANGED_TO_PAPER, Decision.RECORD_METHOD_CHANGED_TO_PAPER):
        details["method_change_reason"] = "紙の台帳でのみ保管しているため"
    if decision in (Decision.CORRECTED, Decision.ADDED, Decision.DELETED, Decision.PARTIALLY_CORRECTED):
        details["corrections"] = [{"field": "住所", "old": "旧住所", "new": "新住所"}]
    if decision == Decision.SUBSTITUTE_MEASURE:
        details["substitute_measure"] = "当該データの利用を停止し閲覧者を限定しました"
    if decision == Decision.ANSWERED:
        details["answer"] = "ご指摘について対応しました。"
    cleaned = validate_decision(kind=kind, decision=decision, ground=ground, reason=reason, details=details)
    payload = {"decision": decision, "ground": ground, "reason": reason, "details": cleaned}
    return kind, payload


EXPECTED_TITLE = {
    Decision.PURPOSE_NOTIFIED: "保有個人データの利用目的通知書",
    Decision.PURPOSE_NOT_NOTIFIED: "保有個人データの利用目的を通知しない旨の通知書",
    Decision.DISCLOSED_FULL: "保有個人データ開示決定通知書",
    Decision.DISCLOSED_PARTIAL: "保有個人データ一部開示決定通知書",
    Decision.METHOD_CHANGED_TO_PAPER: "保有個人データ開示決定通知書",
    Decision.NOT_DISCLOSED: "保有個人データ不開示決定通知書",
    Decision.OTHER_LAW_PROCEDURE: "保有個人データの開示の請求について（通知）",
    Decision.NOT_HELD: "保有個人データ不存在通知書",
    Decision.RECORD_DISCLOSED_FULL: "第三者提供記録開示決定通知書",
    Decision.RECORD_DISCLOSED_PARTIAL: "第三者提供記録一部開示決定通知書",
    Decision.RECORD_METHOD_CHANGED_TO_PAPER: "第三者提供記録開示決定通知書",
    Decision.RECORD_NOT_DISCLOSED: "第三者提供記録不開示決定通知書",
    Decision.RECORD_OTHER_LAW_PROCEDURE: "第三者提供記録の開示の請求について（通知）",
    Decision.RECORD_NOT_HELD: "第三者提供記録不存在通知書",
    Decision.EXISTENCE_NOT_CONFIRMED: "保有個人データの開示の請求について（通知）",
    Decision.CORRECTED: "保有個人データ訂正等決定通知書",
    Decision.ADDED: "保有個人データ訂正等決定通知書",
    Decision.DELETED: "保有個人データ訂正等決定通知書",
    Decision.PARTIALLY_CORRECTED: "保有個人データ訂正等決定通知書",
    Decision.NOT_CORRECTED: "保有個人データの訂正等を行わない旨の通知書",
    Decision.USE_SUSPENDED: "保有個人データ利用停止等決定通知書",
    Decision.ERASED: "保有個人データ利用停止等決定通知書",
    Decision.PROVISION_STOPPED: "保有個人データ利用停止等決定通知書",
    Decision.SUBSTITUTE_MEASURE: "保有個人データ利用停止等決定通知書",
    Decision.NOT_SUSPENDED: "保有個人データの利用停止等を行わない旨の通知書",
    Decision.ANSWERED: "苦情・ご相談について（回答）",
    Decision.REQUEST_INCOMPLETE: "ご請求の手続について（通知）",
    Decision.IDENTITY_NOT_VERIFIED: "本人確認ができなかった旨の通知書",
    Decision.AGENT_AUTHORITY_NOT_SHOWN: "代理権を確認できなかった旨の通知書",
}


def test_every_decision_with_a_letter_has_an_expected_title():
    assert set(EXPECTED_TITLE) == set(LETTER_FOR_DECISION)


@pytest.mark.parametrize("decision", sorted(LETTER_FOR_DECISION))
def test_one_notice_per_decision_code(decision: str, caplog):
    kind, payload = _draft(decision)
    sample = Sample(decision, LETTER_FOR_DECISION[decision], kind, payload=payload, fee_yen=300)
    source = sample_source(sample)
    pdf = _render(source, caplog)
    text = pdf_text(pdf)
    assert squash(EXPECTED_TITLE[decision]) in text
    assert squash(ISSUED) in text
    assert squash(source.document_number) in text
    if payload["ground"] == StatutoryGround.NOT_HELD:
        assert "保有していません" in text  # the finding itself is the ground
        assert squash(payload["reason"]) in text
    elif payload["ground"]:
        label = str(StatutoryGround(payload["ground"]).label)
        assert squash(label) in text  # the statutory ground, cited
        assert squash(payload["reason"]) in text  # and the reason (Art. 36)
    for row in payload["details"].get("corrections", []):
        assert squash(row["new"]) in text  # Art. 34(3): what was corrected
    if measure := payload["details"].get("substitute_measure"):
        assert squash(measure) in text
    for row in payload["details"].get("withheld_items", []):
        assert squash(row["item"]) in text
    assert page_count(pdf) in (1, 2)
    assert_only_our_font(pdf)


def test_my_number_answer_comes_from_the_my_number_desk(caplog):
    sample = next(s for s in SAMPLES if s.request_kind == RequestKind.MY_NUMBER_INQUIRY)
    text = pdf_text(_render(sample_source(sample), caplog))
    assert "警生協個第42号" in text
    assert "マイナンバー担当" in text
    # the My Number desk's contact, not 総務部's, and the policy's inquiry number
    assert squash("警察職員生活協同組合 マイナンバー担当") in squash(text)
    assert squash("警察職員生活協同組合 総務部") not in squash(text)
    assert "0120-983-110" in text


def test_legal_representative_receives_the_notice_for_the_member(caplog):
    sample = next(s for s in SAMPLES if s.slug == "acknowledgement-agent")
    text = pdf_text(_render(sample_source(sample), caplog))
    assert squash("髙橋 花子 様") in text
    assert squash("髙橋 一郎 様の法定代理人") in text


def test_appointed_agent_request_is_answered_to_the_agent_unless_the_member_asked(caplog):
    sample = next(s for s in SAMPLES if s.slug == "agent-authority-not-shown")
    source = sample_source(sample)
    text = pdf_text(_render(source, caplog))
    assert squash("髙橋 花子 様（髙橋 一郎様の代理人）") in text
    source.dsr.letters_to_member = True
    text = pdf_text(_render(source, caplog))
    assert squash("髙橋 一郎 様") in text
    assert squash("様の代理人") not in text


def test_a_my_number_in_case_text_never_reaches_the_notice(caplog):
    sample = next(s for s in SAMPLES if s.slug == "answer-complaint")
    source = sample_source(sample)
    source.dsr.summary = "番号 1234 5678 9018 について"  # a checksum-valid My Number
    html = notice_for(source).html()
    assert "1234 5678 9018" not in html
    assert "************" in html

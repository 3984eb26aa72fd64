"""The records notice (法第33条第5項) prints exactly the records staff chose to disclose on the
case, every column the rules require, and each withheld record with its ground and reason.

The table is read back cell by cell from the notice's HTML, so blanking any printed column (or
printing a withheld record) fails here."""

from datetime import date
from html.parser import HTMLParser

import pytest

from django.utils import timezone

from requests_portal.decisions import DecisionInvalid
from requests_portal.exceptions import DomainError
from requests_portal.letters import services as letters
from requests_portal.letters.kinds import RECORD_COLUMNS, cite, notice_for
from requests_portal.letters.sources import load_source
from requests_portal.models import Decision, LetterKind, ProvisionRecord, RequestKind, Status, StatutoryGround
from requests_portal.services import dsr_approve_decision, dsr_draft_decision
from requests_portal.services.provision_records import (
    ProvisionChoicesInvalid,
    RecordChoice,
    dsr_choose_provision_records,
)
from requests_portal.wareki import format_wareki
from tests.factories import advance, submit

pytestmark = pytest.mark.django_db


class Tables(HTMLParser):
    """Every <table> of a page as a list of rows of cell texts (<br> read as a line break)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> list[list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def make(member, number: str, occurred_on: date, **fields) -> ProvisionRecord:
    values = {
        "direction": ProvisionRecord.Direction.PROVIDED,
        "third_party_name": "株式会社共済サービス",
        "third_party_address": "東京都港区芝公園1-1-1",
        "third_party_representative": "代表取締役 鈴木 一郎",
        "data_items": "氏名、住所、共済契約番号",
        "consent_obtained": True,
        "legal_basis": "consent",
    } | fields
    return ProvisionRecord.objects.create(member=member, source_ref=number, occurred_on=occurred_on, **values)


@pytest.fixture
def records(member):
    return {
        "consent": make(member.member, "PR-1", date(2026, 10, 1)),
        "opt_out": make(
            member.member,
            "PR-2",
            date(2026, 9, 15),
            direction=ProvisionRecord.Direction.RECEIVED,
            third_party_name="名簿販売株式会社",
            third_party_address="大阪府大阪市北区梅田2-2-2",
            third_party_representative="",
            data_items="氏名、電話番号",
            consent_obtained=False,
            legal_basis="opt_out",
            acquisition_method="同社が公開名簿から取得したもの",
            opt_out_published=True,
        ),
        "statutory": make(
            member.member,
            "PR-3",
            date(2026, 8, 1),
            third_party_name="横浜市健康福祉局",
            third_party_address="神奈川県横浜市中区本町6-50-10",
            third_party_representative="",
            data_items="氏名、生年月日",
            consent_obtained=False,
            legal_basis="other",
            statutory_basis="感染症法第15条に基づく調査",
        ),
        "withheld": make(member.member, "PR-4", date(2026, 7, 1), third_party_name="秘匿すべき取引先株式会社"),
    }


def _decided_notice(dsr, ga_staff, supervisor, **decision) -> tuple[str, dict]:
    dsr_draft_decision(dsr=dsr, actor=ga_staff, **decision)
    dsr_approve_decision(dsr=dsr, actor=supervisor)
    letter = dsr.letters.get(kind=LetterKind.DISCLOSURE_DECISION)
    assert letters.letter_render(letter_id=letter.pk) == letters.RENDERED
    letter.refresh_from_db()
    html = notice_for(load_source(letter, issued_on=timezone.localdate())).html()
    return html, letter.payload


WITHHELD_REASON = "取引先との契約上の守秘義務があり、開示すると取引先の権利利益を害するおそれがあるため"


def test_the_notice_prints_exactly_the_disclosed_records_with_every_column(member, ga_staff, supervisor, records):
    dsr = submit(member, kind=RequestKind.PROVISION_RECORDS, disclosure_method="electronic")
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    withheld = RecordChoice(withheld=True, ground=StatutoryGround.ART33_2_2, reason=WITHHELD_REASON)
    assert dsr_choose_provision_records(dsr=dsr, actor=ga_staff, choices={records["withheld"].pk: withheld}) == (3, 1)

    # Disclosing everything while a record is withheld is refused.
    with pytest.raises(DecisionInvalid) as refused:
        dsr_draft_decision(dsr=dsr, actor=ga_staff, decision=Decision.RECORD_DISCLOSED_FULL)
    assert "decision" in refused.value.errors

    html, payload = _decided_notice(
        dsr,
        ga_staff,
        supervisor,
        decision=Decision.RECORD_DISCLOSED_PARTIAL,
        ground=StatutoryGround.ART33_2_2,
        reason="取引先との契約上の守秘義務のため",
    )
    tables = tables_of(html)
    records_table = next(table for table in tables if tuple(table[0]) == RECORD_COLUMNS)
    consent, opt_out, statutory = records["consent"], records["opt_out"], records["statutory"]
    assert records_table[1:] == [
        [
            format_wareki(statutory.occurred_on),
            "第三者への提供",
            "横浜市健康福祉局\n神奈川県横浜市中区本町6-50-10",
            "氏名、生年月日",
            "法令に基づく提供：感染症法第15条に基づく調査",
            "―",
        ],
        [
            format_wareki(opt_out.occurred_on),
            "第三者からの受領",
            "名簿販売株式会社\n大阪府大阪市北区梅田2-2-2",
            "氏名、電話番号",
            "オプトアウトによる提供（法第27条第2項）\n公表されている旨：確認済み（法第27条第4項）",
            "同社が公開名簿から取得したもの",
        ],
        [
            format_wareki(consent.occurred_on),
            "第三者への提供",
            "株式会社共済サービス\n東京都港区芝公園1-1-1\n代表者：代表取締役 鈴木 一郎",
            "氏名、住所、共済契約番号",
            "本人の同意あり",
            "―",
        ],
    ]
    assert "秘匿すべき取引先株式会社" not in repr(records_table)
    assert [r["third_party_name"] for r in payload["provision_records"]] == [
        "横浜市健康福祉局",
        "名簿販売株式会社",
        "株式会社共済サービス",
    ]

    withheld_table = next(table for table in tables if table[0] == ["開示しない部分", "根拠", "理由"])
    assert withheld_table[1:] == [
        [
            f"{format_wareki(date(2026, 7, 1))}の第三者への提供の記録（秘匿すべき取引先株式会社）",
            cite(StatutoryGround.ART33_2_2),
            WITHHELD_REASON,
        ]
    ]


def test_without_choices_every_record_of_the_member_is_disclosed(member, ga_staff, supervisor, records):
    dsr = submit(member, kind=RequestKind.PROVISION_RECORDS, disclosure_method="electronic")
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    _html, payload = _decided_notice(dsr, ga_staff, supervisor, decision=Decision.RECORD_DISCLOSED_FULL)
    assert len(payload["provision_records"]) == 4


def test_a_withheld_record_needs_a_ground_and_a_reason_and_choices_lock_after_the_draft(
    member, ga_staff, supervisor, records
):
    dsr = submit(member, kind=RequestKind.PROVISION_RECORDS, disclosure_method="electronic")
    advance(dsr, Status.IN_REVIEW, handler=ga_staff, approver=supervisor)
    with pytest.raises(ProvisionChoicesInvalid) as invalid:
        dsr_choose_provision_records(
            dsr=dsr, actor=ga_staff, choices={records["withheld"].pk: RecordChoice(withheld=True)}
        )
    assert len(invalid.value.errors[records["withheld"].pk]) == 2
    assert not dsr.provision_record_choices.exists()

    dsr_draft_decision(dsr=dsr, actor=ga_staff, decision=Decision.RECORD_DISCLOSED_FULL)
    with pytest.raises(DomainError):
        dsr_choose_provision_records(
            dsr=dsr, actor=ga_staff, choices={records["consent"].pk: RecordChoice(withheld=False)}
        )

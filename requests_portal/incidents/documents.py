"""The register's PDFs, through the letters machinery (letters/renderer.render_pdf): the 速報
and the 確報 to the 個人情報保護委員会 (規則第8条), and the notice to each affected member
(個人情報保護法第26条第2項, 規則第10条). One class per document, like letters/kinds.py.

They are Japanese legal documents: always rendered in Japanese, dates in 和暦.
"""

from datetime import date
from typing import ClassVar

from django.template.loader import render_to_string
from django.utils import timezone, translation

from requests_portal.letters.kinds import Item, Party, typeset
from requests_portal.letters.renderer import render_pdf
from requests_portal.models import (
    Incident,
    IncidentCertainty,
    IncidentNotice,
    IncidentReport,
    OrganisationProfile,
    ReportStage,
)
from requests_portal.mynumber import mask_my_numbers
from requests_portal.wareki import format_wareki

TEMPLATE = "requests_portal/incidents/document.html"
# Their own 文書番号 series (per fiscal year), apart from the request notices' series.
DOCUMENT_PREFIX = {False: "警生協情", True: "警生協個情"}
RECIPIENT = "個人情報保護委員会"
OPEN_ITEM = "調査中（判明次第、確報にて報告します。）"


def certainty_phrase(incident: Incident) -> str:
    return "発生しました" if incident.certainty == IncidentCertainty.ACTUAL else "発生したおそれがあります"


def document_prefix(incident: Incident) -> str:
    return DOCUMENT_PREFIX[incident.is_my_number]


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(typeset(line) for line in (text or "").splitlines() if line.strip())


class IncidentDocument:
    """The shared shape: number and date, addressee, sender, title, body, 記 items, contact."""

    template: ClassVar[str] = TEMPLATE
    addressee_suffix: ClassVar[str] = "様"

    def __init__(self, incident: Incident, *, document_number: str, issued_on: date | None = None) -> None:
        self.incident = incident
        self.document_number = document_number
        self.issued_on = issued_on or timezone.localdate()
        self.profile = OrganisationProfile.load()

    def sender(self) -> dict[str, str]:
        profile = self.profile
        if self.incident.is_my_number:
            line = f"{profile.mynumber_sender_department}　{profile.mynumber_sender_title}"
        else:
            line = f"{profile.sender_department}　{profile.sender_title}"
        return {"organisation": profile.name, "line": line}

    def addressee(self) -> Party:
        raise NotImplementedError

    def title(self) -> str:
        raise NotImplementedError

    def body(self) -> list[str]:
        raise NotImplementedError

    def items(self) -> list[Item]:
        raise NotImplementedError

    def contacts(self) -> list[tuple[str, tuple[str, ...]]]:
        desk = self.profile.mynumber_contact if self.incident.is_my_number else self.profile.ga_contact
        lines = _paragraphs(desk) or (f"{self.profile.name}　{self.sender()['line']}",)
        return [("お問い合わせ先", lines)]

    def context(self) -> dict:
        return {
            "title": self.title(),
            "document_number": self.document_number,
            "issued_on": format_wareki(self.issued_on),
            "addressee": self.addressee(),
            "addressee_suffix": self.addressee_suffix,
            "sender": self.sender(),
            "seal_note": self.profile.seal_note,
            "body": self.body(),
            "items": self.items(),
            "contacts": self.contacts(),
        }

    def html(self) -> str:
        with translation.override("ja"):
            html = render_to_string(self.template, self.context())
        return mask_my_numbers(html)

    def pdf(self) -> bytes:
        return render_pdf(self.html())


class IncidentReportDocument(IncidentDocument):
    """The 速報 or 確報 with the nine items of 規則第8条第1項."""

    addressee_suffix = "御中"
    HEADINGS = (
        ("summary", "概要"),
        ("data_items", "漏えい等が発生し、又は発生したおそれがある個人データの項目"),
        ("people", "漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数"),
        ("cause", "原因"),
        ("secondary_harm", "二次被害又はそのおそれの有無及びその内容"),
        ("response_to_persons", "本人への対応の実施状況"),
        ("publication", "公表の実施状況"),
        ("recurrence_prevention", "再発防止のための措置"),
        ("other", "その他参考となる事項"),
    )

    def __init__(self, report: IncidentReport) -> None:
        super().__init__(report.incident, document_number=report.document_number)
        self.report = report

    @property
    def stage_label(self) -> str:
        return "速報" if self.report.stage == ReportStage.PRELIMINARY else "確報"

    def addressee(self) -> Party:
        return Party(postal_code="", address="", name=RECIPIENT)

    def title(self) -> str:
        kind = "特定個人情報" if self.incident.is_my_number else "個人データ"
        return f"{kind}の漏えい等に関する報告（{self.stage_label}）"

    def body(self) -> list[str]:
        law = (
            "行政手続における特定の個人を識別するための番号の利用等に関する法律第29条の4第1項"
            if self.incident.is_my_number
            else "個人情報の保護に関する法律第26条第1項"
        )
        return [
            f"{format_wareki(self.incident.known_on)}に当組合が知った事態（事案番号：{self.incident.reference}）について、"
            f"{law}の規定により、下記のとおり報告します。"
        ]

    def items(self) -> list[Item]:
        items = []
        for name, heading in self.HEADINGS:
            text = getattr(self.report, name)
            items.append(Item(heading, _paragraphs(text) or (OPEN_ITEM,)))
        return items


class IncidentNoticeDocument(IncidentDocument):
    """The notice to an affected member (規則第10条: 概要, 項目, 原因, 二次被害, その他)."""

    def __init__(self, notice: IncidentNotice) -> None:
        super().__init__(notice.incident, document_number=notice.document_number)
        self.member = notice.member

    def addressee(self) -> Party:
        return Party(postal_code=self.member.postal_code, address=self.member.address, name=self.member.full_name)

    def title(self) -> str:
        kind = "特定個人情報" if self.incident.is_my_number else "個人情報"
        return f"あなたの{kind}の漏えい等に関するお知らせとお詫び"

    def body(self) -> list[str]:
        return [
            "平素より当組合の事業にご理解とご協力を賜り、厚く御礼申し上げます。",
            "このたび、当組合が取り扱うあなたの個人情報について、下記の事態が発生し、又は発生したおそれがあることが"
            "判明しました。ご迷惑とご心配をおかけしますことを深くお詫び申し上げます。"
            "個人情報の保護に関する法律第26条第2項の規定により、下記のとおりお知らせします。",
        ]

    def items(self) -> list[Item]:
        incident = self.incident
        kinds = "・".join(incident.category_labels) or "漏えい等"
        summary = [f"{incident.title}（{kinds}が{certainty_phrase(incident)}）"]
        if incident.occurred_at:
            summary.append(f"発生日：{format_wareki(timezone.localdate(incident.occurred_at))}")
        summary.append(f"当組合が知った日：{format_wareki(incident.known_on)}")
        other = ["不審な連絡等がありましたら、下記のお問い合わせ先までご連絡ください。"]
        if incident.containment:
            other = [*_paragraphs(incident.containment), *other]
        return [
            Item("概要", tuple(typeset(line) for line in summary)),
            Item(
                "漏えい等が発生し、又は発生したおそれがある個人情報の項目",
                _paragraphs(incident.data_items) or ("調査中",),
            ),
            Item("原因", _paragraphs(incident.cause) or ("調査中",)),
            Item(
                "二次被害又はそのおそれの有無及びその内容",
                _paragraphs(incident.secondary_harm) or ("現時点で確認されていません。",),
            ),
            Item("その他参考となる事項", tuple(other)),
        ]


def render_report(report: IncidentReport) -> bytes:
    return IncidentReportDocument(report).pdf()


def render_notice(notice: IncidentNotice) -> bytes:
    return IncidentNoticeDocument(notice).pdf()

"""One class per notice kind (docs/legal.md#letter-layout, docs/legal.md#decisions), all printed through one template.

A notice is a function of its `LetterSource`: the title (件名), the opening sentence that
names the request answered, the numbered items under 記, and, for every refusal or partial
decision, the statutory ground and the reason (個人情報保護法第36条; docs/legal.md#art-36).

Letters are Japanese legal documents: they are always rendered in Japanese
(`translation.override("ja")`) whatever language the reader uses on the portal, so their
wording is written here and in the template rather than in the translation catalogue.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import ClassVar

from django.template.loader import render_to_string
from django.utils import timezone, translation

from requests_portal.decisions import PAPER_DECISIONS, PARTIAL_DECISIONS
from requests_portal.letters.sources import LetterSource
from requests_portal.models import (
    AGENT_REQUESTER_TYPES,
    AgreementChannel,
    Channel,
    DataSubjectRequest,
    Decision,
    DisclosureMethod,
    IdentityMethod,
    IdentityResult,
    Letter,
    LetterKind,
    Member,
    OrganisationProfile,
    RequesterType,
    RequestKind,
    StatutoryGround,
    SuspensionGround,
    SuspensionMeasure,
)
from requests_portal.models.request_kinds import LAW, KindSpec, spec_for
from requests_portal.mynumber import mask_my_numbers
from requests_portal.notifications import routes_to_agent
from requests_portal.wareki import format_wareki

TEMPLATE = "requests_portal/letters/notice.html"
FRAGMENT_TEMPLATE = "requests_portal/letters/_notice_body.html"
REQUESTER_HEADING = "請求者"
INLINE_HEADING_CHARS = 9

LEGAL_REPRESENTATIVES = frozenset({RequesterType.LEGAL_REP_MINOR, RequesterType.LEGAL_REP_ADULT_GUARDIAN})


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[str, ...] = ()  # CSS widths per column, so dates and short codes do not wrap


@dataclass(frozen=True)
class Item:
    """One numbered item under 記."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    table: Table | None = None
    after: tuple[str, ...] = ()

    @property
    def inline(self) -> bool:
        """Short headings sit beside their content (項目 and 内容 in two columns); long ones above it."""
        return self.table is None and len(self.heading) <= INLINE_HEADING_CHARS


@dataclass(frozen=True)
class Party:
    """The addressee block: 〒, address, and the name the letter is addressed to (with 様)."""

    postal_code: str
    address: str
    name: str
    note: str = ""

    @property
    def postal_display(self) -> str:
        code = "".join(ch for ch in self.postal_code if ch.isdigit())
        return f"〒{code[:3]}-{code[3:]}" if len(code) == 7 else ""


def wareki(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return format_wareki(value)


def cite(ground: str) -> str:
    """A statutory ground as the letter cites it: the law's name before an article number."""
    if ground not in StatutoryGround.values:
        return ""
    label = str(StatutoryGround(ground).label)
    return f"{LAW}{label}" if label.startswith("第") else label


def yen(amount: int) -> str:
    return f"{amount:,}円"


# What people type is stored as typed; where they typed ASCII brackets or comma lists, a formal
# Japanese notice prints them full-width ("記録(PDF)" -> "記録（PDF）", "PDF, CSV" -> "PDF、CSV").
_FULL_WIDTH = str.maketrans({"(": "（", ")": "）"})


def typeset(text: str) -> str:
    return text.translate(_FULL_WIDTH).replace(", ", "、")


def _typeset_item(item: Item) -> Item:
    table = item.table
    if table is not None:
        table = replace(table, rows=tuple(tuple(typeset(cell) for cell in row) for row in table.rows))
    return replace(
        item,
        paragraphs=tuple(typeset(p) for p in item.paragraphs),
        table=table,
        after=tuple(typeset(p) for p in item.after),
    )


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line for line in (text or "").splitlines() if line.strip())


def addressee(source: LetterSource) -> Party:
    """To whom the notice is addressed: the recipient rule (notifications.routes_to_agent,
    docs/legal.md#agents). An agent's letter names both, 「〇〇様（△△様の代理人）」, at the
    agent's address where the request gave one."""
    dsr, member = source.dsr, source.member
    if routes_to_agent(
        requester_type=dsr.requester_type, agent_name=dsr.agent_name, letters_to_member=dsr.letters_to_member
    ):
        postal_code, address = _agent_address(dsr, member)
        return Party(
            postal_code=postal_code,
            address=address,
            name=dsr.agent_name,
            note=f"{member.full_name}様の{_agent_role(dsr)}",
        )
    return Party(postal_code=member.postal_code, address=member.address, name=member.full_name)


def _agent_address(dsr: DataSubjectRequest, member: Member) -> tuple[str, str]:
    """Where the agent's letter goes: the address the request gave; else, for an agent who filed
    with their own portal login, that login's roster address; else the member's."""
    if dsr.agent_address:
        return dsr.agent_postal_code, dsr.agent_address
    filer = dsr.filed_by
    own = getattr(filer, "member", None) if filer is not None else None
    if own is not None and own.pk != member.pk and own.address:
        return own.postal_code, own.address
    return member.postal_code, member.address


def _agent_role(dsr: DataSubjectRequest) -> str:
    return "法定代理人" if dsr.requester_type in LEGAL_REPRESENTATIVES else "代理人"


class Notice:
    """The shared shape of every notice; subclasses supply the title, the body and the items."""

    kind: ClassVar[str]
    # The member mail queued when the letter is issued; None where the business transaction
    # already mailed the member about the same event (submission, 補正, extension) or where
    # issuing the decision notice marks the case notified (that mail is the notice).
    mail_template: ClassVar[str | None] = None

    def __init__(self, source: LetterSource) -> None:
        self.s = source
        self.dsr = source.dsr
        self.payload = source.payload or {}
        self.details: dict = self.payload.get("details") or {}

    # --- facts ---------------------------------------------------------------
    @property
    def decision(self) -> str:
        return self.payload.get("decision", "")

    @property
    def ground(self) -> str:
        return self.payload.get("ground", "")

    @property
    def reason(self) -> str:
        return self.payload.get("reason", "")

    @property
    def request_spec(self) -> KindSpec:
        return spec_for(self.dsr.kind)

    @property
    def is_records(self) -> bool:
        return self.dsr.kind == RequestKind.PROVISION_RECORDS

    @property
    def noun(self) -> str:
        return self.request_spec.letter_noun

    @property
    def received_on(self) -> date:
        return timezone.localdate(self.dsr.received_at)

    def opening(self) -> str:
        """「令和8年1月5日付けで受け付けました…の請求（受付番号：GA-2026-00001）について、」"""
        phrase = self.request_spec.letter_phrase
        return f"{wareki(self.received_on)}付けで受け付けました{phrase}（受付番号：{self.dsr.reference}）について、"

    def decided_on(self) -> date:
        if effective := self.details.get("effective_date"):
            try:
                return date.fromisoformat(str(effective))
            except ValueError:
                pass
        approved = self.payload.get("approved_at")
        return timezone.localdate(datetime.fromisoformat(approved)) if approved else self.s.issued_on

    def request_item(self, heading: str = "請求の内容") -> Item:
        lines = [self.dsr.summary] if self.dsr.summary else []
        lines += list(_lines(self.dsr.description))[:6]
        return Item(heading, tuple(lines) or ("ご請求書に記載のとおり",))

    def requester_item(self) -> Item | None:
        """Who filed, on an agent's request: every notice about it names the agent."""
        dsr = self.dsr
        if dsr.requester_type not in AGENT_REQUESTER_TYPES or not dsr.agent_name:
            return None
        relation = f"、{dsr.agent_relationship}" if dsr.agent_relationship else ""
        return Item(REQUESTER_HEADING, (f"{dsr.get_requester_type_display()}（{dsr.agent_name} 様{relation}）",))

    def reason_item(self, heading: str, *, ground: str | None = None, reason: str | None = None) -> Item:
        """The Art. 36 explanation: the statutory ground and the reason, both printed."""
        ground_text = cite(self.ground if ground is None else ground)
        reason_text = self.reason if reason is None else reason
        paragraphs = []
        if ground_text:
            paragraphs.append(f"根拠：{ground_text}")
        paragraphs.append(f"理由：{reason_text}" if reason_text else "理由：上記の根拠に該当するため")
        return Item(heading, tuple(paragraphs))

    def fee_item(self) -> Item | None:
        if not self.request_spec.fee_eligible:
            return None
        amount = self.dsr.fee_yen or 0
        if amount == 0:
            return Item("手数料", ("無料",))
        paragraphs = [yen(amount)]
        if self.s.fee_payment_methods:
            paragraphs.append(f"お支払方法：{self.s.fee_payment_methods}")
        return Item("手数料", tuple(paragraphs))

    # --- what subclasses provide ----------------------------------------------
    def title(self) -> str:
        raise NotImplementedError

    def body(self) -> list[str]:
        raise NotImplementedError

    def items(self) -> list[Item]:
        raise NotImplementedError

    def closing(self) -> list[str]:
        return []

    # --- rendering -------------------------------------------------------------
    def sender(self) -> dict[str, str]:
        profile = self.s.profile
        restricted = self.dsr.is_restricted
        department = self.dsr.queue.department or (
            profile.mynumber_sender_department if restricted else profile.sender_department
        )
        title = profile.mynumber_sender_title if restricted else profile.sender_title
        name = profile.mynumber_sender_name if restricted else profile.sender_name
        line = title if title.startswith(department) else f"{department}　{title}"
        return {
            "organisation": profile.name,
            "department": department,
            "line": f"{line}　{name}" if name else line,
        }

    def contacts(self) -> list[tuple[str, tuple[str, ...]]]:
        profile = self.s.profile
        sender = self.sender()
        desk = profile.mynumber_contact if self.dsr.is_restricted else profile.ga_contact
        blocks = [("お問い合わせ先", _lines(desk) or (f"{profile.name} {sender['department']}",))]
        complaint = list(_lines(profile.complaint_desk)) or [f"{profile.name} {sender['department']}"]
        complaint += _lines(profile.accredited_organisation)
        blocks.append(("個人情報の取扱いに関する苦情の申出先", tuple(complaint)))
        return blocks

    def replaces(self) -> str:
        if not self.s.replaces_number:
            return ""
        when = f"{wareki(self.s.replaces_date)}付け" if self.s.replaces_date else ""
        return f"本通知書は、{when}{self.s.replaces_number}の通知書に代えて発行するものです。"

    def context(self) -> dict:
        return {
            "title": self.title(),
            "document_number": self.s.document_number,
            "issued_on": wareki(self.s.issued_on),
            "addressee": addressee(self.s),
            "sender": self.sender(),
            "seal_note": self.s.profile.seal_note,
            "body": self.body(),
            "replaces": self.replaces(),
            "items": [_typeset_item(item) for item in self._items_naming_the_requester()],
            "closing": self.closing(),
            "contacts": self.contacts(),
        }

    def _items_naming_the_requester(self) -> list[Item]:
        """The notice's items, with the agent named after the reference number if the kind did
        not place the 請求者 item itself (decision notices, docs/legal.md#agents)."""
        items = [item for item in self.items() if item is not None]
        requester = self.requester_item()
        if requester is None or any(item.heading == REQUESTER_HEADING for item in items):
            return items
        at = next((i + 1 for i, item in enumerate(items) if item.heading == "受付番号"), 0)
        return [*items[:at], requester, *items[at:]]

    def html(self) -> str:
        with translation.override("ja"):
            html = render_to_string(TEMPLATE, self.context())
        # Belt and braces: nothing that reaches a notice may carry a My Number.
        return mask_my_numbers(html)

    def embedded_html(self) -> str:
        """The same notice as a fragment of a staff page (the approval page's draft): the letter's
        own markup, with its headings below the page's."""
        with translation.override("ja"):
            html = render_to_string(FRAGMENT_TEMPLATE, {**self.context(), "embedded": True})
        return mask_my_numbers(html)


class AcknowledgementNotice(Notice):
    kind = LetterKind.ACKNOWLEDGEMENT

    def title(self) -> str:
        return self.request_spec.acknowledgement_title

    def body(self) -> list[str]:
        phrase = self.request_spec.letter_phrase
        return [f"{wareki(self.received_on)}付けで{phrase}を受け付けましたので、下記のとおりお知らせします。"]

    def items(self) -> list[Item]:
        dsr = self.dsr
        channel = str(Channel(dsr.channel).label) if dsr.channel in Channel.values else ""
        items = [
            Item("受付番号", (dsr.reference,)),
            Item("受付日", (f"{wareki(self.received_on)}（{channel}）" if channel else wareki(self.received_on),)),
            Item("請求の種類", (str(dsr.get_kind_display()),)),
            self.request_item(self.request_spec.acknowledgement_heading),
        ]
        if requester := self.requester_item():
            items.append(requester)
        if self.request_spec.checks_identity:
            items.append(Item("本人確認", self._identity_lines()))
        if self.request_spec.discloses_data and dsr.disclosure_method:
            method = str(DisclosureMethod(dsr.disclosure_method).label)
            items.append(
                Item(
                    "ご希望の開示の方法", (method + (f"（{dsr.disclosure_format}）" if dsr.disclosure_format else ""),)
                )
            )
        if fee := self.fee_item():
            items.append(fee)
        items.append(
            Item(
                "回答期限",
                (
                    wareki(dsr.due_date),
                    "補正（追加の書類のご提出など）をお願いした場合やその他やむを得ない事情がある場合は、"
                    "回答期限を変更することがあります。その場合は改めてお知らせします。",
                ),
            )
        )
        return items

    def _identity_lines(self) -> tuple[str, ...]:
        dsr = self.dsr
        lines = []
        if dsr.identity_result == IdentityResult.VERIFIED:
            method = str(IdentityMethod(dsr.identity_method).label) if dsr.identity_method else ""
            lines.append(f"確認済み（{method}）" if method else "確認済み")
        else:
            lines.append("確認中です。書類のご提出などが必要な場合は、改めてご連絡します。")
        if dsr.requester_type in AGENT_REQUESTER_TYPES:
            lines.append("代理権の確認：" + ("確認済み" if dsr.authority_checked_at else "確認中"))
        return tuple(lines)

    def closing(self) -> list[str]:
        if self.dsr.channel == Channel.PORTAL:
            return ["なお、ご請求の状況は、組合員ポータルのご請求のページでもご確認いただけます。"]
        return []


class AmendmentRequestNotice(Notice):
    kind = LetterKind.AMENDMENT_REQUEST

    def title(self) -> str:
        return "ご請求の内容の補正について（お願い）"

    def body(self) -> list[str]:
        return [
            self.opening() + "内容を確認しましたところ、下記の事項について補正（追加の書類のご提出や内容のご確認）"
            "が必要となりました。お手数をおかけしますが、ご回答の期限までにご対応くださいますようお願いいたします。",
            "なお、補正をいただくまでの間、回答期限の計算を停止しています。補正をいただいた日から再開します。",
        ]

    def items(self) -> list[Item]:
        reply_due = self.payload.get("reply_due_date")
        if self.dsr.channel == Channel.PORTAL:
            how: tuple[str, ...] = (
                "組合員ポータルのご請求のページから、メッセージの送信又は書類のアップロードによりご回答ください。",
                "書面で回答される場合は、下記のお問い合わせ先あてに郵送してください。",
            )
        else:
            how = ("必要な書類等を添えて、下記のお問い合わせ先あてに郵送してください。",)
        days = self.s.auto_withdraw_days
        if days > 0:
            lapse = (
                f"ご回答の期限から{days}日を経過してもご回答がない場合は、"
                "ご請求を取り下げられたものとして取り扱います。"
            )
        else:
            lapse = "ご回答の期限を過ぎてもご回答がない場合は、担当者からご連絡することがあります。"
        return [
            Item("補正をお願いする事項", _lines(self.s.amendment_message) or ("別途ご連絡した内容のとおり",)),
            Item("ご回答の期限", (wareki(reply_due),)),
            Item("ご回答の方法", how),
            Item("期限を過ぎた場合の取扱い", (lapse,)),
        ]


class ExtensionNotice(Notice):
    kind = LetterKind.EXTENSION_NOTICE

    def title(self) -> str:
        return "回答期限の延長について（お知らせ）"

    def body(self) -> list[str]:
        return [
            self.opening() + "下記の理由により回答期限を延長しますので、お知らせします。"
            "ご迷惑をおかけしますが、ご理解くださいますようお願いいたします。"
        ]

    def items(self) -> list[Item]:
        return [
            Item("当初の回答期限", (wareki(self.payload.get("previous_due_date")),)),
            Item("延長後の回答期限", (wareki(self.payload.get("new_due_date")),)),
            Item("延長の理由", _lines(self.payload.get("reason", "")) or ("",)),
        ]


# The records table of a records-disclosure notice (個人情報保護委員会規則第20条・第24条).
RECORD_COLUMNS = (
    "年月日",
    "区分",
    "第三者の氏名又は名称・住所・代表者",
    "個人データの項目",
    "同意・提供の根拠",
    "取得の経緯",
)


def _record_basis(record: dict) -> str:
    """The consent or the statutory basis of one provision record (個人情報保護委員会規則第20条
    第1項・第24条第1項), and for an opt-out receipt that the provider's opt-out was published."""
    basis = record.get("legal_basis") or ""
    if basis == "opt_out":
        text = "オプトアウトによる提供（法第27条第2項）"
        if record.get("received") and record.get("opt_out_published"):
            text += "\n公表されている旨：確認済み（法第27条第4項）"
        return text
    if basis == "other":
        return f"法令に基づく提供：{record.get('statutory_basis') or '―'}"
    if basis == "consent" or record.get("consent_obtained") is True:
        return "本人の同意あり"
    return "本人の同意なし" if record.get("consent_obtained") is False else "―"


class DisclosureDecisionNotice(Notice):
    """開示決定 (full or partial), for data or for provision records, possibly on paper."""

    kind = LetterKind.DISCLOSURE_DECISION

    @property
    def partial(self) -> bool:
        return self.decision in PARTIAL_DECISIONS

    @property
    def to_paper(self) -> bool:
        return bool(self.details.get("method_changed_to_paper")) or self.decision in (
            Decision.METHOD_CHANGED_TO_PAPER,
            Decision.RECORD_METHOD_CHANGED_TO_PAPER,
        )

    @property
    def article(self) -> str:
        return f"{LAW}第33条第5項において準用する同条第3項" if self.is_records else f"{LAW}第33条第3項"

    @property
    def disclose_article(self) -> str:
        return f"{LAW}第33条第5項において準用する同条第2項" if self.is_records else f"{LAW}第33条第2項"

    def title(self) -> str:
        return f"{self.noun}{'一部' if self.partial else ''}開示決定通知書"

    def body(self) -> list[str]:
        if self.partial:
            text = f"下記のとおりその一部を開示することに決定しましたので、{self.article}の規定により通知します。"
        else:
            # The full disclosure cites its article too: 第33条第2項, the duty to disclose.
            text = f"{self.disclose_article}の規定により、下記のとおり開示することに決定しましたので、通知します。"
        paragraphs = [self.opening() + text]
        if self.to_paper:
            paragraphs.append(self._paper_sentence())
        return paragraphs

    def _agreement(self) -> str:
        """「令和8年11月20日に電話により」: when and how the member agreed to paper, or ""."""
        agreement = self.details.get("member_agreement") or {}
        how = agreement.get("how")
        if not agreement.get("on") or how not in AgreementChannel.values:
            return ""
        return f"{wareki(agreement['on'])}に{AgreementChannel(how).label}により"

    def _paper_sentence(self) -> str:
        """Why the data comes on paper (第33条第2項ただし書・第3項): the member's agreement, or the
        reason the method asked for is difficult, never a bare 「困難であるため」."""
        article = f"{self.article}の規定により通知します"
        if self.details.get("method_change_reason") or (self.decision in PAPER_DECISIONS and self.reason):
            return (
                "なお、下記「開示の方法」に記載の理由により、ご請求の方法による開示が困難であるため、"
                f"書面の交付により開示することとしましたので、{article}。"
            )
        if agreed := self._agreement():
            return (
                f"なお、{agreed}ご了承をいただいたとおり、ご請求の方法に代えて書面の交付により"
                f"開示しますので、{article}。"
            )
        return f"なお、ご請求の方法に代えて書面の交付により開示しますので、{article}。"

    def items(self) -> list[Item]:
        items = [self._disclosed_item(), self._method_item(), self.fee_item()]
        if self.partial:
            items.append(self._withheld_item())
        return [item for item in items if item is not None]

    def _disclosed_item(self) -> Item:
        heading = f"開示する{self.noun}"
        if self.is_records:
            return self._records_item(heading)
        if text := self.details.get("disclosed_items"):
            return Item(heading, _lines(text))
        where = "同封の書面" if self.to_paper or self.dsr.disclosure_method == DisclosureMethod.PAPER else "開示データ"
        return Item(heading, (f"{where}のとおり（請求の内容：{self.dsr.summary or 'ご請求書に記載のとおり'}）",))

    def _records_item(self, heading: str) -> Item:
        records = self.payload.get("provision_records") or []
        if not records:
            return Item(heading, ("開示データのとおり",))
        rows = []
        for record in records:
            party = "\n".join(
                filter(None, (record["third_party_name"], record["third_party_address"],
                              f"代表者：{record['third_party_representative']}"
                              if record["third_party_representative"] else ""))
            )  # fmt: skip
            rows.append(
                (
                    wareki(record["occurred_on"]),
                    record["direction"],
                    party,
                    record["data_items"],
                    _record_basis(record),
                    record.get("acquisition_method") or "―",
                )
            )
        return Item(
            heading,
            (f"本人を特定するに足りる事項：{self.s.member.full_name}（組合員番号 {self.s.member.member_number}）",),
            Table(
                RECORD_COLUMNS,
                tuple(rows),
                # 区分 holds 「第三者への提供」 and 「第三者からの受領」 on one line; the basis column
                # holds a statutory basis in words, not only 有・無.
                ("19%", "20%", "20%", "14%", "12%", "15%"),
            ),
        )

    def _method_item(self) -> Item:
        dsr = self.dsr
        if self.to_paper:
            requested = str(DisclosureMethod(dsr.disclosure_method).label) if dsr.disclosure_method else "―"
            lines = ["書面の交付（郵送）", f"ご請求の方法：{requested}"]
            method_reason = self.details.get("method_change_reason", "")
            # The proviso is the ground where the method asked for is difficult; a change the
            # member agreed to needs none.
            if method_reason or (self.decision in PAPER_DECISIONS and self.reason):
                lines.append(f"根拠：{cite(StatutoryGround.ART33_2_PAPER)}")
            if method_reason:
                lines.append(f"書面の交付に変更した理由：{method_reason}")
            if agreed := self._agreement():
                lines.append(f"書面の交付への変更について、{agreed}ご了承をいただきました。")
            # For a method-change decision the decision's own reason is about the method too.
            if self.decision in PAPER_DECISIONS and self.reason and self.reason != method_reason:
                lines.append(f"理由：{self.reason}")
            return Item("開示の方法", tuple(lines))
        if dsr.disclosure_method == DisclosureMethod.ELECTRONIC:
            fmt = dsr.disclosure_format or self.s.profile.electronic_formats
            until = self.s.issued_on + timedelta(days=self.s.download_days)
            return Item(
                "開示の方法",
                (
                    f"電磁的記録の提供（組合員ポータルからのダウンロード、形式：{fmt}）",
                    f"ダウンロードできる期間：{wareki(until)}まで（本通知の日から{self.s.download_days}日間）",
                ),
            )
        if dsr.disclosure_method == DisclosureMethod.OTHER:
            return Item("開示の方法", ("その他の方法（窓口での閲覧など）", "日時と場所は担当者からご連絡します。"))
        return Item("開示の方法", ("書面の交付（郵送）",))

    def _withheld_item(self) -> Item:
        withheld = self.details.get("withheld_items") or []
        rows = tuple(
            (row.get("item", ""), cite(row.get("ground", "")), row.get("reason") or self.reason) for row in withheld
        )
        # The decision's own reason is shown to the requester (the draft form says so), so it
        # is always printed: above the table, unless every row already prints it as its reason.
        paragraphs: list[str] = []
        if not rows and (ground := cite(self.ground)):
            paragraphs.append(f"根拠：{ground}")
        if self.reason and (not rows or any(row.get("reason") for row in withheld)):
            paragraphs.append(f"理由：{self.reason}")
        return Item(
            "開示しない部分とその理由",
            tuple(paragraphs),
            Table(("開示しない部分", "根拠", "理由"), rows, ("28%", "36%", "36%")) if rows else None,
        )


class NonDisclosureNotice(Notice):
    kind = LetterKind.NON_DISCLOSURE

    @property
    def other_law(self) -> bool:
        return self.decision in (Decision.OTHER_LAW_PROCEDURE, Decision.RECORD_OTHER_LAW_PROCEDURE)

    @property
    def article(self) -> str:
        return f"{LAW}第33条第5項において準用する同条第3項" if self.is_records else f"{LAW}第33条第3項"

    def title(self) -> str:
        if self.other_law:
            return f"{self.noun}の開示の請求について（通知）"
        return f"{self.noun}不開示決定通知書"

    def body(self) -> list[str]:
        if self.other_law:
            return [
                self.opening() + f"ご請求に係る{self.noun}の開示については、他の法令の規定により別に手続が"
                f"定められているため、{LAW}第33条第4項の規定により、同法による開示の対象となりません。"
                "下記のとおり通知します。"
            ]
        return [
            self.opening() + f"下記のとおり開示しないことに決定しましたので、{self.article}の規定により通知します。"
        ]

    def items(self) -> list[Item]:
        heading = "他の法令による手続" if self.other_law else "開示しない理由"
        return [self.request_item(f"開示の請求に係る{self.noun}"), self.reason_item(heading)]


class NotHeldNotice(Notice):
    kind = LetterKind.NOT_HELD

    def title(self) -> str:
        return f"{self.noun}不存在通知書"

    @property
    def article(self) -> str:
        return self.request_spec.not_held_article

    def body(self) -> list[str]:
        return [
            self.opening() + f"ご請求に係る{self.noun}は、当組合において保有していないことを、"
            f"{self.article}の規定により通知します。"
        ]

    def items(self) -> list[Item]:
        result = [f"ご請求に係る{self.noun}は、当組合において保有していません。"]
        if self.reason:
            result.append(f"理由：{self.reason}")
        return [self.request_item(), Item("調査の結果", tuple(result))]


ORDER = "個人情報の保護に関する法律施行令"


class ExistenceNotConfirmedNotice(Notice):
    """存否応答拒否: the answer neither confirms nor denies that the data exists.

    Every sentence reads the same whether or not the co-op holds the data (施行令第5条・第11条):
    it names the kind of data the law takes out of the request, never what the co-op found.
    """

    kind = LetterKind.EXISTENCE_NOT_CONFIRMED

    @property
    def provision(self) -> str:
        if self.is_records:
            return f"{LAW}第33条第5項及び{ORDER}第11条"
        return f"{LAW}第16条第4項及び{ORDER}第5条"

    def title(self) -> str:
        return f"{self.request_spec.letter_phrase}について（通知）"

    def body(self) -> list[str]:
        return [
            self.opening() + f"ご請求に係る{self.noun}については、その存否を答えることにより、"
            f"{self.provision}に定める公益その他の利益が害されるおそれがあるため、"
            "存否を明らかにしないこととしましたので、下記のとおり通知します。",
            f"このため、ご請求に係る{self.noun}が存在するか否かについては、お答えできません。",
        ]

    def items(self) -> list[Item]:
        return [
            self.request_item(),
            self.reason_item("存否をお答えできない理由"),
        ]


CORRECTION_VERB: dict[str, str] = {
    Decision.CORRECTED: "訂正",
    Decision.ADDED: "追加",
    Decision.DELETED: "削除",
    Decision.PARTIALLY_CORRECTED: "一部について訂正等",
}


class CorrectionDoneNotice(Notice):
    kind = LetterKind.CORRECTION_DONE

    def title(self) -> str:
        return "保有個人データ訂正等決定通知書"

    def body(self) -> list[str]:
        verb = CORRECTION_VERB.get(self.decision, "訂正等")
        return [
            self.opening() + f"調査の結果に基づき、下記のとおり{verb}を行いましたので、"
            f"{LAW}第34条第3項の規定により通知します。"
        ]

    def items(self) -> list[Item]:
        corrections = self.details.get("corrections") or []
        if any(row.get("description") for row in corrections):
            table = Table(
                ("項目", "訂正等の前", "訂正等の後", "説明"),
                tuple(
                    (row.get("field") or "―", row.get("old") or "―", row.get("new") or "―", row.get("description", ""))
                    for row in corrections
                ),
                ("18%", "28%", "28%", "26%"),
            )
        else:  # no row has a description: no empty column
            table = Table(
                ("項目", "訂正等の前", "訂正等の後"),
                tuple((row.get("field") or "―", row.get("old") or "―", row.get("new") or "―") for row in corrections),
                ("22%", "39%", "39%"),
            )
        items = [
            Item("訂正等の内容", (), table),
            Item("訂正等を行った日", (wareki(self.decided_on()),)),
        ]
        if self.decision == Decision.PARTIALLY_CORRECTED:
            items.append(self.reason_item("訂正等を行わなかった部分とその理由"))
        return items


class CorrectionRefusedNotice(Notice):
    kind = LetterKind.CORRECTION_REFUSED

    def title(self) -> str:
        return "保有個人データの訂正等を行わない旨の通知書"

    def body(self) -> list[str]:
        return [
            self.opening() + "調査の結果、下記の理由により訂正等を行わないことと決定しましたので、"
            f"{LAW}第34条第3項の規定により通知します。"
        ]

    def items(self) -> list[Item]:
        return [self.request_item(), self.reason_item("訂正等を行わない理由")]


SUSPENSION_MEASURE: dict[str, str] = {
    Decision.USE_SUSPENDED: "利用の停止",
    Decision.ERASED: "消去",
    Decision.PROVISION_STOPPED: "第三者への提供の停止",
    Decision.SUBSTITUTE_MEASURE: "代替措置",
}


MEASURE_TAKEN: dict[str, str] = {
    Decision.USE_SUSPENDED: "利用の停止",
    Decision.ERASED: "消去",
    Decision.PROVISION_STOPPED: "第三者への提供の停止",
    Decision.SUBSTITUTE_MEASURE: "代替措置（ご請求の措置に代わる措置）",
}


class SuspensionDoneNotice(Notice):
    kind = LetterKind.SUSPENSION_DONE

    @property
    def substitute(self) -> bool:
        return self.decision == Decision.SUBSTITUTE_MEASURE

    def title(self) -> str:
        return "保有個人データ利用停止等決定通知書"

    @property
    def asked_instead(self) -> str:
        """The measures asked for, when the measure taken is another one (第36条), else ""."""
        asked = self.details.get("measures_requested") or []
        return "、".join(str(SuspensionMeasure(m).label) for m in asked if m in SuspensionMeasure.values)

    def body(self) -> list[str]:
        if self.substitute:
            text = (
                "ご請求の措置を行うことには多額の費用を要するなど困難であるため、これに代わる措置として"
                f"下記の措置をとりましたので、{LAW}第35条第7項の規定により通知します。"
            )
        elif asked := self.asked_instead:
            measure = SUSPENSION_MEASURE.get(self.decision, "利用停止等")
            text = (
                f"ご請求の措置（{asked}）に代えて、下記のとおり{measure}を行うことと決定しましたので、"
                f"その理由とあわせて、{LAW}第35条第7項及び第36条の規定により通知します。"
            )
        else:
            measure = SUSPENSION_MEASURE.get(self.decision, "利用停止等")
            text = f"下記のとおり{measure}を行いましたので、{LAW}第35条第7項の規定により通知します。"
        return [self.opening() + text]

    def items(self) -> list[Item]:
        scope = self.details.get("scope") or self.dsr.summary or "ご請求に係る保有個人データ"
        items = [
            Item("行った措置", (MEASURE_TAKEN.get(self.decision, "利用停止等"),)),
            Item("措置の対象及び範囲", _lines(scope)),
            Item("措置を行った日", (wareki(self.decided_on()),)),
        ]
        if self.substitute:
            items.append(Item("代替措置の内容", _lines(self.details.get("substitute_measure", ""))))
            items.append(self.reason_item("ご請求の措置を行わない理由"))
        elif asked := self.asked_instead:
            items.insert(1, Item("ご請求の措置", (asked,)))
            items.append(self.reason_item(f"ご請求の措置（{asked}）を行わず、上記の措置とした理由"))
        return items


class SuspensionRefusedNotice(Notice):
    kind = LetterKind.SUSPENSION_REFUSED

    def title(self) -> str:
        return "保有個人データの利用停止等を行わない旨の通知書"

    def body(self) -> list[str]:
        return [
            self.opening() + "下記の理由により利用停止等を行わないことと決定しましたので、"
            f"{LAW}第35条第7項の規定により通知します。"
        ]

    def items(self) -> list[Item]:
        requested = self.request_item()
        details = self.dsr.details or {}
        extra = list(requested.paragraphs)
        measures = details.get("measures") or ([details["measure"]] if details.get("measure") else [])
        labels = [str(SuspensionMeasure(m).label) for m in measures if m in SuspensionMeasure.values]
        if labels:
            extra.append("請求された措置：" + "、".join(labels))
        if (ground := details.get("ground")) in SuspensionGround.values:
            extra.append("請求の理由：" + str(SuspensionGround(ground).label))
        return [Item(requested.heading, tuple(extra)), self.reason_item("利用停止等を行わない理由")]


class PurposeNotice(Notice):
    kind = LetterKind.PURPOSE_NOTICE

    def title(self) -> str:
        return "保有個人データの利用目的通知書"

    def body(self) -> list[str]:
        return [
            self.opening() + "ご請求に係る保有個人データの利用目的は下記のとおりですので、"
            f"{LAW}第32条第2項の規定により通知します。"
        ]

    def items(self) -> list[Item]:
        purposes = self.details.get("purposes") or self.s.profile.purposes_of_use
        return [item for item in (Item("利用目的", _lines(purposes) or ("",)), self.fee_item()) if item]


class PurposeNotNotifiedNotice(Notice):
    kind = LetterKind.PURPOSE_NOT_NOTIFIED

    def title(self) -> str:
        return "保有個人データの利用目的を通知しない旨の通知書"

    def body(self) -> list[str]:
        return [
            self.opening() + "下記の理由により利用目的を通知しないことと決定しましたので、"
            f"{LAW}第32条第3項の規定により通知します。"
        ]

    def items(self) -> list[Item]:
        return [self.request_item(), self.reason_item("利用目的を通知しない理由")]


class AnswerNotice(Notice):
    """The answer to a complaint or a My Number inquiry, or a request that cannot proceed as filed."""

    kind = LetterKind.ANSWER

    @property
    def incomplete(self) -> bool:
        return self.decision == Decision.REQUEST_INCOMPLETE

    def title(self) -> str:
        if self.incomplete:
            return "ご請求の手続について（通知）"
        return self.request_spec.answer_title

    def body(self) -> list[str]:
        if self.incomplete:
            return [
                self.opening() + "下記の理由により、このままではご請求に応じることができませんので通知します。"
                "お手数ですが、必要な事項を整えたうえで、改めてご請求くださいますようお願いいたします。"
            ]
        return [self.opening() + "下記のとおり回答します。"]

    def items(self) -> list[Item]:
        if self.incomplete:
            return [
                self.request_item(),
                self.reason_item("ご請求に応じられない理由"),
                Item(
                    "ご請求の方法",
                    _lines(self.s.profile.request_procedure) or ("下記のお問い合わせ先にお尋ねください。",),
                ),
            ]
        return [
            self.request_item(self.request_spec.answer_heading),
            Item("回答", _lines(self.details.get("answer", "")) or ("",)),
        ]

    def closing(self) -> list[str]:
        if self.incomplete:
            return []
        return ["なお、この回答についてご不明な点がありましたら、下記のお問い合わせ先までご連絡ください。"]


class IdentityNotVerifiedNotice(Notice):
    kind = LetterKind.IDENTITY_NOT_VERIFIED
    # dsr_reject_identity mails nobody: the issued notice is what tells the member.
    mail_template = "letter_issued"

    @property
    def agent(self) -> bool:
        return self.decision == Decision.AGENT_AUTHORITY_NOT_SHOWN

    def title(self) -> str:
        return "代理権を確認できなかった旨の通知書" if self.agent else "本人確認ができなかった旨の通知書"

    def body(self) -> list[str]:
        what = (
            "代理人によるご請求について、代理権を確認することが" if self.agent else "ご本人であることを確認することが"
        )
        return [self.opening() + f"{what}できなかったため、ご請求に応じることができませんので通知します。"]

    def items(self) -> list[Item]:
        again = list(_lines(self.s.profile.identity_methods))
        if self.agent:
            again.append(
                "代理人によるご請求には、代理権を証する書類（委任状、戸籍謄本、登記事項証明書など）と"
                "代理人ご本人の本人確認書類が必要です。"
            )
        return [
            self.reason_item("確認できなかった理由", ground=StatutoryGround.ART37_PROCEDURE),
            Item("改めてご請求いただく場合", tuple(again) or ("下記のお問い合わせ先にお尋ねください。",)),
        ]


class DuplicateClosedNotice(Notice):
    """A repeat of a request already being handled: this case ends, and the answer comes under the
    primary's 受付番号 (docs/architecture.md#duplicates)."""

    kind = LetterKind.DUPLICATE_CLOSED
    mail_template = "dsr_duplicate_closed"

    @property
    def primary_reference(self) -> str:
        return str(self.payload.get("primary_reference", ""))

    def title(self) -> str:
        return "重複したご請求の取扱いについて（お知らせ）"

    def body(self) -> list[str]:
        primary_on = wareki(self.payload.get("primary_received_at"))
        earlier = f"{primary_on}付けで受け付けました" if primary_on else "先に受け付けました"
        return [
            self.opening() + f"{earlier}ご請求（受付番号：{self.primary_reference}）と同一の内容と"
            "認められますので、同請求と併せて取り扱います。このため、本件の手続はこれをもって終了します。"
        ]

    def items(self) -> list[Item]:
        return [
            Item("終了したご請求", (f"受付番号：{self.dsr.reference}", str(self.dsr.get_kind_display()))),
            Item(
                "引き続き取り扱うご請求",
                (
                    f"受付番号：{self.primary_reference}",
                    "ご回答は、この受付番号のご請求についてお送りします。",
                ),
            ),
            Item(
                "お心当たりのない場合",
                ("別のご請求としてお申出になったものである場合は、下記のお問い合わせ先までご連絡ください。",),
            ),
        ]


NOTICES: dict[str, type[Notice]] = {
    cls.kind: cls
    for cls in (
        AcknowledgementNotice,
        AmendmentRequestNotice,
        ExtensionNotice,
        DisclosureDecisionNotice,
        NonDisclosureNotice,
        NotHeldNotice,
        ExistenceNotConfirmedNotice,
        CorrectionDoneNotice,
        CorrectionRefusedNotice,
        SuspensionDoneNotice,
        SuspensionRefusedNotice,
        PurposeNotice,
        PurposeNotNotifiedNotice,
        AnswerNotice,
        IdentityNotVerifiedNotice,
        DuplicateClosedNotice,
    )
}


def notice_for(source: LetterSource) -> Notice:
    try:
        return NOTICES[source.kind](source)
    except KeyError:
        raise ValueError(f"no notice class for letter kind {source.kind!r}") from None


def missing_kinds(kinds: Iterable[str] = LetterKind.values) -> list[str]:
    """Letter kinds without a notice class (a test keeps this empty)."""
    return [kind for kind in kinds if kind not in NOTICES]


def letter_title(letter: Letter) -> str:
    """The title `letter`'s PDF prints (一部開示, 不開示…), for lists that name the letter.

    Titles depend on the case and the frozen payload only, so no profile or roster row is read
    (an unsaved profile stands in); pass letters fetched through `dsr.letters` to avoid a
    query for each one.
    """
    cls = NOTICES.get(letter.kind)
    if cls is None:
        return str(letter.get_kind_display())
    dsr = letter.dsr
    source = LetterSource(
        kind=letter.kind,
        payload=letter.payload or {},
        document_number=letter.document_number,
        issued_on=timezone.localdate(),
        by_post=letter.by_post,
        dsr=dsr,
        member=dsr.member,
        profile=OrganisationProfile(),
    )
    with translation.override("ja"):
        return cls(source).title()

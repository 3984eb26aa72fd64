"""The rules of the incident register as pure functions: the report deadlines and the
reportability assessment (個人情報保護法第26条第1項, 個人情報保護委員会規則第7条・第8条; for
特定個人情報, 番号法第29条の4第1項 and 特定個人情報の漏えい等に関する報告等に関する規則第2条).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from requests_portal.stored_text import list_separator

# 規則第8条第1項: the 速報 is due 「速やかに」; the PPC guideline reads that as about 3 to 5 days
# from when the co-op knew. The register aims at day 3 and calls a 速報 overdue after day 5.
PRELIMINARY_TARGET_DAYS = 3
PRELIMINARY_LATEST_DAYS = 5
# 規則第8条第2項: the 確報 within 30 days, 60 days for a situation under 規則第7条第3号. The day the
# co-op knew counts as day 1 and weekends and holidays count (the conservative reading).
FINAL_DAYS = 30
FINAL_DAYS_UNLAWFUL_PURPOSE = 60
# 規則第7条第4号 and, for 特定個人情報, 特定個人情報漏えい等報告規則第2条第4号.
APPI_PEOPLE_THRESHOLD = 1000
MY_NUMBER_PEOPLE_THRESHOLD = 100


def report_deadlines(known_on: date, *, unlawful_purpose: bool) -> tuple[date, date]:
    """(速報 target date, 確報 deadline) for an incident the co-op knew of on `known_on`."""
    days = FINAL_DAYS_UNLAWFUL_PURPOSE if unlawful_purpose else FINAL_DAYS
    return known_on + timedelta(days=PRELIMINARY_TARGET_DAYS), known_on + timedelta(days=days - 1)


def preliminary_latest(known_on: date) -> date:
    """The last day a 速報 is still on time (the end of the guideline's 3–5 days)."""
    return known_on + timedelta(days=PRELIMINARY_LATEST_DAYS)


@dataclass(frozen=True)
class Answers:
    """What the guided assessment asks. Each question is one situation of the rules."""

    sensitive_data: bool = False  # 規則第7条第1号 要配慮個人情報
    financial_loss: bool = False  # 同第2号 不正に利用されることにより財産的被害が生じるおそれ
    unlawful_purpose: bool = False  # 同第3号 不正の目的をもって行われたおそれ
    about_to_be_acquired: bool = False  # 同第3号 括弧書き: 取得しようとしている個人情報を含む
    people: int = 0  # 同第4号 本人の数
    high_level_encryption: bool = False  # 同条柱書 高度な暗号化その他の措置
    is_my_number: bool = False
    my_number_network: bool = False  # 特定個人情報漏えい等報告規則第2条第1号 情報提供ネットワークシステム等
    my_number_unlawful: bool = False  # 同第2号 不正の目的をもって行われた漏えい等・利用・提供
    my_number_public_view: bool = False  # 同第3号 不特定多数の者が閲覧できる状態

    @classmethod
    def from_dict(cls, data: dict) -> "Answers":
        known = set(cls.__dataclass_fields__)
        values = {key: value for key, value in data.items() if key in known}
        values["people"] = int(values.get("people") or 0)
        return cls(**values)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Ground:
    code: str
    article: str
    text: str


@dataclass(frozen=True)
class Assessment:
    reportable: bool
    grounds: tuple[Ground, ...] = field(default_factory=tuple)
    excluded_by_encryption: bool = False
    unlawful_purpose: bool = False

    @property
    def conclusion(self) -> str:
        """The result in words, with the articles, in the reader's language."""
        if self.reportable:
            articles = list_separator().join(ground.article for ground in self.grounds)
            return _("報告対象です（%(articles)s）。速報と確報を個人情報保護委員会に提出し、本人に通知します。") % {
                "articles": articles
            }
        if self.excluded_by_encryption:
            return _(
                "報告対象ではありません。高度な暗号化その他の個人の権利利益を保護するために必要な措置が"
                "講じられています（個人情報保護委員会規則第7条柱書）。"
            )
        return _("報告対象ではありません（個人情報保護委員会規則第7条各号のいずれにも該当しません）。")


def assess(answers: Answers) -> Assessment:
    """Whether the incident must be reported, on which grounds, and which 確報 deadline applies.

    High-level encryption (or an equivalent measure) takes the data out of every situation:
    the rules define the data concerned as excluding it (規則第7条柱書; the 特定個人情報 rules
    likewise).
    """
    grounds: list[Ground] = []
    if answers.sensitive_data:
        grounds.append(Ground("appi_1", "規則第7条第1号", "要配慮個人情報が含まれる"))
    if answers.financial_loss:
        grounds.append(Ground("appi_2", "規則第7条第2号", "不正に利用されることにより財産的被害が生じるおそれがある"))
    if answers.unlawful_purpose or answers.about_to_be_acquired:
        text = "不正の目的をもって行われたおそれがある"
        if answers.about_to_be_acquired:
            text += "（取得しようとしている個人情報を含む）"
        grounds.append(Ground("appi_3", "規則第7条第3号", text))
    if answers.people > APPI_PEOPLE_THRESHOLD:
        grounds.append(Ground("appi_4", "規則第7条第4号", f"本人の数が{APPI_PEOPLE_THRESHOLD:,}人を超える"))
    if answers.is_my_number:
        if answers.my_number_network:
            grounds.append(
                Ground("mn_1", "特定個人情報漏えい等報告規則第2条第1号", "情報提供ネットワークシステム等からの漏えい等")
            )
        if answers.my_number_unlawful:
            grounds.append(
                Ground(
                    "mn_2", "特定個人情報漏えい等報告規則第2条第2号", "不正の目的をもって行われた漏えい等・利用・提供"
                )
            )
        if answers.my_number_public_view:
            grounds.append(
                Ground("mn_3", "特定個人情報漏えい等報告規則第2条第3号", "不特定多数の者が閲覧できる状態となった")
            )
        if answers.people > MY_NUMBER_PEOPLE_THRESHOLD:
            grounds.append(
                Ground(
                    "mn_4",
                    "特定個人情報漏えい等報告規則第2条第4号",
                    f"本人の数が{MY_NUMBER_PEOPLE_THRESHOLD}人を超える",
                )
            )
    if answers.high_level_encryption and grounds:
        return Assessment(reportable=False, excluded_by_encryption=True)
    unlawful = any(ground.code in ("appi_3", "mn_2") for ground in grounds)
    return Assessment(reportable=bool(grounds), grounds=tuple(grounds), unlawful_purpose=unlawful)

"""Validation of a drafted decision (docs/legal.md#decisions).

Which decisions and grounds a kind allows is the kind's spec (models/request_kinds.py);
this module holds the rules about the decisions themselves.

`validate_decision` returns the cleaned details or raises `DecisionInvalid`, whose
`errors` map a form field name to its messages, so a form can show each one next to
its field.
"""

from collections.abc import Mapping

from django.utils.translation import gettext

from requests_portal.exceptions import DomainError
from requests_portal.models import (
    FULL_GRANT_DECISIONS,
    KIND_SPECS,
    Decision,
    LetterKind,
    RequestKind,
    StatutoryGround,
)
from requests_portal.mynumber import contains_my_number
from requests_portal.text import normalize_text

PARTIAL_DECISIONS = frozenset({Decision.DISCLOSED_PARTIAL, Decision.RECORD_DISCLOSED_PARTIAL})
PAPER_DECISIONS = frozenset({Decision.METHOD_CHANGED_TO_PAPER, Decision.RECORD_METHOD_CHANGED_TO_PAPER})
# A full or partial disclosure may also switch the method to paper (Art. 33(2) proviso).
PAPER_COMBINABLE = frozenset(
    {
        Decision.DISCLOSED_FULL,
        Decision.DISCLOSED_PARTIAL,
        Decision.RECORD_DISCLOSED_FULL,
        Decision.RECORD_DISCLOSED_PARTIAL,
    }
)
CORRECTION_DECISIONS = frozenset({Decision.CORRECTED, Decision.ADDED, Decision.DELETED, Decision.PARTIALLY_CORRECTED})
# Withheld items are justified only by Art. 33(2) items 1–3.
WITHHOLDING_GROUNDS = frozenset({StatutoryGround.ART33_2_1, StatutoryGround.ART33_2_2, StatutoryGround.ART33_2_3})

LETTER_FOR_DECISION: dict[str, str] = {
    Decision.PURPOSE_NOTIFIED: LetterKind.PURPOSE_NOTICE,
    Decision.PURPOSE_NOT_NOTIFIED: LetterKind.PURPOSE_NOT_NOTIFIED,
    Decision.DISCLOSED_FULL: LetterKind.DISCLOSURE_DECISION,
    Decision.DISCLOSED_PARTIAL: LetterKind.DISCLOSURE_DECISION,
    Decision.METHOD_CHANGED_TO_PAPER: LetterKind.DISCLOSURE_DECISION,
    Decision.NOT_DISCLOSED: LetterKind.NON_DISCLOSURE,
    Decision.OTHER_LAW_PROCEDURE: LetterKind.NON_DISCLOSURE,
    Decision.NOT_HELD: LetterKind.NOT_HELD,
    Decision.RECORD_DISCLOSED_FULL: LetterKind.DISCLOSURE_DECISION,
    Decision.RECORD_DISCLOSED_PARTIAL: LetterKind.DISCLOSURE_DECISION,
    Decision.RECORD_METHOD_CHANGED_TO_PAPER: LetterKind.DISCLOSURE_DECISION,
    Decision.RECORD_NOT_DISCLOSED: LetterKind.NON_DISCLOSURE,
    Decision.RECORD_OTHER_LAW_PROCEDURE: LetterKind.NON_DISCLOSURE,
    Decision.RECORD_NOT_HELD: LetterKind.NOT_HELD,
    Decision.CORRECTED: LetterKind.CORRECTION_DONE,
    Decision.ADDED: LetterKind.CORRECTION_DONE,
    Decision.DELETED: LetterKind.CORRECTION_DONE,
    Decision.PARTIALLY_CORRECTED: LetterKind.CORRECTION_DONE,
    Decision.NOT_CORRECTED: LetterKind.CORRECTION_REFUSED,
    Decision.USE_SUSPENDED: LetterKind.SUSPENSION_DONE,
    Decision.ERASED: LetterKind.SUSPENSION_DONE,
    Decision.PROVISION_STOPPED: LetterKind.SUSPENSION_DONE,
    Decision.SUBSTITUTE_MEASURE: LetterKind.SUSPENSION_DONE,
    Decision.NOT_SUSPENDED: LetterKind.SUSPENSION_REFUSED,
    Decision.ANSWERED: LetterKind.ANSWER,
    Decision.REQUEST_INCOMPLETE: LetterKind.ANSWER,
    Decision.IDENTITY_NOT_VERIFIED: LetterKind.IDENTITY_NOT_VERIFIED,
    Decision.AGENT_AUTHORITY_NOT_SHOWN: LetterKind.IDENTITY_NOT_VERIFIED,
}


class DecisionInvalid(DomainError):
    """A drafted decision that breaks a rule; `errors` maps field names to messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(message for messages in self.errors.values() for message in messages))


def decisions_for_kind(kind: str) -> tuple[str, ...]:
    spec = KIND_SPECS.get(kind)
    return spec.decisions if spec else ()


def grounds_for_kind(kind: str) -> tuple[str, ...]:
    """The statutory grounds a decision on `kind` may cite (none: its decisions never need one)."""
    spec = KIND_SPECS.get(kind)
    return spec.grounds if spec else ()


def _text(value: object) -> str:
    return normalize_text(value) if isinstance(value, str) else ""


def _rows(value: object) -> list[Mapping]:
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def validate_decision(*, kind: str, decision: str, ground: str, reason: str, details: Mapping | None) -> dict:
    """The cleaned `details` for a valid decision; raises DecisionInvalid otherwise."""
    errors: dict[str, list[str]] = {}
    details = dict(details or {})

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if kind not in KIND_SPECS:
        raise DecisionInvalid({"kind": [gettext("請求の種類が正しくありません。")]})
    if decision not in decisions_for_kind(kind):
        raise DecisionInvalid({"decision": [gettext("この種類の請求には選べない決定です。")]})
    reason = _text(reason)
    allowed_grounds = grounds_for_kind(kind)
    if ground and ground not in allowed_grounds:
        if not allowed_grounds:
            fail("ground", gettext("この種類の請求への決定には、根拠条項を選びません。"))
        elif ground in StatutoryGround.values:
            fail(
                "ground",
                gettext("「%(ground)s」は、この種類の請求（%(kind)s）には選べない根拠条項です。")
                % {"ground": StatutoryGround(ground).label, "kind": RequestKind(kind).label},
            )
        else:
            fail("ground", gettext("根拠条項が正しくありません。"))
    elif not ground and decision not in FULL_GRANT_DECISIONS:
        fail("ground", gettext("根拠条項を選んでください（全部認容以外の決定には必須です）。"))
    if not reason and decision not in FULL_GRANT_DECISIONS:
        fail("reason", gettext("理由を入力してください。この理由は通知書に記載され、請求者に示されます。"))

    cleaned: dict = {}
    if decision in PARTIAL_DECISIONS:
        items = []
        for row in _rows(details.get("withheld_items")):
            item, item_ground = _text(row.get("item")), row.get("ground", "")
            if not item and not item_ground:
                continue
            if not item or item_ground not in WITHHOLDING_GROUNDS:
                fail(
                    "withheld_items",
                    gettext("開示しない部分ごとに、内容と根拠（第33条第2項第1号〜第3号）を入力してください。"),
                )
                break
            items.append({"item": item, "ground": item_ground, "reason": _text(row.get("reason", ""))})
        if not items and "withheld_items" not in errors:
            fail("withheld_items", gettext("一部開示には、開示しない部分の一覧が必要です。"))
        cleaned["withheld_items"] = items

    to_paper = decision in PAPER_DECISIONS or (
        decision in PAPER_COMBINABLE and bool(details.get("method_changed_to_paper"))
    )
    if to_paper:
        method_reason = _text(details.get("method_change_reason", ""))
        if not method_reason and not details.get("member_asked_to_switch"):
            fail(
                "method_change_reason", gettext("書面に変更する理由（請求された方法が困難な理由）を入力してください。")
            )
        cleaned["method_changed_to_paper"] = True
        cleaned["method_change_reason"] = method_reason

    if decision in CORRECTION_DECISIONS:
        corrections = []
        for row in _rows(details.get("corrections")):
            field, old, new, description = (_text(row.get(k, "")) for k in ("field", "old", "new", "description"))
            if not any((field, old, new, description)):
                continue
            if not (field and (new or old)) and not description:
                fail("corrections", gettext("訂正等の内容は「項目・訂正前・訂正後」または説明で入力してください。"))
                break
            corrections.append({"field": field, "old": old, "new": new, "description": description})
        if not corrections and "corrections" not in errors:
            fail("corrections", gettext("訂正等の決定には、訂正した内容の一覧が必要です（第34条第3項）。"))
        cleaned["corrections"] = corrections

    if decision == Decision.SUBSTITUTE_MEASURE:
        measure = _text(details.get("substitute_measure", ""))
        if not measure:
            fail("substitute_measure", gettext("代替措置の内容を入力してください。"))
        cleaned["substitute_measure"] = measure

    for key in ("purposes", "scope", "effective_date", "disclosed_items", "answer"):
        if value := _text(details.get(key, "")):
            cleaned[key] = value

    texts = [reason, *_flatten_text(cleaned)]
    if any(contains_my_number(t) for t in texts):
        fail(
            "reason",
            gettext("マイナンバーと思われる番号が含まれています。決定の内容にマイナンバーを記載しないでください。"),
        )
    if errors:
        raise DecisionInvalid(errors)
    return cleaned


def _flatten_text(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _flatten_text(v)]
    if isinstance(value, list):
        return [t for v in value for t in _flatten_text(v)]
    return []

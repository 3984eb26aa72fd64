"""Validation of a drafted decision (docs/legal.md#decisions).

Which decisions and grounds a kind allows is the kind's spec (models/request_kinds.py);
this module holds the rules about the decisions themselves.

`validate_decision` returns the cleaned details or raises `DecisionInvalid`, whose
`errors` map a form field name to its messages, so a form can show each one next to
its field.
"""

from collections.abc import Callable, Mapping
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext

from requests_portal.exceptions import DomainError
from requests_portal.models import (
    FULL_GRANT_DECISIONS,
    KIND_SPECS,
    AgreementChannel,
    DataSubjectRequest,
    Decision,
    DisclosureMethod,
    LetterKind,
    RequestKind,
    StatutoryGround,
    SuspensionMeasure,
)
from requests_portal.models.request_kinds import DIFFERENT_MEASURE_GROUNDS, EXISTENCE_GROUNDS, MEASURE_OF_DECISION
from requests_portal.mynumber import contains_my_number
from requests_portal.stored_text import list_separator
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
    Decision.EXISTENCE_NOT_CONFIRMED: LetterKind.EXISTENCE_NOT_CONFIRMED,
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


def needs_disclosure_package(dsr: DataSubjectRequest) -> bool:
    """Whether approving the drafted decision hands over data that staff attach as files: an
    electronic disclosure (第33条第1項・第2項) of a kind whose notice does not print the data
    itself. Approval waits for the files, so the notice and the data reach the member together."""
    spec = KIND_SPECS.get(dsr.kind)
    return bool(
        spec
        and spec.data_attached
        and dsr.decision in PAPER_COMBINABLE
        and dsr.disclosure_method == DisclosureMethod.ELECTRONIC
        and not (dsr.decision_details or {}).get("method_changed_to_paper")
    )


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


def requested_measures(request_details: Mapping | None) -> list[str]:
    """The measures a suspension request asked for (the wizard's `measure`, or a legacy list)."""
    details = request_details or {}
    asked = details.get("measures") or ([details["measure"]] if details.get("measure") else [])
    if isinstance(asked, str):
        asked = [asked]
    return [m for m in asked if m in SuspensionMeasure.values]


def different_measure(decision: str, request_details: Mapping | None) -> list[str]:
    """The measures asked for, when `decision` takes another one instead (else [])."""
    taken = MEASURE_OF_DECISION.get(decision)
    asked = requested_measures(request_details)
    return asked if taken and asked and taken not in asked else []


def _agreement(value: object, fail: Callable[[str, str], None]) -> dict | None:
    """The member's agreement to paper as the draft records it: how and on which day."""
    if not isinstance(value, Mapping) or not any(value.get(k) for k in ("how", "on")):
        return None
    how, on = value.get("how", ""), value.get("on", "")
    try:
        day = on if isinstance(on, date) else date.fromisoformat(str(on))
    except ValueError:
        day = None
    if how not in AgreementChannel.values or day is None:
        fail(
            "member_agreement",
            gettext("請求者の同意を記録するには、同意を得た日と方法の両方を入力してください。"),
        )
        return None
    if day > timezone.localdate():
        fail("member_agreement", gettext("同意を得た日に、未来の日付は入力できません。"))
        return None
    return {"how": how, "on": day.isoformat()}


def validate_decision(
    *,
    kind: str,
    decision: str,
    ground: str,
    reason: str,
    details: Mapping | None,
    request_details: Mapping | None = None,
) -> dict:
    """The cleaned `details` for a valid decision; raises DecisionInvalid otherwise.

    `request_details` are the case's own details (what was asked for): a suspension decision that
    takes a measure other than the one asked for is judged against them.
    """
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
    # 第36条: doing something other than what was asked is not doing what was asked.
    asked_instead = different_measure(decision, request_details)
    needs_reason = decision not in FULL_GRANT_DECISIONS or bool(asked_instead)
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
    elif asked_instead and ground not in DIFFERENT_MEASURE_GROUNDS:
        fail(
            "ground",
            gettext(
                "請求された措置（%(asked)s）と異なる措置をとる決定は一部認容です。根拠条項（第35条）を選んでください。"
            )
            % {"asked": list_separator().join(str(SuspensionMeasure(m).label) for m in asked_instead)},
        )
    elif not ground and decision not in FULL_GRANT_DECISIONS:
        fail("ground", gettext("根拠条項を選んでください（全部認容以外の決定には必須です）。"))
    elif decision == Decision.EXISTENCE_NOT_CONFIRMED and ground != KIND_SPECS[kind].existence_ground:
        fail(
            "ground",
            gettext("存否を明らかにしない決定の根拠条項は「%(ground)s」です。")
            % {"ground": StatutoryGround(KIND_SPECS[kind].existence_ground).label},
        )
    elif ground in EXISTENCE_GROUNDS and decision != Decision.EXISTENCE_NOT_CONFIRMED:
        fail("ground", gettext("この根拠条項は、存否を明らかにしない決定にのみ選べます。"))
    if not reason and asked_instead:
        fail(
            "reason",
            gettext(
                "請求された措置と異なる措置をとる理由を入力してください。"
                "この理由は通知書に記載され、請求者に示されます。"
            ),
        )
    elif not reason and needs_reason:
        fail("reason", gettext("理由を入力してください。この理由は通知書に記載され、請求者に示されます。"))

    cleaned: dict = {}
    if asked_instead:
        cleaned["measures_requested"] = asked_instead
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
        agreement = _agreement(details.get("member_agreement"), fail)
        # 第33条第2項・第3項: paper instead of the method asked for is explained on the notice,
        # either by why the asked method is difficult or by the member's recorded agreement.
        if not method_reason and agreement is None and "member_agreement" not in errors:
            fail(
                "method_change_reason",
                gettext(
                    "書面に変更する理由（請求された方法が困難な理由）を入力するか、"
                    "書面への変更に請求者が同意した日と方法を記録してください。"
                ),
            )
        cleaned["method_changed_to_paper"] = True
        cleaned["method_change_reason"] = method_reason
        if agreement is not None:
            cleaned["member_agreement"] = agreement

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

"""Third-party provision records from the core system: the one check and upsert that the JSON
API (requests_portal/api) and the CSV import (`import_provision_records`, the staff upload) share.

A row is a mapping of column key to value: the API passes the values its schema parsed, the CSV
import the cells as text; both go through `check_provision_row`, so a rule holds for both.

- Columns: what 個人情報保護委員会規則第20条（提供）・第24条（受領） require of a record.
- A record of data provided to a body listed in 個人情報保護法第16条第2項 (the State, a local
  government, an independent administrative agency…) needs no record (法第29条第1項): the row is
  reported as exempt and not stored.
- A record already past its retention period (規則第21条・第25条) is reported and not stored, so
  a full export from the core system does not bring back what the purge disposed of.
- A My Number anywhere in a row refuses the row; the message names the column, never the value.
- All or nothing: one bad row, or a record number repeated in the same batch, refuses the whole
  batch, and the refusal lists every bad row. Sending the same rows twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_portal import audit
from requests_portal.accounts import normalize_member_number
from requests_portal.exceptions import DomainError
from requests_portal.models import (
    DataSubjectRequest,
    Member,
    ProvisionBasis,
    ProvisionRecord,
    ProvisionRecordChoice,
    ProvisionRecordForm,
    RequestKind,
    Status,
    StatutoryGround,
    User,
    provision_record_keep_until,
)
from requests_portal.mynumber import contains_my_number
from requests_portal.services.checks import require_handler
from requests_portal.text import clean_text, normalize_line
from requests_portal.wareki import format_wareki, parse_japanese_date

# 個人情報保護法第16条第2項各号: providing personal data to these bodies needs no record (法第29条第1項).
PUBLIC_BODY_KINDS = frozenset(
    {
        "national_government",
        "local_government",
        "independent_administrative_agency",
        "local_independent_administrative_agency",
    }
)
THIRD_PARTY_KINDS = frozenset({"private", *PUBLIC_BODY_KINDS})

# Column key -> the name a person reads (the CSV header, the report).
COLUMN_LABELS: dict[str, Any] = {
    "record_number": gettext_lazy("記録番号"),
    "direction": gettext_lazy("区分"),
    "occurred_on": gettext_lazy("年月日"),
    "member_number": gettext_lazy("組合員番号"),
    "third_party_name": gettext_lazy("第三者の氏名又は名称"),
    "third_party_address": gettext_lazy("第三者の住所"),
    "third_party_representative": gettext_lazy("第三者の代表者"),
    "third_party_kind": gettext_lazy("第三者の区分"),
    "data_items": gettext_lazy("個人データの項目"),
    "basis": gettext_lazy("提供の根拠"),
    "statutory_basis": gettext_lazy("法令上の根拠"),
    "acquisition_method": gettext_lazy("取得の経緯"),
    "opt_out_published": gettext_lazy("公表されている旨"),
    "record_form": gettext_lazy("記録の作成方法"),
}
REQUIRED_COLUMNS = ("record_number", "direction", "occurred_on", "member_number", "third_party_name", "data_items")
MAX_LENGTHS = {
    "record_number": 60,
    "third_party_name": 200,
    "third_party_address": 300,
    "third_party_representative": 100,
    "data_items": 300,
    "statutory_basis": 200,
    "acquisition_method": 300,
}

# The words a spreadsheet may hold for a coded column (NFKC-normalised before the lookup), besides the codes.
DIRECTION_WORDS = {"提供": "provided", "第三者への提供": "provided", "受領": "received", "第三者からの受領": "received"}
BASIS_WORDS = {
    "同意": "consent",
    "本人の同意": "consent",
    "オプトアウト": "opt_out",
    "法令": "other",
    "その他": "other",
    "その他の法令上の根拠": "other",
}
THIRD_PARTY_KIND_WORDS = {
    "": "private",
    "民間": "private",
    "事業者": "private",
    "国の機関": "national_government",
    "地方公共団体": "local_government",
    "独立行政法人等": "independent_administrative_agency",
    "地方独立行政法人": "local_independent_administrative_agency",
}
RECORD_FORM_WORDS = {"": "each", "都度": "each", "一括": "bulk", "契約書": "contract", "契約書等": "contract"}
YES_WORDS = frozenset({"true", "1", "yes", "はい", "あり", "有", "済", "公表", "公表されている"})
NO_WORDS = frozenset({"false", "0", "no", "いいえ", "なし", "無"})


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row: where (row: the API's index or the file's line), which
    record number and column, and why, in the reader's language."""

    row: int
    key: str
    column: str
    message: str

    @property
    def column_label(self) -> str:
        return str(COLUMN_LABELS.get(self.column, self.column))


@dataclass(frozen=True)
class ExemptRow:
    """A row deliberately not stored, and why."""

    row: int
    record_number: str
    reason: str


@dataclass
class ProvisionUpsertResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    exempt: list[ExemptRow] = field(default_factory=list)
    dry_run: bool = False


class ProvisionRowsInvalid(DomainError):
    """Some rows are wrong; nothing was written. `problems` lists every one."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        rows = len({problem.row for problem in problems})
        super().__init__(_("%(rows)s行に誤りがあるため、何も登録していません。") % {"rows": rows})


# --- one row -------------------------------------------------------------------------------------


def _text(value: object) -> str:
    return normalize_line(value) if isinstance(value, str) else ("" if value is None else normalize_line(str(value)))


def _coded(value: object, words: Mapping[str, str], codes: Iterable[str]) -> str | None:
    text = _text(value)
    if text in codes:
        return text
    return words.get(text)


def _flag(value: object) -> bool | str | None:
    """True, False, None (blank), or "" when the text is neither yes nor no."""
    if value is None or isinstance(value, bool):
        return value
    text = _text(value).lower()
    if not text:
        return None
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    return ""


def _date(value: object, problems: list[tuple[str, str]]) -> date | None:
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None  # reported as a missing column
    try:
        return parse_japanese_date(text)
    except ValueError as exc:
        problems.append(("occurred_on", str(exc)))
        return None


def check_provision_row(raw: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """Check one record; (the model's values, or None and the problems as (column, message))."""
    problems: list[tuple[str, str]] = []
    for column, value in raw.items():
        if isinstance(value, str) and contains_my_number(value):
            label = COLUMN_LABELS.get(column, column)
            problems.append((column, _("%(column)sにマイナンバーと思われる番号が含まれています。") % {"column": label}))
    if problems:
        # Nothing else is checked: a message about a cell could repeat part of the number.
        return None, problems

    values = {column: _text(raw.get(column)) for column in MAX_LENGTHS}
    for column in REQUIRED_COLUMNS:
        if raw.get(column) in (None, "") or (isinstance(raw.get(column), str) and not _text(raw[column])):
            problems.append((column, _("%(column)sがありません。") % {"column": COLUMN_LABELS[column]}))
    for column, limit in MAX_LENGTHS.items():
        if len(values[column]) > limit:
            problems.append(
                (column, _("%(column)sは%(limit)s文字以内です。") % {"column": COLUMN_LABELS[column], "limit": limit})
            )

    direction = _coded(raw.get("direction"), DIRECTION_WORDS, ProvisionRecord.Direction.values)
    if direction is None and _text(raw.get("direction")):
        problems.append(("direction", _("区分は「提供」又は「受領」です。")))
    basis = _coded(raw.get("basis"), BASIS_WORDS, ProvisionBasis.values)
    if basis is None:
        message = _("提供の根拠は「同意」「オプトアウト」「法令」のいずれかです。")
        problems.append(("basis", message if _text(raw.get("basis")) else _("提供の根拠がありません。")))
    kind = _coded(raw.get("third_party_kind"), THIRD_PARTY_KIND_WORDS, THIRD_PARTY_KINDS)
    if kind is None:
        problems.append(
            (
                "third_party_kind",
                _(
                    "第三者の区分は「民間」「国の機関」「地方公共団体」「独立行政法人等」「地方独立行政法人」のいずれかです。"
                ),
            )
        )
    record_form = _coded(raw.get("record_form"), RECORD_FORM_WORDS, ProvisionRecordForm.values)
    if record_form is None:
        problems.append(("record_form", _("記録の作成方法は「都度」「一括」「契約書等」のいずれかです。")))
    published = _flag(raw.get("opt_out_published"))
    if published == "":
        problems.append(("opt_out_published", _("公表されている旨は「はい」又は空欄です。")))
    occurred_on = _date(raw.get("occurred_on"), problems)
    if occurred_on is not None and occurred_on > timezone.localdate():
        problems.append(("occurred_on", _("未来の日付は記録できません。")))

    # 規則第20条・第24条: what each kind of record needs besides the common columns.
    received = direction == ProvisionRecord.Direction.RECEIVED
    if basis == ProvisionBasis.OTHER and not values["statutory_basis"]:
        problems.append(("statutory_basis", _("同意によらない提供では、その根拠を記録してください。")))
    if (received or basis == ProvisionBasis.OPT_OUT) and not values["third_party_address"]:
        problems.append(("third_party_address", _("この記録には第三者の住所が必要です。")))
    if received and not values["acquisition_method"]:
        problems.append(("acquisition_method", _("受領の記録には、第三者による取得の経緯が必要です。")))
    if received and basis == ProvisionBasis.OPT_OUT and published is not True:
        problems.append(
            ("opt_out_published", _("オプトアウトによる受領では、公表されている旨を確認して記録してください。"))
        )
    if direction == ProvisionRecord.Direction.PROVIDED and published not in (None, ""):
        problems.append(("opt_out_published", _("公表されている旨は、受領の記録にのみ記載します。")))
    if problems:
        return None, problems
    return {
        "source_ref": values["record_number"],
        "member_number": normalize_member_number(_text(raw.get("member_number"))),
        "third_party_kind": kind,
        "direction": direction,
        "occurred_on": occurred_on,
        "third_party_name": values["third_party_name"],
        "third_party_address": values["third_party_address"],
        "third_party_representative": values["third_party_representative"],
        "data_items": values["data_items"],
        "consent_obtained": basis == ProvisionBasis.CONSENT,
        "legal_basis": basis,
        "statutory_basis": values["statutory_basis"] if basis == ProvisionBasis.OTHER else "",
        "acquisition_method": values["acquisition_method"] if received else "",
        "opt_out_published": published if received else None,
        "record_form": record_form,
    }, []


def _exempt_reason(values: Mapping[str, Any]) -> str:
    if values["direction"] == ProvisionRecord.Direction.PROVIDED and values["third_party_kind"] in PUBLIC_BODY_KINDS:
        return _(
            "提供先が個人情報保護法第16条第2項の者（国の機関・地方公共団体等）のため、記録義務がありません（法第29条第1項）。"
        )
    if provision_record_keep_until(values["record_form"], values["occurred_on"]) <= timezone.localdate():
        return _("保存期間（個人情報保護委員会規則第21条・第25条）を過ぎているため、保存しません。")
    return ""


# --- a batch --------------------------------------------------------------------------------------

MODEL_FIELDS = (
    "member",
    "direction",
    "occurred_on",
    "third_party_name",
    "third_party_address",
    "third_party_representative",
    "data_items",
    "consent_obtained",
    "legal_basis",
    "statutory_basis",
    "acquisition_method",
    "opt_out_published",
    "record_form",
)


def provision_records_check(rows: Iterable[tuple[int, Mapping[str, Any]]]) -> tuple[list[dict], list[ExemptRow]]:
    """Check every row ((row number, values) pairs); the rows to store and the exempt ones.

    Raises ProvisionRowsInvalid listing every problem of every row when any row is wrong.
    """
    rows = list(rows)
    problems: list[RowProblem] = []
    checked: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        values, row_problems = check_provision_row(raw)
        # A row holding a My Number is named by its row alone: its record number may be the number.
        key = values["source_ref"] if values else ("" if _has_my_number(raw) else _text(raw.get("record_number")))
        problems += [RowProblem(number, key, column, message) for column, message in row_problems]
        if values is None:
            continue
        if (first := seen.setdefault(key, number)) != number:
            problems.append(
                RowProblem(number, key, "record_number", _("%(row)s行目と同じ記録番号です。") % {"row": first})
            )
            continue
        checked.append((number, values))

    numbers = {values["member_number"] for _number, values in checked}
    members = {m.member_number: m for m in Member.objects.filter(member_number__in=numbers)}
    to_store: list[dict] = []
    exempt: list[ExemptRow] = []
    for number, values in checked:
        member = members.get(values.pop("member_number"))
        if member is None:
            problems.append(
                RowProblem(number, values["source_ref"], "member_number", _("この組合員番号は名簿にありません。"))
            )
            continue
        if reason := _exempt_reason(values):
            exempt.append(ExemptRow(number, values["source_ref"], reason))
            continue
        values.pop("third_party_kind")
        to_store.append({"member": member, **values})
    if problems:
        raise ProvisionRowsInvalid(sorted(problems, key=lambda problem: problem.row))
    return to_store, exempt


def _has_my_number(raw: Mapping[str, Any]) -> bool:
    return any(isinstance(value, str) and contains_my_number(value) for value in raw.values())


def provision_records_upsert(
    *,
    actor: object,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    source: Literal["api", "import"],
    dry_run: bool = False,
    audit_data: Mapping[str, Any] | None = None,
) -> ProvisionUpsertResult:
    """Check `rows` and create or update the records by their record number, all or nothing.

    `source` names the audit entry (the API and the import each have theirs); `actor` is the API
    client, the staff member, or None for the command. With `dry_run` the counts are what a real
    run would do, and nothing is written.
    """
    rows = list(rows)
    to_store, exempt = provision_records_check(rows)
    result = ProvisionUpsertResult(rows=len(rows), exempt=exempt, dry_run=dry_run)
    with transaction.atomic():
        keys = [values["source_ref"] for values in to_store]
        existing = ProvisionRecord.objects.filter(source_ref__in=keys)
        if not dry_run:
            existing = existing.select_for_update()
        stored_by_key = {record.source_ref: record for record in existing}
        for values in to_store:
            stored = stored_by_key.get(values["source_ref"])
            if stored is None:
                if not dry_run:
                    ProvisionRecord.objects.create(**values)
                result.created += 1
                continue
            changed = [name for name in MODEL_FIELDS if getattr(stored, name) != values[name]]
            if not changed:
                result.unchanged += 1
                continue
            if not dry_run:
                for name in changed:
                    setattr(stored, name, values[name])
                stored.save(update_fields=changed)
            result.updated += 1
        if not dry_run:
            data = {
                **(audit_data or {}),
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "exempt": len(exempt),
            }
            if source == "api":
                audit.record(action="api.provision_records.upsert", actor=actor, data=data)
            else:
                audit.record(action="provision_records.import", actor=actor, data=data)
    return result


# --- disclosing or withholding records on a records-disclosure case (法第33条第5項) ------------------

# Before the decision is drafted; afterwards the drafted decision holds the choice.
CHOICE_STATUSES = frozenset({Status.SUBMITTED, Status.VERIFYING, Status.AWAITING_AMENDMENT, Status.IN_REVIEW})
# Withholding is justified only by 法第33条第2項第1号〜第3号 (as a withheld part of any disclosure).
WITHHOLDING_GROUNDS = (StatutoryGround.ART33_2_1, StatutoryGround.ART33_2_2, StatutoryGround.ART33_2_3)


@dataclass(frozen=True)
class RecordChoice:
    withheld: bool
    ground: str = ""
    reason: str = ""


class ProvisionChoicesInvalid(DomainError):
    """Some choices are incomplete; `errors` maps a record id to its messages (nothing saved)."""

    def __init__(self, errors: dict[int, list[str]]) -> None:
        self.errors = errors
        super().__init__(_("開示しない記録ごとに、根拠と理由を入力してください。"))


def check_record_choice(choice: RecordChoice) -> list[tuple[str, str]]:
    """What is wrong with one choice, as (field: "ground" or "reason", message); empty: nothing."""
    if not choice.withheld:
        return []
    problems = []
    if choice.ground not in WITHHOLDING_GROUNDS:
        problems.append(("ground", _("開示しない根拠（第33条第2項第1号〜第3号）を選んでください。")))
    if not choice.reason.strip():
        problems.append(
            ("reason", _("開示しない理由を入力してください。この理由は通知書に記載され、請求者に示されます。"))
        )
    elif contains_my_number(choice.reason):
        problems.append(
            ("reason", _("マイナンバーと思われる番号が含まれています。理由にマイナンバーを記載しないでください。"))
        )
    return problems


@transaction.atomic
def dsr_choose_provision_records(
    *, dsr: DataSubjectRequest, actor: User, choices: Mapping[int, RecordChoice]
) -> tuple[int, int]:
    """Record which of the member's provision records the notice discloses; (disclosed, withheld).

    `choices` maps a record id to its choice; records not named keep theirs. Raises
    ProvisionChoicesInvalid (nothing saved) when a withheld record lacks its ground or reason.
    """
    require_handler(actor, dsr)
    locked = DataSubjectRequest.objects.select_for_update().get(pk=dsr.pk)
    if locked.kind != RequestKind.PROVISION_RECORDS:
        raise DomainError(_("第三者提供記録の開示の請求ではありません。"))
    if locked.status not in CHOICE_STATUSES:
        raise DomainError(_("決定案を作成した後は、開示する記録を変更できません。差戻しの後に変更してください。"))
    records = {r.pk: r for r in ProvisionRecord.objects.filter(member_id=locked.member_id, pk__in=list(choices))}
    errors: dict[int, list[str]] = {}
    for record_id, choice in choices.items():
        if record_id not in records:
            errors[record_id] = [_("この記録は見つかりません（廃棄又は更新された可能性があります）。")]
        elif problems := check_record_choice(choice):
            errors[record_id] = [message for _field, message in problems]
    if errors:
        raise ProvisionChoicesInvalid(errors)
    now = timezone.now()
    for record_id, choice in choices.items():
        ProvisionRecordChoice.objects.update_or_create(
            dsr=locked,
            record_id=record_id,
            defaults={
                "withheld": choice.withheld,
                "ground": choice.ground if choice.withheld else "",
                "reason": clean_text(choice.reason) if choice.withheld else "",
                "decided_by": actor,
                "decided_at": now,
            },
        )
    withheld = ProvisionRecordChoice.objects.filter(dsr=locked, withheld=True).count()
    total = ProvisionRecord.objects.filter(member_id=locked.member_id).count()
    audit.record(
        action="dsr.provision_records.choose",
        actor=actor,
        obj=locked,
        data={"records": total, "withheld": withheld, "changed": len(choices)},
    )
    return total - withheld, withheld


def provision_record_label(record: ProvisionRecord) -> str:
    """How a withheld record is named on the notice (without the withheld content itself)."""
    return f"{format_wareki(record.occurred_on)}の{record.get_direction_display()}の記録（{record.third_party_name}）"


def records_decision_details(dsr: DataSubjectRequest, details: Mapping | None) -> dict:
    """The drafted details of a records decision with the per-record choices folded in: the ids of
    the records the notice prints, and each withheld record as a withheld part with its ground
    and reason (法第33条第5項において準用する同条第3項)."""
    details = dict(details or {})
    disclosed: list[int] = []
    withheld_items: list[dict] = []
    choices = {c.record_id: c for c in ProvisionRecordChoice.objects.filter(dsr=dsr, withheld=True)}
    for record in ProvisionRecord.objects.filter(member_id=dsr.member_id).order_by("occurred_on", "id"):
        choice = choices.get(record.pk)
        if choice is None:
            disclosed.append(record.pk)
        else:
            withheld_items.append(
                {"item": provision_record_label(record), "ground": choice.ground, "reason": choice.reason}
            )
    details["provision_record_ids"] = disclosed
    if withheld_items:
        typed = [row for row in details.get("withheld_items") or [] if isinstance(row, Mapping)]
        details["withheld_items"] = withheld_items + typed
    return details

"""A case's kind-specific `details` as rows a person can read, for the staff and member case pages.

`dsr.details` stores codes (see forms/member.py for what the wizard writes, and
forms/staff.IntakeForm for a paper request): choice values become their labels, data
categories a list of names, correction rows a small table. A key this module does not know
still shows, under its own name, so nothing filed is hidden from staff.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from requests_portal.forms.member import AUTHORITY_DOCUMENT_TYPES, CORRECTION_ACTIONS, INQUIRY_TYPES
from requests_portal.models import (
    IdDocumentType,
    IdentityMethod,
    SuspensionGround,
    SuspensionMeasure,
)
from requests_portal.mynumber import mask_my_numbers

LIST_SEPARATOR = "、"

# Order of the rows: the request first, then how identity and authority are shown.
LABELS: dict[str, Promise] = {
    "inquiry_type": _("お申出の種類"),
    "data_categories": _("対象の保有個人データの項目"),
    "categories": _("対象の保有個人データの項目"),
    "purpose": _("利用目的の通知を求める対象"),
    "period": _("対象の期間"),
    "third_party": _("提供先・提供元"),
    "other_method": _("その他の開示の方法"),
    "measure": _("求める措置"),
    "measures": _("求める措置"),
    "ground": _("請求の理由（法律上の根拠）"),
    "corrections": _("訂正等を求める内容"),
    "identity_method": _("本人確認の方法"),
    "id_document_type": _("本人確認書類の種類"),
    "authority_document_type": _("代理権を証する書類"),
    "note": _("備考"),
}

CHOICES: dict[str, Mapping[str, object]] = {
    "inquiry_type": INQUIRY_TYPES,
    "measure": dict(SuspensionMeasure.choices),
    "measures": dict(SuspensionMeasure.choices),
    "ground": dict(SuspensionGround.choices),
    "identity_method": dict(IdentityMethod.choices),
    "id_document_type": dict(IdDocumentType.choices),
    "authority_document_type": AUTHORITY_DOCUMENT_TYPES,
}

# Markers written by tools, never by a requester or a clerk: shown to nobody
# (seed_demo_history tags its generated cases so it can find them again).
TOOL_MARKERS = frozenset({"demo_history"})


@dataclass(frozen=True)
class CorrectionRow:
    action: str
    item: str
    current: str
    correct: str


@dataclass(frozen=True)
class DetailRow:
    key: str
    label: str
    text: str = ""
    corrections: tuple[CorrectionRow, ...] = field(default=())


def _text(value: object) -> str:
    """Plain text of any stored value (never a My Number: masked here as well as at input)."""
    if value is None:
        return ""
    if isinstance(value, Promise):  # a lazy label is iterable: make it text first
        value = str(value)
    if isinstance(value, bool):
        return str(_("はい") if value else _("いいえ"))
    if isinstance(value, Mapping):
        if "name" in value:  # a data category {"id": …, "name": …}
            return _text(value["name"])
        return LIST_SEPARATOR.join(f"{k}：{_text(v)}" for k, v in value.items() if v not in ("", None))
    if isinstance(value, Iterable) and not isinstance(value, str):
        return LIST_SEPARATOR.join(text for text in (_text(item) for item in value) if text)
    return mask_my_numbers(str(value))


def _choice(key: str, value: object) -> str:
    labels = CHOICES[key]
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_choice(key, item) for item in value if item)
    return _text(labels.get(str(value), value))


def _corrections(value: object) -> tuple[CorrectionRow, ...]:
    rows = []
    for row in value if isinstance(value, list) else []:
        if not isinstance(row, Mapping):
            continue
        action = str(row.get("action") or "")
        rows.append(
            CorrectionRow(
                action=_text(CORRECTION_ACTIONS.get(action, action)),
                item=_text(row.get("item") or row.get("field")),
                current=_text(row.get("current") or row.get("old")),
                correct=_text(row.get("correct") or row.get("new")),
            )
        )
    return tuple(rows)


def detail_rows(details: object, *, for_member: bool = False) -> list[DetailRow]:
    """Readable rows of a case's `details`, known keys first in a fixed order, then the rest.
    The member's page shows only the known keys: the others were not typed by the member
    (imports, staff bookkeeping) and a raw key means nothing to them."""
    if not isinstance(details, Mapping):
        return []
    known = [key for key in LABELS if key in details]
    others = [] if for_member else [key for key in details if key not in LABELS and key not in TOOL_MARKERS]
    rows = []
    for key in known + others:
        value = details[key]
        if value in (None, "", [], {}):
            continue
        label = str(LABELS.get(key, key))
        if key == "corrections":
            if corrections := _corrections(value):
                rows.append(DetailRow(key, label, corrections=corrections))
            continue
        text = _choice(key, value) if key in CHOICES else _text(value)
        if text:
            rows.append(DetailRow(key, label, text))
    return rows

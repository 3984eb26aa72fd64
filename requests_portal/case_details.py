"""A case's kind-specific `details` as rows a person can read, for the staff and member case pages.

`dsr.details` stores codes; the label, the shape and the choices of each key, and the order
they are shown in, are the kinds' specs (models/request_kinds.py). Choice values become
their labels, data categories a list of names, correction rows a small table. A key no spec
knows still shows to staff, under its own name, so nothing filed is hidden from them.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from requests_portal.models.request_kinds import CORRECTION_ACTIONS, SHOWN_DETAILS, TOOL_MARKERS, Shape
from requests_portal.mynumber import mask_my_numbers
from requests_portal.stored_text import list_separator, reads_japanese, stored_label
from requests_portal.text import normalize_line

SHOWN = {key.name: key for key in SHOWN_DETAILS}


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
        if "name" in value:  # a data category {"id": …, "name": …}, named in the reader's language
            return stored_label(_text(value["name"]))
        colon = "：" if reads_japanese() else ": "
        return list_separator().join(f"{k}{colon}{_text(v)}" for k, v in value.items() if v not in ("", None))
    if isinstance(value, Iterable) and not isinstance(value, str):
        return list_separator().join(text for text in (_text(item) for item in value) if text)
    return mask_my_numbers(str(value))


def _choice(labels: Mapping[str, object], value: object) -> str:
    if isinstance(value, list):
        return list_separator().join(_choice(labels, item) for item in value if item)
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
    known = [name for name in SHOWN if name in details]
    others = [] if for_member else [name for name in details if name not in SHOWN and name not in TOOL_MARKERS]
    rows = []
    for name in known + others:
        value = details[name]
        if value in (None, "", [], {}):
            continue
        key = SHOWN.get(name)
        label = str(key.label) if key else name
        if key and key.shape == Shape.CORRECTIONS:
            if corrections := _corrections(value):
                rows.append(DetailRow(name, label, corrections=corrections))
            continue
        text = _choice(key.choices, value) if key and key.choices else _text(value)
        if text:
            rows.append(DetailRow(name, label, text))
    return rows


def category_names(details: Mapping | None) -> frozenset[str]:
    """The data categories a case names, NFKC-normalised for comparison: the wizard stores
    {"id", "name"} rows, the paper intake plain names, older cases the legacy key."""
    names = set()
    for key in ("data_categories", "categories"):
        values = (details or {}).get(key) or []
        for value in values if isinstance(values, list) else []:
            name = value.get("name", "") if isinstance(value, Mapping) else value
            if isinstance(name, str) and (normalized := normalize_line(name)):
                names.add(normalized)
    return frozenset(names)


def categories_overlap(first: frozenset[str], second: frozenset[str]) -> bool:
    """Whether two requests may concern the same data. A request naming no category concerns
    whatever its description says, so it may overlap anything (docs/architecture.md#duplicates)."""
    return not first or not second or bool(first & second)

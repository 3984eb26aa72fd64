"""Reading a CSV file of third-party provision records from the core system (docs/integration.md).

The file has a header row naming its columns (in any order) and one record per row. It may be
UTF-8, with or without BOM, or Shift_JIS (CP932) as Excel writes it in Japan; `encoding="auto"`
tells them apart. The rows then go through the same check and upsert as the JSON API
(services/provision_records.py): this module only turns bytes into (line number, cells by column).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from requests_portal.mynumber import contains_my_number
from requests_portal.services.provision_records import (
    COLUMN_LABELS,
    REQUIRED_COLUMNS,
    ProvisionRowsInvalid,
    ProvisionUpsertResult,
    RowProblem,
    provision_records_upsert,
)
from requests_portal.stored_text import list_separator

ENCODINGS = {"utf-8": "utf-8-sig", "shift_jis": "cp932"}
ENCODING_CHOICES = ("auto", *ENCODINGS)
REQUIRED_HEADERS = (*REQUIRED_COLUMNS, "basis")

# Header names besides the labels in COLUMN_LABELS and the API's own field names.
HEADER_ALIASES = {
    "提供・受領の別": "direction",
    "提供・受領の年月日": "occurred_on",
    "第三者の名称": "third_party_name",
    "第三者の氏名": "third_party_name",
    "代表者": "third_party_representative",
    "代表者の氏名": "third_party_representative",
    "同意・根拠": "basis",
    "根拠": "statutory_basis",
    "取得の経緯": "acquisition_method",
    "第三者による取得の経緯": "acquisition_method",
}


class ProvisionFileError(Exception):
    """The file as a whole cannot be read (encoding, header); the message says why."""


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lower()


def _header_names() -> dict[str, str]:
    """Header name -> column: the API's field names and the Japanese labels, whatever the reader's language."""
    names = {_key(column): column for column in COLUMN_LABELS}
    with translation.override("ja"):
        names |= {_key(str(label)): column for column, label in COLUMN_LABELS.items()}
    names |= {_key(alias): column for alias, column in HEADER_ALIASES.items()}
    return names


def decode(content: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The text of `content` and the encoding it was read as ("utf-8" or "shift_jis")."""
    if encoding not in ENCODING_CHOICES:
        raise ProvisionFileError(_("文字コードは auto・utf-8・shift_jis のいずれかです。"))
    tried = ("utf-8", "shift_jis") if encoding == "auto" else (encoding,)
    for name in tried:
        try:
            return content.decode(ENCODINGS[name]), name
        except UnicodeDecodeError:
            continue
    if encoding == "auto":
        raise ProvisionFileError(_("UTF-8 としても Shift_JIS としても読み取れません。どちらかで保存してください。"))
    raise ProvisionFileError(
        _("文字コード（%(encoding)s）として読み取れない文字があります。文字コードの指定を確かめてください。")
        % {"encoding": encoding}
    )


def read_rows(
    content: bytes, encoding: str = "auto"
) -> tuple[list[tuple[int, Mapping[str, Any]]], list[tuple[int, str]], str]:
    """(rows as (line number, {column: cell}), rows whose shape is wrong as (line, message), the encoding read).

    A row whose number of cells differs from the header is reported, not guessed at: its cells
    could be shifted into the wrong columns.
    """
    text, used = decode(content, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records: list[tuple[int, list[str]]] = []
        line = 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ProvisionFileError(_("CSVの形式が正しくありません（%(error)s）。") % {"error": exc}) from None
    if not records:
        raise ProvisionFileError(_("ファイルが空です。"))
    _header_line, header = records[0]
    columns = _map_header(header)
    rows: list[tuple[int, Mapping[str, Any]]] = []
    shape_errors: list[tuple[int, str]] = []
    for line, cells in records[1:]:
        if len(cells) != len(header):
            message = _("列の数（%(cells)s）が見出し（%(width)s）と一致しません。") % {
                "cells": len(cells),
                "width": len(header),
            }
            shape_errors.append((line, message))
            continue
        rows.append((line, {column: cells[index] for index, column in enumerate(columns)}))
    return rows, shape_errors, used


def _map_header(header: list[str]) -> list[str]:
    names = _header_names()
    columns: list[str] = []
    unknown: list[str] = []
    for cell in header:
        column = names.get(_key(cell))
        if column is None or column in columns:
            shown = _("（マイナンバーと思われる番号）") if contains_my_number(cell) else cell.strip()
            unknown.append(shown or _("（空欄）"))
        columns.append(column or "")
    if unknown:
        raise ProvisionFileError(
            _("見出し行に、分からない又は重複した列があります：%(columns)s")
            % {"columns": list_separator().join(unknown)}
        )
    missing = [str(COLUMN_LABELS[column]) for column in REQUIRED_HEADERS if column not in columns]
    if missing:
        raise ProvisionFileError(
            _("見出し行に必要な列がありません：%(columns)s") % {"columns": list_separator().join(missing)}
        )
    return columns


def import_provision_csv(
    *, content: bytes, encoding: str = "auto", dry_run: bool, actor: object, filename: str = ""
) -> tuple[ProvisionUpsertResult, str]:
    """Check the whole file and, unless `dry_run`, store its records in one transaction.

    Returns the counts and the encoding the file was read as. Raises ProvisionFileError for a
    file that cannot be read at all, and ProvisionRowsInvalid listing every bad row (nothing
    is written then).
    """
    rows, shape_errors, used = read_rows(content, encoding)
    problems = [RowProblem(line, "", "", message) for line, message in shape_errors]
    try:
        result = provision_records_upsert(
            actor=actor,
            rows=rows,
            source="import",
            dry_run=dry_run or bool(problems),
            audit_data={"file": filename[:100], "encoding": used},
        )
    except ProvisionRowsInvalid as invalid:
        problems += invalid.problems
    if problems:
        raise ProvisionRowsInvalid(sorted(problems, key=lambda problem: problem.row))
    return result, used

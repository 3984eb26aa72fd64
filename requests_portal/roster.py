"""Loading the co-op's member roster (組合員名簿) from CSV: all or nothing.

The file has a header row naming the columns 組合員番号, 氏名, フリガナ, 生年月日, 〒, 住所, 電話,
メール (in any order; 郵便番号, 電話番号, メールアドレス are accepted too). It may be UTF-8 (with or
without BOM) or Shift_JIS/CP932, as Excel writes it in Japan.

`import_roster` reads the file twice so that memory stays flat for large rosters:

1. check every row (NFKC-normalised; half-width kana become full-width, hiragana in フリガナ
   become katakana; dates may be 和暦), collect the rejected rows with their line numbers and
   reasons, and reject member numbers that appear twice in the file;
2. only if no row was rejected, write everything in one transaction, in batches: one query
   per batch to find the existing members, then bulk_create / bulk_update (no query per row).

A rejected row means nothing is written. The result says how many members were created,
updated and left unchanged. `progress(done, total)` is called after each written batch, for a
progress display.
"""

from __future__ import annotations

import csv
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_portal import audit, jobs, storage
from requests_portal.accounts import normalize_member_number
from requests_portal.exceptions import DomainError
from requests_portal.models import BulkJob, Member, User
from requests_portal.mynumber import contains_my_number
from requests_portal.stored_text import list_separator
from requests_portal.text import hiragana_to_katakana, normalize_line, normalize_postal_code
from requests_portal.wareki import parse_japanese_date

COLUMNS = {
    "member_number": ("組合員番号",),
    "full_name": ("氏名",),
    "full_name_kana": ("フリガナ", "ふりがな"),
    "birth_date": ("生年月日",),
    "postal_code": ("〒", "郵便番号"),
    "address": ("住所",),
    "phone": ("電話", "電話番号"),
    "email": ("メール", "メールアドレス"),
}
REQUIRED_COLUMNS = ("member_number", "full_name", "birth_date")
COLUMN_LABELS = {key: names[0] for key, names in COLUMNS.items()}
WRITTEN_FIELDS = ("full_name", "full_name_kana", "birth_date", "postal_code", "address", "phone", "email", "is_active")

_MEMBER_NUMBER = re.compile(r"[0-9A-Z]{1,20}")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc\u30fb\u30fd\u30fe ]+")
_PHONE = re.compile(r"\+?[0-9()\- ]+")
_EARLIEST_BIRTH = date(1900, 1, 1)
BATCH_SIZE = 1000
UPDATE_BATCH_SIZE = 100


class RosterFileError(Exception):
    """The file as a whole cannot be read (encoding, header); the message says why."""


@dataclass
class RowError:
    line: int
    reasons: list[str]

    def __str__(self) -> str:
        return f"{self.line}行目: {'／'.join(self.reasons)}"


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class RosterRow:
    line: int
    member_number: str
    full_name: str
    full_name_kana: str
    birth_date: date
    postal_code: str
    address: str
    phone: str
    email: str


# --- reading ----------------------------------------------------------------------------------


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(65536)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the 64 KiB boundary is still UTF-8.
        if exc.start < len(head) - 4:
            return "cp932"
    return "utf-8-sig"


def _records(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, cells), skipping blank lines."""
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle)
            line = 1
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield line, cells
                line = reader.line_num + 1
    except UnicodeDecodeError:
        raise RosterFileError(
            _("文字コード（%(encoding)s）として読み取れない文字があります。UTF-8 又は Shift_JIS で保存してください。")
            % {"encoding": encoding}
        ) from None
    except csv.Error as exc:
        raise RosterFileError(_("CSVの形式が正しくありません（%(error)s）。") % {"error": exc}) from None


def _header_map(cells: list[str]) -> dict[str, int]:
    names = [unicodedata.normalize("NFKC", cell).strip() for cell in cells]
    mapping: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        normalized = [unicodedata.normalize("NFKC", alias) for alias in aliases]
        for index, name in enumerate(names):
            if name in normalized:
                mapping[key] = index
                break
    missing = [COLUMN_LABELS[key] for key in REQUIRED_COLUMNS if key not in mapping]
    if missing:
        raise RosterFileError(
            _("見出し行に必要な列がありません：%(columns)s") % {"columns": list_separator().join(missing)}
        )
    return mapping


# --- checking one row ------------------------------------------------------------------------


def _clean_row(line: int, cells: list[str], header: dict[str, int], width: int) -> tuple[RosterRow | None, list[str]]:
    if len(cells) != width:
        return None, [
            _("列の数（%(cells)s）が見出し（%(width)s）と一致しません") % {"cells": len(cells), "width": width}
        ]
    raw = {key: cells[index] if index < len(cells) else "" for key, index in header.items()}
    row, problems = check_roster_values(line, raw)
    return row, [message for _column, message in problems]


def check_roster_values(line: int, raw: dict[str, str]) -> tuple[RosterRow | None, list[tuple[str, str]]]:
    """Check one roster row given as {column key: text}; (the row, or None and its problems as
    (column key, message) pairs). The CSV import and the core-system API share it."""
    problems: list[tuple[str, str]] = []
    raw = dict(raw)
    for key, value in raw.items():
        if contains_my_number(value):
            problems.append(
                (key, _("%(column)sにマイナンバーと思われる番号が含まれています") % {"column": COLUMN_LABELS[key]})
            )
            raw[key] = ""

    number = normalize_member_number(raw.get("member_number", ""))
    if not number:
        problems.append(("member_number", _("組合員番号がありません")))
    elif not _MEMBER_NUMBER.fullmatch(number):
        problems.append(("member_number", _("組合員番号は英数字20文字以内です")))

    name = normalize_line(raw.get("full_name", ""))
    if not name:
        problems.append(("full_name", _("氏名がありません")))
    elif len(name) > 100:
        problems.append(("full_name", _("氏名が長すぎます（100文字以内）")))

    kana = hiragana_to_katakana(normalize_line(raw.get("full_name_kana", "")))
    kana = kana.replace("\u3000", " ")
    if kana and not _KATAKANA.fullmatch(kana):
        problems.append(("full_name_kana", _("フリガナはカタカナ（又はひらがな）で入力してください")))
    elif len(kana) > 200:
        problems.append(("full_name_kana", _("フリガナが長すぎます（200文字以内）")))

    birth_date = None
    birth_text = normalize_line(raw.get("birth_date", ""))
    if not birth_text:
        problems.append(("birth_date", _("生年月日がありません")))
    else:
        try:
            birth_date = parse_japanese_date(birth_text)
        except ValueError as exc:
            problems.append(("birth_date", _("生年月日：%(error)s") % {"error": exc}))
        else:
            if birth_date > timezone.localdate() or birth_date < _EARLIEST_BIRTH:
                problems.append(("birth_date", _("生年月日が正しくありません")))

    postal = ""
    if postal_text := normalize_line(raw.get("postal_code", "")):
        try:
            postal = normalize_postal_code(postal_text)
        except ValueError:
            problems.append(("postal_code", _("郵便番号は7桁の数字です")))

    address = normalize_line(raw.get("address", ""))
    if len(address) > 300:
        problems.append(("address", _("住所が長すぎます（300文字以内）")))

    phone = normalize_line(raw.get("phone", ""))
    if phone:
        digits = re.sub(r"\D", "", phone)
        if not _PHONE.fullmatch(phone) or not 10 <= len(digits) <= 11 or len(phone) > 20:
            problems.append(("phone", _("電話番号の形式が正しくありません")))

    email = normalize_line(raw.get("email", "")).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(("email", _("メールアドレスの形式が正しくありません")))

    if problems or birth_date is None:
        return None, problems
    return (
        RosterRow(
            line=line,
            member_number=number,
            full_name=name,
            full_name_kana=kana,
            birth_date=birth_date,
            postal_code=postal,
            address=address,
            phone=phone,
            email=email,
        ),
        [],
    )


def _rows(path: Path, encoding: str, errors: list[RowError] | None) -> Iterator[RosterRow]:
    """The valid rows; rejected ones are appended to `errors` (duplicates included)."""
    records = _records(path, encoding)
    first = next(records, None)
    if first is None:
        raise RosterFileError(_("ファイルが空です。"))
    header = _header_map(first[1])
    width = len(first[1])
    seen: dict[str, int] = {}
    for line, cells in records:
        row, reasons = _clean_row(line, cells, header, width)
        if row is not None:
            if (first_line := seen.get(row.member_number)) is not None:
                reasons = [_("組合員番号が%(line)s行目と重複しています") % {"line": first_line}]
                row = None
            else:
                seen[row.member_number] = line
        if reasons or row is None:
            if errors is not None:
                errors.append(RowError(line=line, reasons=reasons))
            continue
        yield row


# --- writing ---------------------------------------------------------------------------------


def _batches(rows: Iterator[RosterRow], size: int) -> Iterator[list[RosterRow]]:
    batch: list[RosterRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _apply(row: RosterRow, member: Member) -> bool:
    """Copy the row onto `member`; True if anything changed."""
    changed = False
    for name in WRITTEN_FIELDS:
        value = True if name == "is_active" else getattr(row, name)
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed = True
    return changed


def _member_column(name: str) -> tuple[Field, str]:
    """The Member field `name` and its database column; only a concrete field has one."""
    model_field = Member._meta.get_field(name)
    if not isinstance(model_field, Field) or model_field.column is None:
        raise FieldDoesNotExist(f"Member.{name} has no column")
    return model_field, model_field.column


def _bulk_update(members: list[Member], fields: list[str]) -> None:
    """Write changed members. PostgreSQL: one UPDATE … FROM (VALUES …) per batch. Elsewhere:
    bulk_update, whose CASE-per-field SQL costs about 3 ms of Python per row (bench/roster_import.py)."""
    if not members:
        return
    if connection.vendor != "postgresql":
        Member.objects.bulk_update(members, fields, batch_size=UPDATE_BATCH_SIZE)
        return
    quote = connection.ops.quote_name
    columns = [_member_column(name) for name in fields]
    names = ", ".join(["id", *(quote(column) for _field, column in columns)])
    assignments = ", ".join(f"{quote(column)} = v.{quote(column)}::{f.db_type(connection)}" for f, column in columns)
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    for start in range(0, len(members), BATCH_SIZE):
        chunk = members[start : start + BATCH_SIZE]
        params = [
            value
            for member in chunk
            for value in (
                member.pk,
                *(f.get_db_prep_save(getattr(member, f.attname), connection) for f, _column in columns),
            )
        ]
        sql = (
            f"UPDATE {quote(Member._meta.db_table)} AS m SET {assignments} "  # noqa: S608 - names are quoted model columns
            f"FROM (VALUES {', '.join([row] * len(chunk))}) AS v({names}) WHERE m.id = v.id::bigint"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _write_batch(batch: list[RosterRow], result: ImportResult) -> None:
    existing = {m.member_number: m for m in Member.objects.filter(member_number__in=[r.member_number for r in batch])}
    now = timezone.now()
    to_create, to_update = [], []
    for row in batch:
        member = existing.get(row.member_number)
        if member is None:
            member = Member(member_number=row.member_number)
            _apply(row, member)
            member.refresh_search_keys()
            to_create.append(member)
        elif _apply(row, member):
            member.refresh_search_keys()
            member.updated_at = now
            to_update.append(member)
        else:
            result.unchanged += 1
    Member.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    _bulk_update(to_update, [*WRITTEN_FIELDS, "name_search", "kana_search", "updated_at"])
    result.created += len(to_create)
    result.updated += len(to_update)


def write_roster_rows(
    rows: Iterator[RosterRow] | list[RosterRow],
    result: ImportResult,
    *,
    progress: Callable[[int, int], None] | None = None,
    total: int = 0,
    batch_size: int = BATCH_SIZE,
) -> None:
    """Create or update the members of already checked rows, in batches (inside the caller's
    transaction), counting them in `result`. The CSV import and the core-system API share it."""
    done = 0
    for batch in _batches(iter(rows), batch_size):
        _write_batch(batch, result)
        done += len(batch)
        if progress is not None:
            progress(done, total)


def import_roster(
    source: str | Path,
    *,
    encoding: str | None = None,
    actor: object = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Check the whole file, then load it in one transaction, or load nothing.

    Raises RosterFileError when the file itself is unreadable; rejected rows are reported in
    `result.errors` (and nothing is written). With `dry_run`, the counts are computed and the
    transaction rolled back.
    """
    path = Path(source)
    encoding = encoding or _detect_encoding(path)
    result = ImportResult(dry_run=dry_run)
    for _row in _rows(path, encoding, result.errors):
        result.rows += 1
    if result.errors:
        audit.record(
            action="roster.import", actor=actor, outcome="rejected", data={"rejected_rows": len(result.errors)}
        )
        return result

    total = result.rows
    with transaction.atomic():
        write_roster_rows(_rows(path, encoding, None), result, progress=progress, total=total, batch_size=batch_size)
        audit.record(
            action="roster.import",
            actor=actor,
            outcome="dry_run" if dry_run else "ok",
            data={"rows": result.rows, "created": result.created, "updated": result.updated},
        )
        if dry_run:
            transaction.set_rollback(True)
    return result


def check_roster(source: str | Path, *, encoding: str | None = None) -> ImportResult:
    """The first pass of `import_roster` alone: count the rows and collect the rejected ones."""
    path = Path(source)
    result = ImportResult(dry_run=True)
    for _row in _rows(path, encoding or _detect_encoding(path), result.errors):
        result.rows += 1
    return result


def import_roster_text(text: str, **kwargs: Any) -> ImportResult:
    """Convenience for tests and small uploads: import from a string (written to a temp file)."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", newline="", delete=False) as handle:
        handle.write(text)
        name = handle.name
    try:
        return import_roster(name, encoding="utf-8", **kwargs)
    finally:
        Path(name).unlink(missing_ok=True)


# --- the import as a background job with progress (for the admin's upload page) -------------

ROSTER_IMPORT_JOB = "roster_import"
# What the job's page lists of the rejected rows (the count is always exact).
_SHOWN_ERRORS = 200


@jobs.register
class RosterImportJob(jobs.JobHandler):
    """An uploaded roster, imported all or nothing: first every row is checked (one chunk),
    then, only if none was rejected, everything is written in one transaction (the next).

    The uploaded file is kept encrypted in private storage for the job only and deleted when the
    job ends, whatever the outcome.
    """

    kind = ROSTER_IMPORT_JOB
    label = gettext_lazy("組合員名簿の取込")

    def may_start(self, actor: object) -> bool:
        from requests_portal.roles import Capability, has_capability

        return has_capability(actor, Capability.IMPORT_ROSTER)

    def validate(self, *, actor: object, params: dict) -> dict:
        if not params.get("storage_name"):
            raise DomainError(_("取り込むファイルがありません。"))
        return {"storage_name": str(params["storage_name"]), "filename": str(params.get("filename", ""))[:120]}

    @contextmanager
    def _file(self, job: BulkJob) -> Iterator[Path]:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "roster.csv"
            path.write_bytes(storage.read(job.params["storage_name"]))
            yield path

    def prepare(self, job: BulkJob) -> int:
        with self._file(job) as path:
            lines = sum(1 for _line in path.open("rb"))
        job.result = {"phase": "check"}
        # Two steps per row: checked, then written.
        return max(lines - 1, 0) * 2

    def run_chunk(self, job: BulkJob) -> int:
        phase = job.result.get("phase")
        if phase == "done":
            return 0
        with self._file(job) as path:
            try:
                if phase == "check":
                    result = check_roster(path)
                    errors = [str(error) for error in result.errors]
                    job.result = {"phase": "write" if not errors else "done", "rows": result.rows}
                    job.result |= {"rejected": len(errors), "errors": errors[:_SHOWN_ERRORS]}
                    if errors:
                        job.total = result.rows
                    return max(result.rows, 1)
                result = import_roster(path, actor=job.created_by)
            except RosterFileError as exc:
                job.result = {"phase": "done", "rows": 0, "rejected": 1, "errors": [str(exc)]}
                return 1
        job.result = {
            "phase": "done",
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": len(result.errors),
            "errors": [str(error) for error in result.errors][:_SHOWN_ERRORS],
        }
        return max(result.rows, 1)

    def finish(self, job: BulkJob) -> None:
        storage.delete(job.params["storage_name"])
        # While running, progress counts two steps a row; the finished job counts rows, so the
        # page says "2 / 2 件" for a two-row file, not "4 / 4".
        job.total = job.done = int(job.result.get("rows", 0))

    def summary(self, job: BulkJob) -> list[tuple[str, str]]:
        result = job.result
        if result.get("rejected"):
            lines = [(str(_("結果")), str(_("誤りのある行があったため、何も取り込んでいません。")))]
            lines.append((str(_("誤りのある行")), f"{result['rejected']:,}"))
            lines += [("", error) for error in result.get("errors", [])]
            return lines
        return [
            (str(_("結果")), str(_("すべての行を取り込みました。"))),
            (str(_("行数")), f"{result.get('rows', 0):,}"),
            (str(_("新しく登録")), f"{result.get('created', 0):,}"),
            (str(_("更新")), f"{result.get('updated', 0):,}"),
            (str(_("変更なし")), f"{result.get('unchanged', 0):,}"),
        ]


__all__ = [
    "ImportResult",
    "RosterFileError",
    "RosterImportJob",
    "RosterRow",
    "RowError",
    "check_roster",
    "check_roster_values",
    "import_roster",
    "import_roster_text",
    "write_roster_rows",
]


def roster_import_start(*, actor: User, content: bytes, filename: str) -> BulkJob:
    """Keep an uploaded roster encrypted for its import job and start the job (all or nothing).
    The job deletes the file when it ends; should the job not start, it is deleted here."""
    storage_name = storage.save(content)
    try:
        return jobs.job_start(
            kind=ROSTER_IMPORT_JOB,
            actor=actor,
            params={"storage_name": storage_name, "filename": filename},
        )
    except Exception:
        storage.delete(storage_name)
        raise

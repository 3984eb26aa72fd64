"""The one CSV writer: every download the portal offers as CSV is written and sent here.

Every file is UTF-8 with a byte-order mark (so Excel in Japan opens it as UTF-8, not Shift_JIS),
CRLF line ends, and every text cell that a spreadsheet would read as a formula (= + - @, tab,
carriage return) is prefixed with an apostrophe (OWASP "CSV injection"). Rows are streamed:
a chunk of lines leaves as soon as it is ready, so memory stays flat whatever the row count.
Every download carries the same headers: an attachment, no sniffing, a sandbox CSP and no-store
(the files hold personal information, 個人情報保護法第23条の安全管理措置).
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from urllib.parse import quote

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

BOM = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
LINE_END = "\r\n"
# Lines per chunk sent to the client.
LINES_PER_CHUNK = 500
# A cell starting with one of these is a formula to spreadsheet software. The uploads' check of
# CSV disclosure packages refuses the same cells.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A cell as written to the file: text that could start a formula gets a leading apostrophe."""
    if type(value) is str:  # the common case first: exports write hundreds of thousands of cells
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Line:
    """A file-like object whose write() hands back what csv.writer wrote (one line)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The file as text chunks: the BOM and header first, then LINES_PER_CHUNK rows at a time."""
    writer = csv.writer(_Line(), lineterminator=LINE_END)
    yield BOM + writer.writerow([neutralise(cell) for cell in header])
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow([neutralise(cell) for cell in row]))
        if len(buffer) >= LINES_PER_CHUNK:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)


def csv_bytes(header: Sequence[object] | None, rows: Iterable[Sequence[object]], *, bom: bool = True) -> bytes:
    """A small CSV (or one part of a large one) as bytes; `header` None writes rows only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=LINE_END)
    if header is not None:
        writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ((BOM if bom else "") + out.getvalue()).encode("utf-8")


def content_disposition(filename: str) -> str:
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def download_headers(response: StreamingHttpResponse, filename: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store, private"
    return response


def csv_response(*, filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    """A streamed CSV download."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_CONTENT_TYPE)
    return download_headers(response, filename)


def timestamped(name: str) -> str:
    return f"{name}_{timezone.localtime():%Y%m%d-%H%M}.csv"

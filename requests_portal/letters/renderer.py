"""HTML → PDF with WeasyPrint: one embedded Japanese face, nothing fetched from the network.

The font comes from the hash-pinned `pylopdf-fonts-jp` wheel (Noto Serif JP, SIL OFL 1.1)
and is declared by `@font-face` under our own family name, so the PDF looks the same on a
laptop, in CI and in the container whatever fonts the machine has (a generic
family mixes faces). The URL fetcher only opens that font file and the letter stylesheet;
anything else, remote or local, stops the render.

WeasyPrint reports a glyph missing from the font only as a log warning (and draws a box);
here that warning is turned into `LetterContentError`, so a notice is never issued with
tofu in it. The same input would fail the same way again, so callers do not retry it.
"""

import importlib.resources
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

FONT_FAMILY = "KeiseikyoMincho"
FONT_PACKAGE = "pylopdf_fonts_jp"
FONT_FILE = "NotoSerifJP-Regular.otf"
# The PostScript name inside the font file: tests look for it in the embedded subset.
FONT_POSTSCRIPT_NAME = "NotoSerifJP"
STYLESHEET = Path("requests_portal") / "css" / "letters.css"

_weasyprint_logger = logging.getLogger("weasyprint")


class LetterContentError(Exception):
    """This letter cannot be rendered as it is (a missing glyph, a refused resource, a bad template).

    Rendering the same content again would fail again: the letter needs a fix, not a retry.
    """


@cache
def font_path() -> Path:
    """The Noto Serif JP file shipped in the font package (resolved at run time, never hard-coded)."""
    resource = importlib.resources.files(FONT_PACKAGE) / FONT_FILE
    path = Path(str(resource)).resolve()
    if not path.is_file():
        raise LetterContentError(f"フォントファイルが見つかりません: {FONT_PACKAGE}/{FONT_FILE}")
    return path


def stylesheet_path() -> Path:
    for root in settings.STATICFILES_DIRS:
        candidate = Path(root) / STYLESHEET
        if candidate.is_file():
            return candidate.resolve()
    raise LetterContentError(f"通知書のスタイルシートが見つかりません: {STYLESHEET}")


def font_face_css() -> str:
    return (
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{font_path().as_uri()}"); }}\n'
        f'html {{ font-family: "{FONT_FAMILY}"; }}\n'
    )


def _make_fetcher(allowed: tuple[Path, ...]) -> "URLFetcher":
    from weasyprint.urls import URLFetcher

    class LocalFilesOnly(URLFetcher):
        """Opens only the listed local files; refuses every other URL (http, data, other paths)."""

        def fetch(self, url: str, headers: object = None) -> "URLFetcherResponse":
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise LetterContentError(f"通知書から外部の資源は読み込めません: {parts.scheme}:")
            path = Path(url2pathname(parts.path)).resolve()
            if path not in allowed:
                raise LetterContentError("通知書から読み込めないファイルが指定されています。")
            return super().fetch(url, headers)

    # fail_on_errors: a refused resource stops the render instead of being skipped quietly.
    return LocalFilesOnly(fail_on_errors=True, allowed_protocols=("file",))


class _WarningCollector(logging.Handler):
    """Collects WeasyPrint warnings raised by this thread (renders may run side by side)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextmanager
def _collect_warnings() -> Iterator[_WarningCollector]:
    collector = _WarningCollector()
    _weasyprint_logger.addHandler(collector)
    try:
        yield collector
    finally:
        _weasyprint_logger.removeHandler(collector)


def render_pdf(html: str) -> bytes:
    """The PDF for `html` (a complete document). Raises LetterContentError for content problems."""
    from PIL import ImageFile
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    # Importing WeasyPrint switched Pillow's process-wide LOAD_TRUNCATED_IMAGES on; notices embed
    # no raster images, and the upload validator relies on truncated images failing to decode.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    stylesheet = stylesheet_path()
    fetcher = _make_fetcher((font_path(), stylesheet))
    font_config = FontConfiguration()
    try:
        with _collect_warnings() as warnings:
            stylesheets = [
                CSS(string=font_face_css(), font_config=font_config, url_fetcher=fetcher),
                CSS(filename=str(stylesheet), font_config=font_config, url_fetcher=fetcher),
            ]
            document = HTML(string=html, base_url=str(stylesheet.parent), url_fetcher=fetcher)
            pdf = document.write_pdf(stylesheets=stylesheets, font_config=font_config, pdf_tags=True)
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: keep it from escaping
        raise LetterContentError(str(exc.__cause__ or exc)) from None
    missing = [m for m in warnings.messages if m.startswith(".notdef glyph")]
    if missing:
        raise LetterContentError("フォントに含まれない文字があります: " + "; ".join(missing)[:500])
    if not pdf.startswith(b"%PDF-"):
        raise LetterContentError("PDFを作成できませんでした。")
    return pdf


def warm_up() -> None:
    """Render a tiny notice once so that Pango, fontconfig and the font are loaded in this process.

    The Celery worker calls it in its main process before forking the pool (keiseikyo/celery.py),
    so that no pool process pays for it between its start and its ready message.
    """
    render_pdf('<!DOCTYPE html><html lang="ja"><body><p>準備</p></body></html>')

"""Screenshots of the browser tests, to look at: saved only when DSR_SCREENSHOT_DIR is set.

    from tests.e2e.shots import pdf_shot, shot

    shot(page, "staff-queue")        # DSR_SCREENSHOT_DIR/staff-queue.png, the full page
    pdf_shot(pdf, "decision-notice")  # DSR_SCREENSHOT_DIR/decision-notice.pdf (pdftoppm -png -r 60 to view)

Without the variable both do nothing, so the tests write no files by default.
"""

import os
from pathlib import Path


def _folder() -> Path | None:
    if folder := os.environ.get("DSR_SCREENSHOT_DIR"):
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return None


def shot(page, name: str) -> None:
    """Save the whole of `page` as `<name>.png`."""
    if folder := _folder():
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def pdf_shot(pdf: bytes, name: str) -> None:
    """Save a downloaded PDF as `<name>.pdf`."""
    if folder := _folder():
        (folder / f"{name}.pdf").write_bytes(pdf)

"""One date style per surface, one term per thing, and English that reads as English
(docs/architecture.md#dates, #terms, #stored-labels)."""

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from django.utils import translation

from requests_portal.date_styles import staff_date, staff_datetime
from requests_portal.models import IdentityMethod
from requests_portal.stored_text import payment_methods_label, stored_label, timeline_note
from tests.requests_portal.test_translations import PO, _messages

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PORTAL = TEMPLATES / "requests_portal"

# Every filter that prints a date or a moment, except the machine-readable `date:'c'` of a
# <time datetime="…"> attribute and a bare clock time after a 和暦 date.
DATE_FILTER = re.compile(
    r"\|\s*(date(?::\s*(['\"])(?P<format>[^'\"]*)\2)?|wareki|both_calendars|naturalday|naturaltime)"
)


def _staff_templates() -> list[Path]:
    pages = [*PORTAL.glob("staff/**/*.html"), *PORTAL.glob("oversight/**/*.html"), *PORTAL.glob("letters/staff_*.html")]
    pages += [path for path in PORTAL.glob("incidents/**/*.html") if path.name != "_member_notices.html"]
    pages += [PORTAL / "emails" / language / name for language in ("ja", "en") for name in ("reminder_staff.txt",)]
    return sorted(pages)


def _member_templates() -> list[Path]:
    pages = [*PORTAL.glob("member/**/*.html"), PORTAL / "incidents" / "_member_notices.html"]
    pages += [
        path for path in PORTAL.glob("emails/*/*.txt") if "staff" not in path.name and "incident" not in path.name
    ]
    return sorted(pages)


def _date_filters(path: Path) -> list[str]:
    return [match.group(0) for match in DATE_FILTER.finditer(path.read_text(encoding="utf-8"))]


def test_the_scans_see_the_templates():
    assert len(_staff_templates()) > 30
    assert len(_member_templates()) > 15


def test_staff_surfaces_print_dates_only_through_the_staff_filters():
    stray = {}
    for path in _staff_templates():
        found = [f for f in _date_filters(path) if f.replace(" ", "") not in ("|date:'c'", '|date:"c"')]
        if found:
            stray[str(path.relative_to(ROOT))] = found
    assert not stray, f"use |staff_date or |staff_datetime on staff pages: {stray}"


def test_member_pages_and_mails_print_dates_in_wareki():
    allowed = {"|wareki", "|both_calendars", "|date:'c'", '|date:"c"', '|date:"H:i"'}
    stray = {}
    for path in _member_templates():
        text = path.read_text(encoding="utf-8")
        found = [f for f in _date_filters(path) if f.replace(" ", "") not in allowed]
        found += re.findall(r"\|\s*staff_date(?:time)?", text)
        if found:
            stray[str(path.relative_to(ROOT))] = found
    assert not stray, f"member pages and mails use |wareki: {stray}"


def test_the_staff_format_is_iso_in_japan_time_in_either_language():
    moment = datetime(2026, 12, 3, 7, 10, tzinfo=ZoneInfo("UTC"))  # 16:10 in Tokyo
    for language in ("ja", "en"):
        with translation.override(language):
            assert staff_date(date(2026, 12, 3)) == "2026-12-03"
            assert staff_date(datetime(2026, 12, 2, 20, 0, tzinfo=ZoneInfo("UTC"))) == "2026-12-03"
            assert staff_datetime(moment) == "2026-12-03 16:10"
            assert staff_datetime(date(2026, 12, 3)) == "2026-12-03"
    assert staff_date(None) == staff_datetime(None) == staff_date("") == ""
    assert staff_date("2026-12-03") == staff_datetime("2026-12-03") == "2026-12-03"  # kept in an event's JSON
    assert staff_datetime("2026-12-03T07:10:00+00:00") == "2026-12-03 16:10"


# --- one term per thing ----------------------------------------------------------------------

REJECTED_TERMS = {
    "回答予定日": "回答期限",
    "パスワードの再入力": "再認証",
    "対象となる個人情報の項目": "対象となる保有個人データの項目",
    "対象の保有個人データの項目": "対象となる保有個人データの項目",
}
REJECTED_ENGLISH = {
    "expected response date": "response deadline",
    "planned reply date": "response deadline",
    "re-enter your password": "re-authentication",
    "personal information concerned": "retained personal data concerned",
}


def _sources() -> list[Path]:
    code = [path for path in (ROOT / "requests_portal").rglob("*.py") if "migrations" not in path.parts]
    return sorted([*code, *TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt"), *(ROOT / "docs").glob("*.md")])


def test_templates_code_and_letters_use_one_term_per_thing():
    found = {}
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        lowered = text.lower()
        hits = [f"{bad} (use {good})" for bad, good in REJECTED_TERMS.items() if bad in text]
        hits += [f"{bad} (use {good})" for bad, good in REJECTED_ENGLISH.items() if bad in lowered]
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    assert not found, found


def test_the_catalogue_uses_one_term_per_thing():
    found = []
    for entry in _messages(PO):
        english = " ".join(v for k, v in entry.items() if k.startswith("msgstr")).lower()
        found += [f"{entry['msgid'][:40]!r}: {bad}" for bad in REJECTED_TERMS if bad in entry["msgid"]]
        found += [f"{entry['msgid'][:40]!r}: {bad}" for bad in REJECTED_ENGLISH if bad in english]
    assert not found, found


# --- English that reads as English -------------------------------------------------------------

# Japanese commas, full stops, brackets, quotes, colons and the wave dash have English forms.
JAPANESE_PUNCTUATION = re.compile(r"[、。（）「」『』【】［］｛｝〈〉《》：；！？，．　〜～・]")


def test_english_translations_use_english_punctuation():
    found = [
        f"{entry['msgid'][:40]!r} -> {value[:60]!r}"
        for entry in _messages(PO)
        for key, value in entry.items()
        if key.startswith("msgstr") and JAPANESE_PUNCTUATION.search(value)
    ]
    assert not found, "\n".join(found)


def test_stored_defaults_are_translated_when_shown_and_kept_when_stored():
    with translation.override("en"):
        assert stored_label("組合員の基本情報") == "Basic member information"
        assert stored_label("マイナンバー担当") == "My Number desk"
        assert stored_label("総務部（個人情報の開示等・苦情）").startswith("General Affairs")
        assert stored_label("組合が追加した項目") == "組合が追加した項目"  # unknown: shown as stored
        assert (
            payment_methods_label("定額小為替、銀行振込又は窓口での現金払い")
            == "postal money order, bank transfer, cash at the counter"
        )
        assert payment_methods_label("定額小為替、口座引落し") == "定額小為替、口座引落し"
        assert (
            timeline_note("本人確認済み（本人確認書類の写し）")
            == f"Identity verified ({IdentityMethod.DOCUMENT.label})"
        )
        assert timeline_note("電話で取下げの申出（本人）") == "電話で取下げの申出（本人）"  # typed by a person
    with translation.override("ja"):
        assert stored_label("組合員の基本情報") == "組合員の基本情報"
        assert payment_methods_label("定額小為替、銀行振込") == "定額小為替、銀行振込"
        assert timeline_note("本人確認済み（本人確認書類の写し）") == "本人確認済み（本人確認書類の写し）"


@pytest.mark.django_db
def test_installed_categories_and_queues_all_have_english_names():
    from requests_portal.models import DataCategory, Queue

    with translation.override("en"):
        names = [c.name for c in DataCategory.objects.all()] + [c.description for c in DataCategory.objects.all()]
        names += [q.name for q in Queue.objects.all()] + [q.department for q in Queue.objects.all()]
        assert len(names) >= 16
        untranslated = [name for name in names if name and stored_label(name) == name]
    assert not untranslated, untranslated

"""The English catalogue is complete, compiled and in step with the source.

The portal is Japanese-first: every string in code and templates is Japanese and English
comes only from locale/en. A string missing from the catalogue, left empty or marked fuzzy
shows up in Japanese (or, for fuzzy, not at all) on the English pages, and a .mo that was
not recompiled serves yesterday's wording. These tests catch all three without a database.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
FIX = (
    "Run `DJANGO_DEBUG=1 .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=tests "
    "--ignore=var --ignore=bench --no-obsolete`, translate the new entries (scripts/po_fill.py) and run "
    "`DJANGO_DEBUG=1 .venv/bin/python manage.py compilemessages -l en --ignore=.venv`."
)
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]")

needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="GNU gettext is not installed (make system-deps)",
)


def _entries(path: Path) -> list[dict]:
    """Parse a .po file: one dict per entry with its fields (unescaped) and flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict = {"flags": set(), "refs": ""}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#:"):
                entry["refs"] += line[2:]
            elif line.startswith("#"):
                continue
            elif match := KEYWORD.match(line):
                key = match.group(1)
                entry[key] = ast.literal_eval(match.group(2))
            elif key:
                entry[key] += ast.literal_eval(line)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def _messages(path: Path) -> list[dict]:
    return [entry for entry in _entries(path) if entry["msgid"]]


def _describe(entries: list[dict]) -> str:
    return "\n".join(f"  {e['msgid'][:60]!r} ({e['refs'].split()[0] if e['refs'] else '?'})" for e in entries[:15])


def test_catalogue_has_messages():
    assert len(_messages(PO)) > 1000


def test_every_entry_is_translated_and_none_is_fuzzy():
    untranslated = [e for e in _messages(PO) if not all(v for k, v in e.items() if k.startswith("msgstr"))]
    fuzzy = [e for e in _entries(PO) if "fuzzy" in e["flags"]]
    assert not untranslated, f"{len(untranslated)} untranslated entries:\n{_describe(untranslated)}\n{FIX}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries (check them and drop the flag):\n{_describe(fuzzy)}"


def test_translations_keep_every_placeholder():
    broken = []
    for entry in _messages(PO):
        wanted = [set(PLACEHOLDER.findall(entry[key])) for key in ("msgid", "msgid_plural") if key in entry]
        for key, text in entry.items():
            if key.startswith("msgstr") and set(PLACEHOLDER.findall(text)) not in wanted:
                broken.append(entry)
    assert not broken, f"placeholders differ between msgid and msgstr:\n{_describe(broken)}"


def test_header_declares_english_plural_forms():
    header = next(e for e in _entries(PO) if not e["msgid"])["msgstr"]
    assert "Language: en\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header


@needs_gettext
def test_compiled_catalogue_matches_the_po_file(tmp_path):
    fresh = tmp_path / "django.mo"
    msgfmt = shutil.which("msgfmt") or "msgfmt"
    result = subprocess.run(  # noqa: S603 - fixed program and arguments
        [msgfmt, "--check-format", "--check-header", "-o", str(fresh), str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with MO.open("rb") as committed, fresh.open("rb") as compiled:
        committed_catalog = gettext.GNUTranslations(committed)._catalog  # type: ignore[attr-defined]
        compiled_catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    stale = sorted(str(key) for key in compiled_catalog.keys() ^ committed_catalog.keys())
    changed = sorted(
        str(k)
        for k in compiled_catalog.keys() & committed_catalog.keys()
        if compiled_catalog[k] != committed_catalog[k]
    )
    assert not stale, "django.mo is out of date; messages differ:\n" + "\n".join(stale[:10]) + f"\n{FIX}"
    assert not changed, "django.mo is out of date; translations differ:\n" + "\n".join(changed[:10]) + f"\n{FIX}"


@needs_gettext
def test_catalogue_covers_every_string_in_the_source(tmp_path):
    """makemessages on a copy of the source finds no msgid the committed catalogue lacks."""
    for name in ("keiseikyo", "requests_portal", "templates", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy2(ROOT / "manage.py", tmp_path / "manage.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DSR_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=tmp_path,
        env={**env, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "keiseikyo.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    source = {e["msgid"] for e in _messages(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")}
    committed = {e["msgid"] for e in _messages(PO)}
    new, gone = sorted(source - committed), sorted(committed - source)
    assert not new, (
        f"{len(new)} strings in the source are missing from the catalogue:\n"
        + "\n".join(f"  {m[:70]!r}" for m in new[:15])
        + f"\n{FIX}"
    )
    assert not gone, (
        f"{len(gone)} catalogue entries no longer occur in the source:\n"
        + "\n".join(f"  {m[:70]!r}" for m in gone[:15])
        + f"\n{FIX}"
    )


def test_domain_errors_speak_the_users_language():
    """A refusal from the domain layer reaches the form in the language of the request."""
    from datetime import date

    from django.utils import translation

    from requests_portal import deadlines, wareki

    def refusal() -> str:
        with pytest.raises(deadlines.DeadlineError) as error:
            deadlines.validate_extension(
                current_due=date(2026, 12, 1), new_due=date(2026, 12, 20), reason=" ", today=date(2026, 11, 25)
            )
        return str(error.value)

    with translation.override("ja"):
        assert refusal() == "延長の理由を入力してください。"
    with translation.override("en"):
        assert refusal() == "Please enter the reason for the extension."
        with pytest.raises(ValueError, match=r"^This date does not exist\.$"):
            wareki.parse_japanese_date("昭和50年2月30日")


# Exceptions whose message is for the operators' logs and the letter's failure event, not for
# a person filling in a form.
_LOG_ONLY_ERRORS = {"LetterContentError"}


def _untranslated_refusals(path: Path) -> list[str]:
    """`raise SomeError("日本語…")` (or an f-string / concatenation of one): a refusal someone
    reads, written without gettext, so an English page would show it in Japanese."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args):
            continue
        name = ast.unparse(node.exc.func).rsplit(".", 1)[-1]
        message = node.exc.args[0]
        bare = isinstance(message, ast.Constant | ast.JoinedStr | ast.BinOp) and not (
            isinstance(message, ast.BinOp) and isinstance(message.left, ast.Call)  # _("…%(x)s") % {...}
        )
        text = ast.unparse(message)
        if bare and name not in _LOG_ONLY_ERRORS and any(ord(ch) > 127 for ch in text):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}({text[:50]})")
    return found


def test_every_refusal_a_person_reads_is_translatable():
    sources = [
        path
        for path in (ROOT / "requests_portal").rglob("*.py")
        if "migrations" not in path.parts and "management" not in path.parts
    ]
    found = [problem for path in sources for problem in _untranslated_refusals(path)]
    assert not found, "wrap these messages in gettext:\n" + "\n".join(found)

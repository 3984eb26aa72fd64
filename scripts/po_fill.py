"""Fill msgstr entries of a .po file from a JSON dict {msgid: msgstr}.

    python scripts/po_fill.py locale/en/LC_MESSAGES/django.po translations.json [--overwrite]

- An entry with a msgctxt is keyed "context|msgid".
- A plural entry takes a list, one string per plural form (English: [singular, plural]).
- Entries that already have a translation are left alone unless --overwrite is given;
  fuzzy entries count as untranslated (their guessed msgstr came from msgmerge).
- Every entry the script fills loses its "fuzzy" flag and its "#| previous msgid" lines,
  because the translation now belongs to the current msgid.
- The script refuses a translation that drops or adds a %(name)s / %s placeholder.

Afterwards run `msgcat -o FILE FILE` (or makemessages) to rewrap long lines, and
`msgfmt --check-format -o /dev/null FILE` to check the result.
"""

import argparse
import json
import re
import sys
from pathlib import Path

KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), body)


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{escaped}"'
    # A multi-line string keeps one PO line per source line, as msgcat writes it.
    parts = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return '""\n' + "\n".join(f'"{part}"' for part in parts)


class Entry:
    def __init__(self, lines: list[str]):
        self.comments = [line for line in lines if line.startswith("#")]
        self.fields: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            match = KEYWORD.match(line)
            if match:
                key = match.group(1)
                self.fields[key] = unquote(match.group(2))
            elif key and line.startswith('"'):
                self.fields[key] += unquote(line)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def is_plural(self) -> bool:
        return "msgid_plural" in self.fields

    @property
    def is_fuzzy(self) -> bool:
        return any(c.startswith("#,") and "fuzzy" in c for c in self.comments)

    @property
    def is_translated(self) -> bool:
        strings = [v for k, v in self.fields.items() if k.startswith("msgstr")]
        return bool(strings) and all(strings) and not self.is_fuzzy

    def fill(self, translation: str | list[str]) -> None:
        if self.is_plural:
            forms = [k for k in self.fields if k.startswith("msgstr[")]
            if not isinstance(translation, list) or len(translation) != len(forms):
                raise ValueError(f"{self.msgid!r}: needs a list of {len(forms)} plural forms")
            for key, text in zip(forms, translation, strict=True):
                self.fields[key] = text
        else:
            if not isinstance(translation, str):
                raise ValueError(f"{self.msgid!r}: needs a single string")
            self.fields["msgstr"] = translation
        expected = [
            set(PLACEHOLDER.findall(self.fields[key])) for key in ("msgid", "msgid_plural") if key in self.fields
        ]
        for text in translation if self.is_plural else [translation]:
            if set(PLACEHOLDER.findall(text)) not in expected:
                raise ValueError(f"{self.msgid!r}: placeholders differ in {text!r}")
        kept = []
        for comment in self.comments:
            if comment.startswith("#|"):
                continue
            if comment.startswith("#,"):
                flags = [f.strip() for f in comment[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
                if not flags:
                    continue
                comment = "#, " + ", ".join(flags)
            kept.append(comment)
        self.comments = kept

    def render(self) -> str:
        out = list(self.comments)
        for key, value in self.fields.items():
            out.append(f"{key} {quote(value)}")
        return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("po_path")
    parser.add_argument("json_path")
    parser.add_argument("--overwrite", action="store_true", help="replace existing translations too")
    args = parser.parse_args()

    translations = json.loads(Path(args.json_path).read_text(encoding="utf-8"))
    blocks = Path(args.po_path).read_text(encoding="utf-8").strip("\n").split("\n\n")
    entries = [Entry(block.split("\n")) for block in blocks]
    filled = 0
    for entry in entries:
        key = f"{entry.fields['msgctxt']}|{entry.msgid}" if "msgctxt" in entry.fields else entry.msgid
        if not entry.msgid or key not in translations:
            continue
        if entry.is_translated and not args.overwrite:
            continue
        entry.fill(translations[key])
        filled += 1
    Path(args.po_path).write_text("\n\n".join(e.render() for e in entries) + "\n", encoding="utf-8")
    missing = [e.msgid for e in entries if e.msgid and not e.is_translated]
    print(f"filled {filled} entries; {len(missing)} still untranslated or fuzzy")
    for msgid in missing[:20]:
        print(f"  missing: {msgid[:70]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fill empty msgstr entries of a .po file from a JSON dict {msgid: msgstr}.

Used when translating: `python scripts/po_fill.py locale/en/LC_MESSAGES/django.po translations.json`.
Entries that already have a translation are left alone.
"""

import json
import re
import sys
from pathlib import Path

ENTRY = re.compile(r'(?m)^msgid (".*"\n(?:".*"\n)*)msgstr ""\n')


def unquote(block: str) -> str:
    return "".join(json.loads(line) for line in block.strip().splitlines())


def main(po_path: str, json_path: str) -> None:
    translations = json.loads(Path(json_path).read_text(encoding="utf-8"))
    text = Path(po_path).read_text(encoding="utf-8")
    filled = 0

    def replace(match: re.Match) -> str:
        nonlocal filled
        msgid = unquote(match.group(1))
        if msgid and msgid in translations:
            filled += 1
            return f"msgid {match.group(1)}msgstr {json.dumps(translations[msgid], ensure_ascii=False)}\n"
        return match.group(0)

    Path(po_path).write_text(ENTRY.sub(replace, text), encoding="utf-8")
    print(f"filled {filled} entries")


if __name__ == "__main__":
    main(*sys.argv[1:3])

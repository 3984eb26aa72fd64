"""Line breaking in notices (docs/legal.md#letter-layout).

A Japanese line may break between almost any two characters, which splits what must be read
whole: 受付番号 (GA-2026-00042 breaks after its hyphens), 文書番号 (警生協総第42号), periods such
as 14日間, postal codes and telephone numbers. `keep_together` wraps each of them in a no-break
span. A paragraph whose last line would hold only one or two characters (「い。」) reads as a
mistake: `keep_together(..., glue_tail=True)` also binds a paragraph's last few characters, so
the line before gives up a character or two and the last line is never that short.

Both return escaped, safe HTML for the notice template (templatetags/letter_typography.py).
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

NOBR_CLASS = "nobr"

# Tokens that never break, longest first where two could start at the same place.
UNBREAKABLE = re.compile(
    "|".join(
        (
            r"[A-Z]{2,}-\d{4}-\d{3,}",  # 受付番号: GA-2026-00042
            r"[\u4e00-\u9fff\u30a0-\u30ff]{1,8}第\d+号",  # 文書番号: 警生協総第42号
            r"\d+(?:日間|営業日|か月|年間)",  # periods: 14日間
            r"\d+月\d+日",  # the day of a date: 12月17日
            r"〒\d{3}-\d{4}",  # postal codes
            r"\d{2,4}-\d{2,4}-\d{3,4}",  # telephone numbers: 0120-983-110
        )
    )
)
# How many characters end a paragraph together: a last line is never shorter than this.
TAIL = 4
# Lines shorter than this fit on one line anyway; gluing their end would only stiffen them.
MIN_GLUED_LINE = 12


def _span(text: str) -> str:
    return f'<span class="{NOBR_CLASS}">{escape(text)}</span>'


def _line(line: str, *, glue_tail: bool) -> str:
    spans = [(m.start(), m.end()) for m in UNBREAKABLE.finditer(line)]
    tail_start = len(line)
    if glue_tail and len(line) >= MIN_GLUED_LINE:
        tail_start = len(line) - TAIL
        # A token running into the tail joins it, so no span ends up inside another.
        for start, end in spans:
            if start < tail_start < end:
                tail_start = start
    out, position = [], 0
    for start, end in spans:
        if start >= tail_start:
            break
        end = min(end, tail_start)
        out += [escape(line[position:start]), _span(line[start:end])]
        position = end
    out.append(escape(line[position:tail_start]))
    if tail_start < len(line):
        out.append(_span(line[tail_start:]))
    return "".join(out)


def keep_together(text: object, *, glue_tail: bool = False) -> SafeString:
    """`text` escaped, with its unbreakable tokens (and, with `glue_tail`, each line's last
    characters) in no-break spans. Line feeds are kept for linebreaksbr."""
    lines = str(text or "").split("\n")
    return mark_safe("\n".join(_line(line, glue_tail=glue_tail) for line in lines))  # noqa: S308 - escaped above

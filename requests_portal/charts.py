"""Server-rendered SVG bar charts for the oversight pages.

No script and no `style` attribute (CSP `style-src 'self'`): shapes use presentation attributes
and classes from oversight.css. Series differ by fill *pattern* (solid, hatching, dots, cross
hatching), never by colour alone, so a chart printed in grey-scale still reads; every bar also
carries its number. The page always puts the table of the same numbers under the chart.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    # Annotations only: drawing needs no database, so charts does not import reports at run time.
    from requests_portal.reports import Dashboard, Table

# (pattern body, swatch fill) per series. Pattern bodies draw on a 8×8 tile.
_PATTERNS = (
    ("solid", '<rect width="8" height="8" fill="#0017c1"/>'),
    (
        "hatch",
        '<rect width="8" height="8" fill="#ffffff"/>'
        '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#00118f" stroke-width="2.2"/>',
    ),
    ("dots", '<rect width="8" height="8" fill="#d9e6ff"/><circle cx="4" cy="4" r="1.9" fill="#000060"/>'),
    (
        "cross",
        '<rect width="8" height="8" fill="#ffffff"/><path d="M0,4 h8 M4,0 v8" stroke="#4d4d4d" stroke-width="1.6"/>',
    ),
    ("grey", '<rect width="8" height="8" fill="#999999"/>'),
)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | int | None]
    # Optional text to print instead of the bare number (e.g. "85.7%（12/14）").
    value_labels: Sequence[str] | None = None


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value`."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return candidate
    return 10 ** (exponent + 1)


def _defs(prefix: str, count: int) -> str:
    patterns = []
    for index in range(count):
        _name, body = _PATTERNS[index % len(_PATTERNS)]
        patterns.append(
            f'<pattern id="{prefix}-p{index}" width="8" height="8" patternUnits="userSpaceOnUse">{body}</pattern>'
        )
    return f"<defs>{''.join(patterns)}</defs>"


def _fill(prefix: str, index: int) -> str:
    return f"url(#{prefix}-p{index})"


def _legend(prefix: str, series: Sequence[Series], x: float, y: float, width: float) -> tuple[str, float]:
    """Swatches and labels, wrapped to `width`; returns the markup and the height used."""
    parts, cursor_x, cursor_y = [], x, y
    for index, item in enumerate(series):
        text_width = 14 * len(item.label) + 8
        if cursor_x + 22 + text_width > x + width and cursor_x > x:
            cursor_x, cursor_y = x, cursor_y + 22
        parts.append(
            f'<rect x="{cursor_x}" y="{cursor_y}" width="16" height="16" fill="{_fill(prefix, index)}" '
            f'stroke="#1a1a1a" stroke-width="1"/>'
            f'<text x="{cursor_x + 22}" y="{cursor_y + 13}" class="chart__legend">{escape(item.label)}</text>'
        )
        cursor_x += 22 + text_width + 12
    return "".join(parts), cursor_y - y + 22


def _svg(prefix: str, width: float, height: float, title: str, body: str, count: int) -> SafeString:
    return mark_safe(  # noqa: S308 - every text node above is escaped
        f'<svg class="chart__svg" viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" '
        f'role="img" aria-labelledby="{prefix}-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{prefix}-title">{escape(title)}</title>{_defs(prefix, count)}{body}</svg>'
    )


def _axis_label(category: str, *, first: bool) -> tuple[str, str]:
    """'2026-01' -> ('1月', '2026') ('Jan' in English); the year is printed under the first month
    and each January."""
    year, dash, month = category.partition("-")
    if not dash or not (year.isdigit() and month.isdigit()) or not 1 <= int(month) <= 12:
        return category, ""
    return date_format(date(int(year), int(month), 1), "M"), year if first or int(month) == 1 else ""


def _wrap(text: str, per_line: int) -> list[str]:
    """Break a label into lines of at most `per_line` characters (Japanese has no spaces to
    break at; a closing bracket or 、 is kept on its line). Text with spaces (English) breaks
    between words, and a word longer than a line keeps a line of its own."""
    if " " in text.strip() or text.isascii():
        return _wrap_words(text.split(), per_line * 2)  # a Latin letter is about half as wide
    lines, line = [], ""
    for char in text:
        if len(line) >= per_line and char not in "）)、。":
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines or [""]


def _wrap_words(words: list[str], per_line: int) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _prefix(ident: str) -> str:
    # Pattern ids must be unique in the page; `ident` is the chart's table slug.
    return "chart-" + "".join(ch if ch.isalnum() else "-" for ch in ident)


def column_chart(
    *, ident: str, title: str, categories: Sequence[str], series: Sequence[Series], width: int = 880, height: int = 300
) -> SafeString:
    """Vertical bars grouped per category (months along the x axis)."""
    prefix = _prefix(ident)
    legend, legend_height = _legend(prefix, series, 8, 4, width - 16)
    top, left, right, bottom = 12 + legend_height, 48, 8, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v or 0 for s in series for v in s.values]
    axis_max = _nice_max(max(values, default=0))
    parts = [legend]
    for tick in range(5):
        value = axis_max * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="chart__grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="chart__tick">{_fmt(value)}</text>'
        )
    group = plot_w / max(len(categories), 1)
    bar = group * 0.8 / max(len(series), 1)
    # Long periods: label every n-th category so the labels never overlap.
    label_every = max(1, math.ceil(34 / group))
    for c_index, category in enumerate(categories):
        group_x = left + group * c_index + group * 0.1
        for s_index, item in enumerate(series):
            value = item.values[c_index] or 0
            bar_h = plot_h * value / axis_max
            x, y = group_x + bar * s_index, top + plot_h - bar_h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{bar_h:.1f}" '
                f'fill="{_fill(prefix, s_index)}" stroke="#1a1a1a" stroke-width="1"/>'
            )
            if value and bar >= 12:
                parts.append(
                    f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" class="chart__value">'
                    f"{_fmt(value)}</text>"
                )
        if c_index % label_every:
            continue
        label_x = left + group * c_index + group / 2
        line, second = _axis_label(category, first=c_index == 0)
        parts.append(
            f'<text x="{label_x:.1f}" y="{top + plot_h + 17}" text-anchor="middle" class="chart__label">'
            f"{escape(line)}</text>"
        )
        if second:
            parts.append(
                f'<text x="{label_x:.1f}" y="{top + plot_h + 33}" text-anchor="middle" class="chart__tick">'
                f"{escape(second)}</text>"
            )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" class="chart__axis"/>'
    )
    return _svg(prefix, width, height, title, "".join(parts), len(series))


def bar_chart(
    *,
    ident: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    stacked: bool = False,
    axis_max: float | None = None,
    width: int = 400,
) -> SafeString:
    """Horizontal bars, one row per category with its label above the bar (long Japanese labels
    stay readable on a phone). Several series are drawn side by side, or stacked."""
    prefix = _prefix(ident)
    legend, legend_height = _legend(prefix, series, 8, 4, width - 16) if len(series) > 1 else ("", 0)
    left, right, line_h = 8, 112, 17
    bars_per_row = 1 if stacked else len(series)
    bar_h = 20 if bars_per_row == 1 else 16
    labels = [_wrap(category, (width - 2 * left) // 13) for category in categories]
    row_tops, cursor_y = [], 8 + legend_height
    for lines in labels:
        row_tops.append(cursor_y)
        cursor_y += line_h * len(lines) + 3 + bar_h * bars_per_row + 14
    top = 8 + legend_height
    height = cursor_y + 4
    plot_w = width - left - right
    if stacked:
        totals = [sum((s.values[i] or 0) for s in series) for i in range(len(categories))]
    else:
        totals = [v or 0 for s in series for v in s.values]
    scale_max = axis_max or max(totals, default=0) or 1
    parts = [legend]
    if axis_max:
        # The scale's end (e.g. 100%), so a short bar reads as short.
        parts.append(
            f'<line x1="{left + plot_w}" x2="{left + plot_w}" y1="{top}" y2="{height - 4}" class="chart__grid"/>'
        )
    for c_index, lines in enumerate(labels):
        row_y = row_tops[c_index]
        for line_index, line in enumerate(lines):
            parts.append(
                f'<text x="{left}" y="{row_y + 14 + line_h * line_index}" class="chart__label">{escape(line)}</text>'
            )
        label_h = line_h * len(lines) + 3
        cursor: float = left
        for s_index, item in enumerate(series):
            value = item.values[c_index] or 0
            length = plot_w * value / scale_max if scale_max else 0
            y = row_y + label_h + (0 if stacked else bar_h * s_index)
            x = cursor if stacked else left
            if length:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{bar_h - 2}" '
                    f'fill="{_fill(prefix, s_index)}" stroke="#1a1a1a" stroke-width="1"/>'
                )
            if not stacked:
                label = item.value_labels[c_index] if item.value_labels else _fmt(item.values[c_index])
                parts.append(
                    f'<text x="{x + length + 6:.1f}" y="{y + bar_h - 6}" class="chart__value">{escape(label)}</text>'
                )
            if stacked:
                cursor += length
        if stacked:
            total = totals[c_index]
            parts.append(
                f'<text x="{cursor + 6:.1f}" y="{row_y + label_h + bar_h - 6}" class="chart__value">'
                f"{_fmt(total)}</text>"
            )
        baseline_top, baseline_bottom = row_y + label_h - 2, row_y + label_h + bar_h * bars_per_row
        parts.append(f'<line x1="{left}" x2="{left}" y1="{baseline_top}" y2="{baseline_bottom}" class="chart__axis"/>')
    return _svg(prefix, width, height, title, "".join(parts), len(series))


# ---------------------------------------------------------------------------------------------
# The dashboard's charts, drawn from its tables
# ---------------------------------------------------------------------------------------------
def _column(table: "Table", index: int) -> list[Any]:
    return [row[index] for row in table.rows]


def _series_from_columns(table: "Table", first: int, last: int) -> list[Series]:
    return [Series(table.columns[i], _column(table, i)) for i in range(first, last + 1)]


def dashboard_charts(dashboard: "Dashboard") -> dict[str, SafeString]:
    """One chart per dashboard table that has rows (`reports.Dashboard`)."""
    from django.utils.translation import gettext as _

    tables = dashboard.tables
    charts: dict[str, SafeString] = {}

    monthly = tables["monthly"]
    charts["monthly"] = column_chart(
        ident="monthly",
        title=monthly.title,
        categories=_column(monthly, 0),
        series=_series_from_columns(monthly, 1, 3),
    )
    kinds = tables["kinds"]
    if kinds.rows:
        charts["kinds"] = bar_chart(
            ident="kinds", title=kinds.title, categories=_column(kinds, 0), series=_series_from_columns(kinds, 1, 2)
        )
    t = dashboard.timeliness
    rates = [t.on_time_rate, t.art39_rate]
    counts = [(t.on_time, t.decided), (t.art39_on_time, t.art39_decided)]
    charts["timeliness"] = bar_chart(
        ident="timeliness",
        title=tables["timeliness"].title,
        categories=[_("目標日（停止・延長を反映）までに決定"), _("到達から2週間以内に決定（第39条）")],
        series=[
            Series(
                _("期限内の率（%）"),
                rates,
                value_labels=[
                    f"{_fmt(rate)}%（{part}/{whole}）" if rate is not None else _("対象なし")
                    for rate, (part, whole) in zip(rates, counts, strict=True)
                ],
            )
        ],
        axis_max=100,
    )
    days = tables["days"]
    charts["days"] = bar_chart(
        ident="days", title=days.title, categories=_column(days, 0), series=_series_from_columns(days, 1, 1)
    )
    stages = tables["open_stage"]
    charts["open_stage"] = bar_chart(
        ident="open_stage",
        title=stages.title,
        categories=_column(stages, 0),
        series=_series_from_columns(stages, 1, len(stages.columns) - 2),
        stacked=True,
    )
    overdue = tables["overdue"]
    if overdue.rows:
        charts["overdue"] = bar_chart(
            ident="overdue",
            title=overdue.title,
            categories=_column(overdue, 0),
            series=_series_from_columns(overdue, 1, 1),
        )
    refusals = tables["refusals"]
    if refusals.rows:
        charts["refusals"] = bar_chart(
            ident="refusals",
            title=refusals.title,
            categories=_column(refusals, 0),
            series=_series_from_columns(refusals, 1, len(refusals.columns) - 2),
            stacked=True,
        )
    extensions = tables["extensions"]
    charts["extensions"] = column_chart(
        ident="extensions",
        title=extensions.title,
        categories=_column(extensions, 0),
        series=_series_from_columns(extensions, 1, 2),
        height=240,
    )
    return charts

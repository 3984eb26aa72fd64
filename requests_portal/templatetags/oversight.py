"""Template helpers of the oversight pages."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def figure(value: object) -> str:
    """A table cell: thousands separators, one decimal for fractions, a dash for 'no figure'."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return intcomma(value)
    return str(value)


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"

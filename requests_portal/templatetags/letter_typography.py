"""Template filters for the notice template: see letters/typography.py."""

from django import template
from django.utils.safestring import SafeString

from requests_portal.letters.typography import keep_together

register = template.Library()


@register.filter
def unbroken(text: object) -> SafeString:
    """Numbers and periods that never break (table cells, headings, short lines)."""
    return keep_together(text)


@register.filter
def paragraph(text: object) -> SafeString:
    """As `unbroken`, and no one- or two-character last line."""
    return keep_together(text, glue_tail=True)

"""Pieces the member's and the staff's forms share."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets the user pick several files at once."""

    allow_multiple_selected = True


class CompactSelect(forms.Select):
    """A <select> drawn in Python, escaped by format_html.

    Django's own Select renders a template for every option and another for each option's
    attributes: the queue's filter form, with about fifty options, cost more than its fifty
    table rows. Options keep their value, label, group and `selected`; per-option attributes
    (which these forms never set) are not drawn.
    """

    def render(self, name: str, value: object, attrs: dict | None = None, renderer: object = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        drawn_groups = SafeString()
        for group_name, options, _index in widget["optgroups"]:
            drawn = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((option["value"], _SELECTED if option["selected"] else "", option["label"]) for option in options),
            )
            # SafeString + SafeString stays safe: each piece was escaped by format_html.
            drawn_groups += (
                format_html('<optgroup label="{}">{}</optgroup>', group_name, drawn) if group_name else drawn
            )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), drawn_groups)


_SELECTED = mark_safe(" selected")

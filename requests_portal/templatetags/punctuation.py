"""Punctuation that templates print around data (breadcrumbs, separators, brackets, the colon
after a label). Japanese pages use full-width marks; English pages must not, so each mark is a
translatable string rather than a literal in the template. The library is a template builtin
(settings.TEMPLATES): write `{% punct "／" %}` with the Japanese mark itself, which keeps the
template readable in Japanese and renders the language's own mark."""

from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

# The English forms carry their own spacing: "name（kana）" reads "name (kana)".
MARKS = {
    "＞": pgettext_lazy("punctuation", "＞"),
    "／": pgettext_lazy("punctuation", "／"),
    "（": pgettext_lazy("punctuation", "（"),
    "）": pgettext_lazy("punctuation", "）"),
    "：": pgettext_lazy("punctuation", "："),
    "、": pgettext_lazy("punctuation", "、"),
}


@register.simple_tag
def punct(mark: str) -> str:
    """The active language's form of a Japanese punctuation mark (also for Python code that
    builds text for staff pages)."""
    try:
        return str(MARKS[mark])
    except KeyError:
        raise template.TemplateSyntaxError(f"punct: unknown mark {mark!r}; known marks are {''.join(MARKS)}") from None

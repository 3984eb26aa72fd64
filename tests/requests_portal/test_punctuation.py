"""English pages print no Japanese punctuation. The marks templates put around data
(breadcrumbs, separators, brackets, the colon after a label) are `{% punct "…" %}`, translated
like any other text; a literal mark outside a translated string renders in English too."""

import re
from pathlib import Path

import pytest

from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "templates" / "requests_portal"
# Letters are Japanese-only documents and keep their marks.
SCANNED = ("staff", "oversight", "incidents", "member")
FULL_WIDTH = "（）＞／：、"

_COMMENT_BLOCK = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
_BLOCKTRANSLATE = re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
_TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def fixed_text(source: str) -> str:
    """The template's own text with every tag, variable, comment and blocktranslate block
    blanked out, character for character, so positions still match the source."""
    for pattern in (_COMMENT_BLOCK, _BLOCKTRANSLATE, _TEMPLATE_SYNTAX):
        source = pattern.sub(_blank, source)
    return source


def literal_marks(source: str) -> list[tuple[int, str]]:
    """(line, mark) for each full-width mark printed outside translated text."""
    found = []
    for number, line in enumerate(fixed_text(source).splitlines(), start=1):
        found.extend((number, mark) for mark in line if mark in FULL_WIDTH)
    return found


_VARIABLE = re.compile(r"{{.*?}}", re.S)
_TRANSLATED_LITERAL = re.compile(r"""_\((["']).*?\1\)""")


def marks_in_filter_arguments(source: str) -> list[str]:
    """Variables whose untranslated string arguments hold a full-width mark, such as
    `join:"、"` (`default:_("（…）")` is translated and fine)."""
    return [
        variable
        for variable in _VARIABLE.findall(source)
        if any(mark in _TRANSLATED_LITERAL.sub("", variable) for mark in FULL_WIDTH)
    ]


def _templates() -> list[Path]:
    return sorted(path for folder in SCANNED for path in (PORTAL / folder).rglob("*.html"))


def test_the_scan_sees_marks_outside_translated_text_only():
    source = (
        '{% translate "氏名（カナ）" %}{{ a }}（{{ b }}）\n'
        "{% blocktranslate %}{{ n }}：件{% endblocktranslate %}{# ／ #}{{ x|join:'、' }}\n"
        '<a>一覧</a> ＞ {% punct "＞" %}'
    )
    assert literal_marks(source) == [(1, "（"), (1, "）"), (3, "＞")]
    assert marks_in_filter_arguments(source + '{{ y|default:_("（なし）") }}') == ["{{ x|join:'、' }}"]


def test_the_templates_are_scanned():
    assert len(_templates()) > 40


@pytest.mark.parametrize("path", _templates(), ids=lambda path: str(path.relative_to(PORTAL)))
def test_no_literal_full_width_punctuation_outside_translated_text(path):
    assert literal_marks(path.read_text(encoding="utf-8")) == [], (
        'write {% punct "…" %} so English pages get their own punctuation'
    )
    assert marks_in_filter_arguments(path.read_text(encoding="utf-8")) == [], (
        'take the mark from {% punct "…" as name %} and pass the name'
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ja", "一覧 ＞ 山田（ヤマダ）：A ／ B、C"), ("en", "一覧 › 山田 (ヤマダ): A / B, C")],
)
def test_punct_renders_the_languages_own_marks(language, expected):
    template = Template(
        '一覧 {% punct "＞" %} 山田{% punct "（" %}ヤマダ{% punct "）" %}{% punct "：" %}A '
        '{% punct "／" %} B{% punct "、" %}C'
    )
    with translation.override(language):
        assert template.render(Context()) == expected


def test_an_unknown_mark_is_an_error_not_a_silent_literal():
    with pytest.raises(TemplateSyntaxError):
        Template('{% punct "。" %}').render(Context())

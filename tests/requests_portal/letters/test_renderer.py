"""The renderer: our font only, nothing fetched, and a missing glyph is an error, not a box."""

import pytest

from requests_portal.letters import renderer
from requests_portal.letters.renderer import LetterContentError, render_pdf
from tests.requests_portal.letters.pdf_checks import assert_only_our_font, pdf_text

pytestmark = pytest.mark.slow


def _doc(body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>t</title></head><body>{body}</body></html>'
    )


def test_font_comes_from_the_font_package():
    path = renderer.font_path()
    assert path.is_file()
    assert path.name == "NotoSerifJP-Regular.otf"
    assert "pylopdf_fonts_jp" in path.parts


def test_names_and_variant_glyphs_render_in_the_embedded_face():
    pdf = render_pdf(_doc("<p>髙橋 﨑山 德永 〒100-0013 ① ｶﾀｶﾅ 令和元年5月1日 0123456789</p>"))
    assert "髙橋" in pdf_text(pdf)
    assert_only_our_font(pdf)


def test_a_character_missing_from_the_font_fails_instead_of_printing_a_box():
    # U+17000 (Tangut) is in no Japanese font: WeasyPrint would draw .notdef and only log it.
    with pytest.raises(LetterContentError, match="フォントに含まれない文字"):
        render_pdf(_doc("<p>氏名 \U00017000</p>"))


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="http://example.invalid/logo.png" alt="">',
        '<img src="https://example.invalid/logo.png" alt="">',
        '<link rel="stylesheet" href="http://example.invalid/x.css">',
        '<img src="file:///etc/passwd" alt="">',
        '<p style="background: url(file:///etc/hostname)">x</p>',
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">',
    ],
)
def test_no_resource_outside_the_font_and_stylesheet_is_fetched(markup):
    with pytest.raises(LetterContentError):
        render_pdf(_doc(markup))


def test_fetcher_allows_only_the_listed_files(tmp_path):
    allowed = tmp_path / "allowed.css"
    allowed.write_text("p { color: black; }")
    other = tmp_path / "other.css"
    other.write_text("p { color: red; }")
    fetcher = renderer._make_fetcher((allowed.resolve(),))
    assert fetcher.fetch(allowed.as_uri()).read() == b"p { color: black; }"
    with pytest.raises(LetterContentError):
        fetcher.fetch(other.as_uri())
    with pytest.raises(LetterContentError):
        fetcher.fetch((tmp_path / "allowed.css/../other.css").as_uri())


FRESH_MACHINE_SCRIPT = """
import json, sys
import django
django.setup()
from requests_portal.letters.kinds import notice_for
from requests_portal.letters.renderer import render_pdf
from requests_portal.letters.samples import SAMPLES, sample_source
from tests.requests_portal.letters.pdf_checks import embedded_fonts, pdf_text
pdf = render_pdf(notice_for(sample_source(SAMPLES[0])).html())
fonts = [[f.base_font, f.postscript_name, list(f.problems)] for f in embedded_fonts(pdf)]
json.dump({"fonts": fonts, "text": pdf_text(pdf)}, sys.stdout)
"""


def test_a_machine_without_any_system_font_still_renders_real_glyphs(tmp_path):
    """The font comes from the package, not the machine: hide every system font and render."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(config),
        "DJANGO_SETTINGS_MODULE": "keiseikyo.settings_test",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-W", "ignore", "-c", FRESH_MACHINE_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert "開示等の請求の受付について" in report["text"]
    assert report["fonts"], report
    for base_font, postscript_name, problems in report["fonts"]:
        assert base_font.endswith(("+KeiseikyoMincho", "+KeiseikyoMincho-Bold"))
        assert postscript_name == "NotoSerifJP-Regular"
        assert problems == []

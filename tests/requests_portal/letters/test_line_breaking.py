"""Line breaking in notices (docs/legal.md#letter-layout): 受付番号, 文書番号 and periods such
as 14日間 never break, no paragraph ends on a one- or two-character line, the contact box stays
with the body, and the records table's 区分 column holds 「第三者への提供」 on one line.

Checked twice: in the HTML the renderer receives (the no-break spans), and in the PDF's text
layer, line by line, for every sample notice.
"""

import io
import re

import pytest
from pypdf import PdfReader

from requests_portal.letters.kinds import notice_for
from requests_portal.letters.renderer import render_pdf
from requests_portal.letters.samples import SAMPLES, sample_source
from requests_portal.letters.typography import keep_together
from tests.requests_portal.letters.pdf_checks import squash

NOBR = '<span class="nobr">{}</span>'


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("受付番号：GA-2026-00042について", "GA-2026-00042"),
        ("警生協総第42号の通知書", "警生協総第42号"),
        ("本通知の日から14日間", "14日間"),
        ("令和8年12月17日まで", "12月17日"),
        ("〒102-8607 東京都", "〒102-8607"),
        ("フリーダイヤル 0120-983-110", "0120-983-110"),
    ],
)
def test_tokens_that_never_break_are_wrapped(text, kept):
    assert NOBR.format(kept) in keep_together(text)


def test_a_paragraph_ends_with_its_last_characters_together():
    html = keep_together("ご請求に係る保有個人データは、当組合において保有していません。", glue_tail=True)
    assert html.endswith(NOBR.format("いません。"[-4:]))
    # A token running into the tail joins it: no span inside another.
    html = keep_together("ダウンロードできる期間：令和8年12月9日まで（本通知の日から14日間）", glue_tail=True)
    assert html.endswith(NOBR.format("14日間）"))
    assert html.count("<span") == html.count("</span>") == 2
    # Short lines are left alone, and every line of a multi-line text is treated.
    assert keep_together("無料", glue_tail=True) == "無料"
    assert (
        keep_together("一行目の文章はここまでです。\n二行目の文章もここまでです。", glue_tail=True).count("nobr") == 2
    )


def test_text_is_escaped():
    html = keep_together('<script>alert("x")</script> GA-2026-00042 の件について', glue_tail=True)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_the_rendered_notice_wraps_numbers_and_periods():
    sample = next(s for s in SAMPLES if s.slug == "disclosure-full")
    source = sample_source(sample)
    html = notice_for(source).html()
    assert NOBR.format(source.dsr.reference) in html
    assert NOBR.format(source.document_number) in html
    assert NOBR.format("14日間）") in html


def _lines(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [squash(line) for page in reader.pages for line in (page.extract_text() or "").splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.slug for s in SAMPLES])
def test_no_number_splits_and_no_orphan_line_in_the_pdf(sample):
    source = sample_source(sample)
    lines = _lines(render_pdf(notice_for(source).html()))
    text = "".join(lines)
    tokens = [source.dsr.reference, source.document_number, "14日間"]
    for token in tokens:
        token = squash(token)
        # Every occurrence in the document lies whole on one line.
        assert text.count(token) == sum(line.count(token) for line in lines), (token, lines)
    orphans = [line for line in lines if re.fullmatch(r".{1,2}[。）]", line)]
    assert orphans == [], orphans
    if sample.slug == "records-full":
        assert any(line.startswith("令和") and "第三者への提供" in line for line in lines), lines
    # The contact box is never the only thing on a page.
    reader = PdfReader(io.BytesIO(render_pdf(notice_for(source).html())))
    for page in reader.pages[1:]:
        page_text = squash(page.extract_text() or "")
        assert not page_text.lstrip(squash(source.document_number)).startswith("【お問い合わせ先】"), page_text[:80]

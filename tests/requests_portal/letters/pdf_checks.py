"""Reading rendered notices back: normalised text, page count, and the fonts really embedded."""

import io
import re
import unicodedata
from dataclasses import dataclass

from fontTools.ttLib import TTFont
from pypdf import PdfReader

from requests_portal.letters.renderer import FONT_FAMILY, FONT_POSTSCRIPT_NAME

_BFCHAR = re.compile(r"beginbfchar(.*?)endbfchar", re.S)
_PAIR = re.compile(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def pdf_text(pdf: bytes) -> str:
    """All text with every kind of whitespace removed (pypdf spaces out letter-spaced titles)."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def squash(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@dataclass(frozen=True)
class EmbeddedFont:
    base_font: str
    subtype: str
    postscript_name: str
    problems: tuple[str, ...]  # glyphs drawn from outside the font or with no outline


def embedded_fonts(pdf: bytes) -> list[EmbeddedFont]:
    """Every font the pages use, with the name inside its embedded file and glyph problems.

    A glyph counts as a problem when a character is mapped (ToUnicode) to a glyph id the
    embedded font does not have, or to a glyph with no outline: that is what a box looks
    like in the file, even though text extraction still returns the character.
    """
    reader = PdfReader(io.BytesIO(pdf))
    fonts: dict[str, EmbeddedFont] = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            base = str(font["/BaseFont"])
            if base in fonts:
                continue
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            file_ref = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            if file_ref is None:
                fonts[base] = EmbeddedFont(base, str(font["/Subtype"]), "", ("not embedded",))
                continue
            embedded = TTFont(io.BytesIO(file_ref.get_object().get_data()))
            fonts[base] = EmbeddedFont(
                base,
                str(font["/Subtype"]),
                embedded["name"].getDebugName(6) or "",
                tuple(_glyph_problems(font, embedded)),
            )
    return list(fonts.values())


def _glyph_problems(font: object, embedded: TTFont) -> list[str]:
    order = embedded.getGlyphOrder()
    charstrings = embedded["CFF "].cff[0].CharStrings if "CFF " in embedded else None
    to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")  # type: ignore[index]
    problems = []
    for block in _BFCHAR.findall(to_unicode):
        for gid_hex, unicode_hex in _PAIR.findall(block):
            gid, char = int(gid_hex, 16), chr(int(unicode_hex[:4], 16))
            if char.isspace():
                continue
            if gid == 0 or gid >= len(order):
                problems.append(f"{char!r} → glyph {gid} not in font")
                continue
            if charstrings is not None:
                charstring = charstrings[order[gid]]
                charstring.decompile()
                if len(charstring.program) <= 1:
                    problems.append(f"{char!r} → empty glyph {gid}")
    return problems


def assert_only_our_font(pdf: bytes) -> None:
    fonts = embedded_fonts(pdf)
    assert fonts, "the PDF has no fonts"
    for font in fonts:
        assert font.base_font.split("+", 1)[-1] in (FONT_FAMILY, f"{FONT_FAMILY}-Bold"), font
        assert font.subtype == "/Type0", font
        assert font.postscript_name.startswith(FONT_POSTSCRIPT_NAME), font
        assert not font.problems, font

"""Japanese text handling shared by forms, imports and search.

What a person types is kept as typed: （）, ～, 、, full-width digits and the
ideographic space are stored, shown and printed unchanged (`clean_text`,
`clean_line` only trim and tidy whitespace). Search and comparison work on an
NFKC-normalised copy (`normalize_text`, `normalize_line` and the search keys),
so full-width and half-width input still find each other.
"""

import re
import unicodedata

# Old and variant forms (異体字) common in Japanese names. Search keys fold them so
# that 髙橋 finds 高橋; the stored name keeps exactly what the roster says.
_NAME_VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "德": "徳",
        "邊": "辺",
        "邉": "辺",
        "濵": "浜",
        "濱": "浜",
        "櫻": "桜",
        "澤": "沢",
        "廣": "広",
        "國": "国",
        "齋": "斎",
        "眞": "真",
        "惠": "恵",
        "冨": "富",
    }
)
_SPACES = re.compile(r"\s+")
_HIRAGANA_START, _HIRAGANA_END = ord("ぁ"), ord("ゖ")
_KATAKANA_OFFSET = ord("ァ") - ord("ぁ")


_LINE_BREAKS = re.compile(r"\r\n?")
_LINE_WHITESPACE = re.compile(r"[\n\t\v\f]+")
_SPACE_RUNS = re.compile(r" {2,}")


def clean_text(value: str) -> str:
    """Free text to store and display: trimmed, line breaks unified, characters as typed.

    Only canonical composition (NFC) is applied, which joins a kana and a separately typed
    voiced mark but leaves （）～、 and full-width digits alone.
    """
    if not isinstance(value, str):
        raise TypeError(f"expected str, got {type(value).__name__}")
    return unicodedata.normalize("NFC", _LINE_BREAKS.sub("\n", value)).strip()


def clean_line(value: str) -> str:
    """A single-line value to store and display: no line breaks or tabs, runs of ASCII spaces
    as one, characters (the ideographic space included) as typed."""
    return _SPACE_RUNS.sub(" ", _LINE_WHITESPACE.sub(" ", clean_text(value))).strip()


def normalize_text(value: str) -> str:
    """NFKC-normalise and trim; keeps inner line breaks. For comparison, never for display."""
    if not isinstance(value, str):
        raise TypeError(f"expected str, got {type(value).__name__}")
    return unicodedata.normalize("NFKC", value).strip()


def normalize_line(value: str) -> str:
    """NFKC-normalise a single-line value and collapse runs of whitespace to one space.
    For comparison and identifiers (numbers, references), never for displayed text."""
    return _SPACES.sub(" ", normalize_text(value))


def hiragana_to_katakana(value: str) -> str:
    return "".join(
        chr(ord(ch) + _KATAKANA_OFFSET) if _HIRAGANA_START <= ord(ch) <= _HIRAGANA_END else ch for ch in value
    )


def name_search_key(value: str) -> str:
    """The key a name is searched by: NFKC, no spaces, variant kanji folded, case-folded."""
    return _SPACES.sub("", normalize_text(value)).translate(_NAME_VARIANTS).casefold()


def kana_search_key(value: str) -> str:
    """The key a フリガナ is searched by: NFKC (half-width to full-width), katakana, no spaces."""
    return hiragana_to_katakana(_SPACES.sub("", normalize_text(value)))


def normalize_postal_code(value: str) -> str:
    """'〒１００-０００１' or '1000001' -> '1000001'; raises ValueError if not 7 digits."""
    digits = re.sub(r"[\s〒\-‐−ー―]", "", normalize_text(value))
    if not re.fullmatch(r"[0-9]{7}", digits):
        raise ValueError("postal code must have 7 digits")
    return digits

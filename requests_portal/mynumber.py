"""The My Number guard (DOMAIN.md §4.3, §9 items 27–31).

A My Number (個人番号) typed into a general form must never be stored, logged, mailed or
echoed back. Free text is scanned before validation succeeds: a checksum-valid 12-digit
number blocks the input; a checksum-failing 12-digit run only warns.

Nothing in this module returns or logs the number it found, apart from
`find_my_numbers`, whose callers are tests and the masking helpers.
"""

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Left to right over d1..d11 (MIC Ordinance No. 85 of 2014, Art. 5).
_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# Separators between the 4-digit groups. The full-width forms are listed too, so the same
# pattern finds a number in raw text (for masking in place) and in NFKC-normalised text.
_SEPARATOR = "[ \u3000\\-‐‑–—−ー―－]"
_DIGIT = "[0-9０-９]"
# Four-four-four (as printed on the card) or an unbroken run of twelve, never inside a longer
# run of digits (the 13-digit 法人番号 and 11-digit 住民票コード are other numbers).
_CANDIDATE = re.compile(
    rf"(?<!{_DIGIT})({_DIGIT}{{4}}){_SEPARATOR}?({_DIGIT}{{4}}){_SEPARATOR}?({_DIGIT}{{4}})(?!{_DIGIT})"
)
_SEPARATORS_ONLY = re.compile(_SEPARATOR)

BLOCK_MESSAGE = _(
    "マイナンバー（個人番号）と思われる12桁の番号が含まれています。"
    "この欄にマイナンバーを入力しないでください。マイナンバーに関するお問い合わせは、"
    "マイナンバー担当窓口（「マイナンバーに関するお問い合わせ」）をご利用ください。"
)
WARNING_MESSAGE = _(
    "12桁の数字が含まれています。マイナンバー（個人番号）ではないことをご確認ください。"
    "マイナンバーは入力しないでください。"
)


def check_digit(first_eleven: str) -> int:
    """The check digit for 11 ASCII digits: 0 if r ≤ 1 else 11 − r, r = Σ(d·w) mod 11."""
    if len(first_eleven) != 11 or not first_eleven.isascii() or not first_eleven.isdigit():
        raise ValueError("check_digit() needs exactly 11 ASCII digits")
    remainder = sum(int(d) * w for d, w in zip(first_eleven, _WEIGHTS, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(text: str) -> bool:
    """True when `text` (after NFKC and with separators removed) is 12 digits with a valid check digit."""
    if not isinstance(text, str):
        return False
    digits = _SEPARATORS_ONLY.sub("", unicodedata.normalize("NFKC", text).strip())
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit():
        return False
    return check_digit(digits[:11]) == int(digits[11])


@dataclass(frozen=True)
class _Candidate:
    digits: str
    start: int
    end: int

    @property
    def is_valid(self) -> bool:
        return check_digit(self.digits[:11]) == int(self.digits[11])


def _candidates(text: str) -> Iterator[_Candidate]:
    for match in _CANDIDATE.finditer(text):
        yield _Candidate(unicodedata.normalize("NFKC", "".join(match.groups())), match.start(), match.end())


def _normalize(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return unicodedata.normalize("NFKC", text)


def find_my_numbers(text: str) -> list[str]:
    """The checksum-valid My Numbers in free text, as 12-digit strings (full-width, spaced, hyphenated)."""
    return [c.digits for c in _candidates(_normalize(text)) if c.is_valid]


def contains_my_number(text: str) -> bool:
    return any(c.is_valid for c in _candidates(_normalize(text)))


def contains_suspicious_digits(text: str) -> bool:
    """A 12-digit run whose check digit fails: worth a soft warning, not a block (§9 item 29)."""
    return any(not c.is_valid for c in _candidates(_normalize(text)))


def mask_my_numbers(text: str, mask: str = "************") -> str:
    """`text` with every checksum-valid number replaced by `mask`; unchanged when there is none."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    parts: list[str] = []
    position = 0
    for candidate in _candidates(text):
        if candidate.is_valid:
            parts += [text[position : candidate.start], mask]
            position = candidate.end
    masked = "".join(parts) + text[position:]
    if contains_my_number(masked):
        # A form only NFKC reveals (e.g. other digit scripts): mask the normalised text instead.
        return mask_my_numbers(unicodedata.normalize("NFKC", masked), mask)
    return masked


def validate_no_my_number(value: object) -> None:
    """Form-field validator: block a valid My Number, with a message that never repeats it."""
    if value is None:
        return
    if not isinstance(value, str):
        value = str(value)
    if contains_my_number(value):
        # No params: the message must not carry the value back to the page or the logs.
        raise ValidationError(BLOCK_MESSAGE, code="my_number")


class RedactMyNumberFilter(logging.Filter):
    """Logging filter: masks My Numbers in every record before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not drop the record
            return True
        if contains_my_number(message):
            record.msg = mask_my_numbers(message)
            record.args = None
        return True

"""The My Number guard (docs/legal.md#my-number; 番号法第15条・第20条).

A My Number (個人番号) typed into a general form must never be stored, logged, mailed or
echoed back. Free text is scanned before validation succeeds: a checksum-valid 12-digit
number blocks the input; a checksum-failing 12-digit run only warns.

What counts as a number: the text is read as a person sees it (NFKC, invisible characters
removed, whitespace as one space); a candidate is a maximal run of digits in which at most
three characters that are neither letters nor digits stand between two digits, holding
exactly twelve digits. Dots, slashes, underscores, brackets, zero-width spaces, a space after
every digit, line breaks or full-width digits do not hide a number; a twelve-digit window of
a longer run (a card number, a 法人番号) is not one. The validator, the masking and the log
filter all use this one detector.

Nothing in this module returns or logs the number it found, apart from
`find_my_numbers`, whose callers are tests and the masking helpers.
"""

import functools
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Left to right over d1..d11 (MIC Ordinance No. 85 of 2014, Art. 5).
_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
MY_NUMBER_LENGTH = 12
# At most this many characters that are neither letters nor digits may stand between two digits
# of one number: "3141 - 5926", "(3141)5926", "3141.5926". A longer gap ends the run. Whitespace
# of any length counts as one character (line breaks and padding are layout, not content).
MAX_SEPARATOR_RUN = 3
# Letters people type for a dash between digit groups: the long-vowel mark ー (half-width ｰ
# becomes it under NFKC) and the kanji 一. Elsewhere they are letters and end a run of digits.
_DASH_LETTERS = "ー一"
# Characters nobody sees, removed before anything is looked at: format characters (Cf: zero-width
# space, BOM, soft hyphen, direction marks, tags), control characters (Cc: NUL and the rest, except
# whitespace), combining marks drawn over the digit before them (Mn, Me), surrogates and unassigned
# code points.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Mn", "Me", "Cs", "Cn"})
_SPACES = re.compile(r"\s+")
_SEPARATOR = rf"(?:[\W_]|[{_DASH_LETTERS}])"
# A maximal run of digits any two of which are at most MAX_SEPARATOR_RUN separators apart. The
# run is matched on cleaned text (see _clean), where no separator can also be a digit or a letter.
_DIGIT_RUN = re.compile(rf"\d+(?:{_SEPARATOR}{{1,{MAX_SEPARATOR_RUN}}}\d+)*")
_NOT_A_DIGIT = re.compile(r"\D")

# Two shapes of twelve digits that everyday text is full of and a My Number written out is not:
# a date with a time or a period ("2026/11/25 10:30", "11/25 10:30-12:00", "2026/04～2027/03"),
# and a Japanese mobile or IP-phone number in international form ("+81 90-1234-5678"). Only these
# exact shapes, zero-padded and with plausible values, are let through, so that few numbers can
# be dressed up as one: about 1 in 1,200 reads as such a date or period, about 1 in 2,500 begins
# with 8150/8170/8180/8190 (tests/requests_portal/test_mynumber_detector.py measures it).
_YEAR = r"(?:19|20)\d\d"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
_HOUR = r"(?:[01]\d|2[0-3])"
_MINUTE = r"[0-5]\d"


def calendar_shape(
    *, date: str = r"[/.\-]", slash: str = "/", colon: str = ":", space: str = " ", until: str = r" ?[\-~〜] ?"
) -> re.Pattern[str]:
    """The dates with a time, and the periods, whose twelve digits are not a candidate.

    The separators are parameters so that a test can drop them all and ask how many twelve-digit
    numbers could be written in one of these shapes at all.
    """
    time = rf"{_HOUR}{colon}{_MINUTE}"
    shapes = (
        rf"{_YEAR}{date}{_MONTH}{date}{_DAY}{space}{time}",  # 2026/11/25 10:30
        rf"{_MONTH}{slash}{_DAY}{space}{time}{until}{time}",  # 11/25 10:30-12:00
        rf"{_YEAR}{date}{_MONTH}{until}{_YEAR}{date}{_MONTH}",  # 2026/04～2027/03
        rf"{_YEAR}{date}{_MONTH}{date}{_DAY}{until}{_MONTH}{slash}{_DAY}",  # 2026/11/25～12/25
    )
    return re.compile("|".join(f"(?:{shape})" for shape in shapes))


_CALENDAR = calendar_shape()
_INTERNATIONAL_MOBILE = re.compile(r"81[5789]0\d{8}")

BLOCK_MESSAGE = _(
    "マイナンバー（個人番号）と思われる12桁の番号が含まれています。"
    "この欄にマイナンバーを入力しないでください。マイナンバーに関するお問い合わせは、"
    "マイナンバー担当窓口（「マイナンバーに関するお問い合わせ」）をご利用ください。"
)
# On the My Number inquiry form itself the member is already at the desk the message above points
# to; there it says what to do instead of sending them where they are.
BLOCK_MESSAGE_ON_MY_NUMBER_FORM = _(
    "マイナンバー（個人番号）と思われる12桁の番号が含まれています。"
    "このお問い合わせでも、番号そのものは入力しないでください。番号を除いて、お問い合わせの内容だけをご記入ください。"
    "番号の確認が必要な場合は、マイナンバー担当から確認の方法をご案内します。"
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


def _has_valid_check_digit(digits: str) -> bool:
    return check_digit(digits[:11]) == int(digits[11])


@functools.cache
def _is_invisible(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES and not char.isspace()


def _ascii_digits(text: str) -> str:
    """The decimal digits of `text` (any script) as ASCII digits."""
    return "".join(str(unicodedata.decimal(char)) for char in _NOT_A_DIGIT.sub("", text))


def _clean(text: str) -> str:
    """NFKC, invisible characters removed, whitespace runs as one space: what a reader sees."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    text = unicodedata.normalize("NFKC", text)
    invisible = {ord(char): None for char in set(text) if _is_invisible(char)}
    return _SPACES.sub(" ", text.translate(invisible) if invisible else text)


def _clean_with_origins(text: str) -> tuple[str, list[int]]:
    """_clean(text), and for each character of it the index of the character of `text` it came from."""
    chars: list[str] = []
    origins: list[int] = []
    for index, original in enumerate(text):
        for char in unicodedata.normalize("NFKC", original):
            if char.isspace():
                if chars and chars[-1] == " ":
                    continue
                char = " "
            elif _is_invisible(char):
                continue
            chars.append(char)
            origins.append(index)
    return "".join(chars), origins


@dataclass(frozen=True)
class _Candidate:
    """A run of exactly twelve digits in cleaned text (start/end index that text)."""

    digits: str
    start: int
    end: int

    @property
    def is_valid(self) -> bool:
        return _has_valid_check_digit(self.digits)


def _is_everyday_shape(cleaned: str, match: re.Match[str], digits: str) -> bool:
    if _CALENDAR.fullmatch(match.group()):
        return True
    return match.start() > 0 and cleaned[match.start() - 1] == "+" and bool(_INTERNATIONAL_MOBILE.fullmatch(digits))


def _candidates(cleaned: str) -> Iterator[_Candidate]:
    """Every maximal digit run of `cleaned` holding exactly twelve digits.

    A twelve-digit window of a longer run is not one: a 16-digit card number or a 13-digit
    法人番号 is not a My Number.
    """
    for match in _DIGIT_RUN.finditer(cleaned):
        run = match.group()
        if len(run) < MY_NUMBER_LENGTH:
            continue
        digits = _ascii_digits(run)
        if len(digits) == MY_NUMBER_LENGTH and not _is_everyday_shape(cleaned, match, digits):
            yield _Candidate(digits, match.start(), match.end())


def is_valid_my_number(text: str) -> bool:
    """True when `text`, apart from separators, is 12 digits with a valid check digit."""
    if not isinstance(text, str):
        return False
    cleaned = _clean(text).strip()
    if not cleaned or _DIGIT_RUN.fullmatch(cleaned) is None:
        return False
    digits = _ascii_digits(cleaned)
    return len(digits) == MY_NUMBER_LENGTH and _has_valid_check_digit(digits)


def find_my_numbers(text: str) -> list[str]:
    """The checksum-valid My Numbers in free text, as 12 ASCII digits, however they are written."""
    return [c.digits for c in _candidates(_clean(text)) if c.is_valid]


def contains_my_number(text: str) -> bool:
    return any(c.is_valid for c in _candidates(_clean(text)))


def contains_suspicious_digits(text: str) -> bool:
    """A 12-digit run whose check digit fails: worth a soft warning, not a block (docs/legal.md#my-number-detection)."""
    return any(not c.is_valid for c in _candidates(_clean(text)))


def mask_my_numbers(text: str, mask: str = "************") -> str:
    """`text` with every checksum-valid number replaced by `mask`; unchanged when there is none.

    The number is cut out of the text as written (from its first digit to its last, whatever
    stands between them), so everything around it stays exactly as it was.
    """
    if not contains_my_number(text):
        return text
    cleaned, origins = _clean_with_origins(text)
    masked = _masked(text, cleaned, origins, mask)
    if contains_my_number(masked):
        # Only whole-text NFKC joins what per-character NFKC did not: mask the cleaned text instead.
        cleaned = _clean(masked)
        return _masked(cleaned, cleaned, list(range(len(cleaned))), mask)
    return masked


def _masked(text: str, cleaned: str, origins: list[int], mask: str) -> str:
    parts: list[str] = []
    position = 0
    for candidate in _candidates(cleaned):
        if candidate.is_valid:
            start, end = origins[candidate.start], origins[candidate.end - 1] + 1
            parts += [text[position:start], mask]
            position = end
    return "".join(parts) + text[position:]


def validate_no_my_number(value: object) -> None:
    """Form-field validator: block a valid My Number, with a message that never repeats it."""
    if value is None:
        return
    if not isinstance(value, str):
        value = str(value)
    if contains_my_number(value):
        # No params: the message must not carry the value back to the page or the logs.
        raise ValidationError(BLOCK_MESSAGE, code="my_number")


def validate_no_my_number_on_my_number_form(value: object) -> None:
    """validate_no_my_number, with the message for the My Number inquiry form."""
    try:
        validate_no_my_number(value)
    except ValidationError:
        raise ValidationError(BLOCK_MESSAGE_ON_MY_NUMBER_FORM, code="my_number") from None


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
        if record.exc_info and not record.exc_text:
            # The traceback's last line repeats the exception's message: mask it here, once,
            # since the formatter reuses exc_text instead of formatting the exception again.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and contains_my_number(record.exc_text):
            record.exc_text = mask_my_numbers(record.exc_text)
        if record.stack_info and contains_my_number(record.stack_info):
            record.stack_info = mask_my_numbers(record.stack_info)
        return True

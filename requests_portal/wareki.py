"""Japanese era (和暦) dates for letters and date-of-birth input (docs/legal.md#wareki).

Letters write `令和8年1月19日`: Arabic numerals, no zero padding, and 元年 for year one.
japanera pads with zeros and prints 令和1年, so the formatting is done here.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: date
    end: date | None  # last day, inclusive

    def year_of(self, day: date) -> int:
        return day.year - self.start.year + 1


# Japan adopted the Gregorian calendar on 明治6年1月1日 (1873-01-01); earlier Meiji dates were
# lunisolar and cannot be converted by year arithmetic, so conversion starts there.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", date(2019, 5, 1), None),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
    Era("明治", "M", date(1868, 1, 25), date(1912, 7, 29)),
)
_EARLIEST = date(1873, 1, 1)
_BY_NAME = {era.name: era for era in ERAS} | {era.letter: era for era in ERAS}


def era_of(day: date) -> Era:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected datetime.date, got {type(day).__name__}")
    if day < _EARLIEST:
        raise ValueError(_("和暦への変換は明治6年（1873年）1月1日以降の日付に対応しています。"))
    return next(era for era in ERAS if day >= era.start)


def format_wareki(day: date) -> str:
    """date(2019, 5, 1) -> '令和元年5月1日'."""
    era = era_of(day)
    year = era.year_of(day)
    year_text = "元" if year == 1 else str(year)
    return f"{era.name}{year_text}年{day.month}月{day.day}日"


def reader_reads_japanese() -> bool:
    """Whether the active language is Japanese (the eras mean nothing to an English reader)."""
    from django.utils.translation import get_language

    return (get_language() or "ja").split("-")[0] == "ja"


def date_for_reader(day: date) -> str:
    """A date as the current reader expects it: 令和8年4月1日 in Japanese, the Western date in
    its own format in English."""
    from django.utils.formats import date_format

    return format_wareki(day) if reader_reads_japanese() else date_format(day, "DATE_FORMAT")


def any_date_for_reader(value: date | str | None) -> str:
    """`date_for_reader` for what pages and events hold: a date, a datetime (its local day), an ISO
    string (dates kept in an event's JSON, returned as they are if not a date) or nothing."""
    from django.utils import timezone

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value
        try:
            value = date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return date_for_reader(value)


_WAREKI_PATTERN = re.compile(
    r"^(?P<era>令和|平成|昭和|大正|明治|[RHSTM])\s*(?P<year>元|[0-9]{1,2})\s*[年./\-]\s*"
    r"(?P<month>[0-9]{1,2})\s*[月./\-]\s*(?P<day>[0-9]{1,2})\s*日?$",
    re.IGNORECASE,
)
_WESTERN_PATTERN = re.compile(
    r"^(?P<year>[0-9]{4})\s*[年./\-]\s*(?P<month>[0-9]{1,2})\s*[月./\-]\s*(?P<day>[0-9]{1,2})\s*日?$"
)


def parse_japanese_date(text: str) -> date:
    """Parse '昭和50年4月1日', 'S50.4.1', 'H2/4/1', '1975-04-01' (full-width digits too).

    Raises ValueError with a Japanese message for anything else, including dates outside
    the named era ('昭和64年1月8日' is 平成元年1月8日).
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    value = unicodedata.normalize("NFKC", text).strip()
    if match := _WESTERN_PATTERN.match(value):
        return _make_date(int(match["year"]), int(match["month"]), int(match["day"]))
    if match := _WAREKI_PATTERN.match(value):
        era = _BY_NAME[match["era"].upper() if len(match["era"]) == 1 else match["era"]]
        year = 1 if match["year"] == "元" else int(match["year"])
        if year < 1:
            raise ValueError(_("年の指定が正しくありません。"))
        result = _make_date(era.start.year + year - 1, int(match["month"]), int(match["day"]))
        if result < max(era.start, _EARLIEST) or (era.end is not None and result > era.end):
            raise ValueError(
                _("%(era)s%(year)s年%(month)s月%(day)s日は存在しない日付です。")
                % {"era": era.name, "year": match["year"], "month": match["month"], "day": match["day"]}
            )
        return result
    raise ValueError(_("日付は「1975-04-01」または「昭和50年4月1日」の形で入力してください。"))


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(_("存在しない日付です。")) from None

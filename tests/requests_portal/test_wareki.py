"""和暦 formatting and parsing at every era boundary (docs/legal.md#wareki)."""

from datetime import UTC, date, datetime

import pytest

from requests_portal.wareki import format_wareki, parse_japanese_date


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2026, 1, 19), "令和8年1月19日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1873, 1, 1), "明治6年1月1日"),
        (date(2020, 1, 1), "令和2年1月1日"),
    ],
)
def test_format_wareki_era_boundaries(day, text):
    assert format_wareki(day) == text


@pytest.mark.parametrize("bad", ["2026-01-19", datetime(2026, 1, 19, 9, 0, tzinfo=UTC), None])
def test_format_wareki_rejects_non_dates(bad):
    with pytest.raises(TypeError):
        format_wareki(bad)


def test_format_wareki_rejects_lunisolar_meiji():
    with pytest.raises(ValueError, match="明治6年"):
        format_wareki(date(1872, 12, 31))


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("昭和50年4月1日", date(1975, 4, 1)),
        ("S50.4.1", date(1975, 4, 1)),
        ("s50/4/1", date(1975, 4, 1)),
        ("H2/4/1", date(1990, 4, 1)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("１９７５－０４－０１", date(1975, 4, 1)),
        ("1975年4月1日", date(1975, 4, 1)),
    ],
)
def test_parse_japanese_date(text, day):
    assert parse_japanese_date(text) == day


@pytest.mark.parametrize("text", ["昭和64年1月8日", "平成31年5月1日", "令和元年4月30日", "2026-02-30", "昨日", "S50"])
def test_parse_japanese_date_rejects_impossible_dates(text):
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the reason
        parse_japanese_date(text)

"""What depends on the reader's language: dates (the era for Japanese readers, the Western
calendar in English), chart months and the breaking of chart labels."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from django.utils import translation

from requests_portal.charts import _axis_label
from requests_portal.templatetags.portal import both_calendars, wareki

APRIL_FIRST = date(2026, 4, 1)


def test_japanese_pages_use_the_era_and_show_both_where_asked():
    with translation.override("ja"):
        assert wareki(APRIL_FIRST) == "令和8年4月1日"
        assert both_calendars(APRIL_FIRST) == "令和8年4月1日（2026年4月1日）"


def test_english_pages_use_the_western_date_only():
    with translation.override("en"):
        assert wareki(APRIL_FIRST) == "April 1, 2026"
        assert both_calendars(APRIL_FIRST) == "April 1, 2026"


def test_a_moment_is_dated_in_japan_not_in_utc():
    # 2026-03-31 20:00 UTC is already 1 April in Tokyo.
    moment = datetime(2026, 3, 31, 20, 0, tzinfo=ZoneInfo("UTC"))
    with translation.override("ja"):
        assert wareki(moment) == "令和8年4月1日"
    assert wareki(None) == both_calendars(None) == ""


def test_chart_months_follow_the_language():
    with translation.override("ja"):
        assert _axis_label("2026-01", first=False) == ("1月", "2026")
        assert _axis_label("2026-03", first=False) == ("3月", "")
    with translation.override("en"):
        assert _axis_label("2026-12", first=True) == ("Dec", "2026")
    assert _axis_label("合計", first=True) == ("合計", "")


def test_chart_labels_break_between_english_words_and_anywhere_in_japanese():
    from requests_portal.charts import _wrap

    # Eight full-width characters a line, so sixteen Latin letters.
    assert _wrap("Notice of purposes of use", 8) == ["Notice of", "purposes of use"]
    assert _wrap("Disclosure-of-records", 8) == ["Disclosure-of-records"]  # one word is never cut
    assert _wrap("保有個人データの開示", 5) == ["保有個人デ", "ータの開示"]


def test_lists_in_messages_are_joined_in_the_readers_language():
    """Role names in the audit trail and the columns a CSV header lacks: 、 in Japanese, a comma
    in English (a 、 between English words reads as a stray mark)."""
    from requests_portal.provision_csv import ProvisionFileError, _map_header
    from requests_portal.roles import role_display

    with translation.override("ja"):
        assert "、" in role_display("ga_staff,ga_supervisor")
        with pytest.raises(ProvisionFileError) as japanese:
            _map_header(["unknown-column"])
    with translation.override("en"):
        english_roles = role_display("ga_staff,ga_supervisor")
        with pytest.raises(ProvisionFileError) as english:
            _map_header(["unknown-column", "another-column"])
    assert ", " in english_roles
    assert "、" not in english_roles
    assert "、" not in str(english.value).split(":", 1)[-1]
    assert "unknown-column, another-column" in str(english.value)
    assert "unknown-column" in str(japanese.value)

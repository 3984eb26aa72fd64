"""The My Number guard: docs/legal.md#my-number-check-digit and docs/legal.md#my-number-detection."""

import logging

import pytest

from django.core.exceptions import ValidationError

from requests_portal.mynumber import (
    RedactMyNumberFilter,
    check_digit,
    contains_my_number,
    contains_suspicious_digits,
    find_my_numbers,
    is_valid_my_number,
    mask_my_numbers,
    validate_no_my_number,
)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("123456789018", True),
        *[(f"12345678901{d}", False) for d in "0123456795"],
        ("621498320257", True),
        ("621498320258", False),
        ("200000000000", True),  # r = 1 → check digit 0
        ("000000000140", True),  # r = 0 → check digit 0
        ("999999999996", True),
        ("１２３４５６７８９０１８", True),  # full-width
        ("1234 5678 9018", True),
        ("1234-5678-9018", True),
        ("１２３４　５６７８　９０１８", True),  # ideographic spaces
        ("1234ー5678ー9018", True),  # a long-vowel mark typed as a dash
        ("12345678901", False),
        ("1234567890180", False),
        ("12345678901a", False),
        ("", False),
    ],
)
def test_is_valid_my_number(number, valid):
    assert is_valid_my_number(number) is valid


def test_check_digit_vectors():
    assert check_digit("12345678901") == 8
    assert check_digit("62149832025") == 7
    with pytest.raises(ValueError, match="11 ASCII digits"):
        check_digit("１２３４５６７８９０１")


def test_is_valid_my_number_rejects_non_strings():
    assert is_valid_my_number(123456789018) is False  # type: ignore[arg-type]
    assert is_valid_my_number(None) is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("私の番号は123456789018です", ["123456789018"]),
        ("番号：１２３４　５６７８　９０１８", ["123456789018"]),
        ("1234-5678-9018 と 6214 9832 0257", ["123456789018", "621498320257"]),
        ("法人番号 1234567890180 は対象外", []),
        ("電話 0312345678 郵便 1000013", []),
        ("x123456789019y", []),  # checksum fails
        ("11234567890181", []),  # inside a longer run
    ],
)
def test_find_my_numbers(text, found):
    assert find_my_numbers(text) == found


def test_thirteen_digit_runs_are_not_flagged():
    assert not contains_my_number("1234567890180")
    assert not contains_suspicious_digits("1234567890180")


def test_checksum_failing_twelve_digits_only_warn():
    assert not contains_my_number("123456789019")
    assert contains_suspicious_digits("123456789019")


def test_mask_keeps_everything_else_exactly():
    text = "回答（通知書）：１２３４　５６７８　９０１８ を確認"
    assert mask_my_numbers(text) == "回答（通知書）：************ を確認"
    assert mask_my_numbers("番号なし（全角）") == "番号なし（全角）"


def test_validator_blocks_without_echoing_the_number():
    with pytest.raises(ValidationError) as caught:
        validate_no_my_number("お問い合わせ 1234 5678 9018 について")
    error = caught.value.error_list[0]
    assert error.code == "my_number"
    assert "9018" not in str(error.message)
    assert not error.params
    assert "マイナンバー担当" in str(error.message)
    validate_no_my_number("問題のない文章 2026年11月25日")


def test_validator_message_in_english(settings):
    from django.utils import translation

    with pytest.raises(ValidationError) as caught:
        validate_no_my_number("123456789018")
    with translation.override("en"):
        assert "My Number" in str(caught.value.error_list[0].message)


def test_logging_filter_redacts(caplog):
    logger = logging.getLogger("test.mynumber")
    logger.addFilter(RedactMyNumberFilter())
    with caplog.at_level(logging.INFO, logger="test.mynumber"):
        logger.info("member typed %s", "1234-5678-9018")
    assert "9018" not in caplog.text
    assert "************" in caplog.text

"""The My Number detector against evasion and against everyday numbers (番号法第20条: no one may
collect a My Number outside the permitted uses, so free text must not carry one in)."""

import logging
import random
import sys

import pytest

from django.core.exceptions import ValidationError

from requests_portal.mynumber import (
    RedactMyNumberFilter,
    calendar_shape,
    check_digit,
    contains_my_number,
    contains_suspicious_digits,
    find_my_numbers,
    mask_my_numbers,
    validate_no_my_number,
)

# 314159265352 has a valid check digit; so has every number built by with_check_digit().
NUMBER = "314159265352"
GROUPS = ("3141", "5926", "5352")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def with_check_digit(first_eleven: str) -> str:
    return first_eleven + str(check_digit(first_eleven))


def test_the_example_number_is_valid():
    assert with_check_digit(NUMBER[:11]) == NUMBER


# Every way of writing the number that an adversarial review or we found. Each must be blocked.
EVASIONS = {
    "plain": NUMBER,
    "dots": "3141.5926.5352",
    "slashes": "3141/5926/5352",
    "spaced hyphens": "3141 - 5926 - 5352",
    "underscores": "3141_5926_5352",
    "commas": "3141,5926,5352",
    "zero-width space": "3141\u200b5926\u200b5352",
    "zero-width space between every digit": "\u200b".join(NUMBER),
    "space after every digit": " ".join(NUMBER) + " ",
    "parenthesised group": "(3141)5926-5352",
    "full-width digits": NUMBER.translate(FULL_WIDTH),
    "full-width with ideographic spaces": "\u3000".join(GROUPS).translate(FULL_WIDTH),
    "full-width hyphens": "－".join(GROUPS).translate(FULL_WIDTH),
    "mixed separators": "3141-5926/5352",
    "mixed dot and space": "31.41 59 26-53.52",
    "line breaks": "3141\n5926\n5352",
    "CRLF": "3141\r\n5926\r\n5352",
    "blank lines": "3141\n\n\n\n5926\n\n\n\n5352",
    "tabs": "3141\t5926\t5352",
    "long padding": "3141          5926          5352",
    "pairs": "31-41-59-26-53-52",
    "long-vowel mark": "3141ー5926ー5352",
    "half-width long-vowel mark": "3141ｰ5926ｰ5352",
    "kanji one as dash": "3141一5926一5352",
    "soft hyphen and BOM": "3141\u00ad5926\ufeff5352",
    "word joiner": "3141\u20605926\u20605352",
    "right-to-left mark": "3141\u200f5926\u200e5352",
    "NUL bytes": "\x00".join(NUMBER),
    "combining marks": "".join(d + "\u0301" for d in NUMBER),
    "enclosing keycaps": "".join(d + "\u20e3" for d in NUMBER),
    "mathematical digits": "".join(chr(0x1D7CE + int(d)) for d in NUMBER),
    "circled digits": "".join("⓪①②③④⑤⑥⑦⑧⑨"[int(d)] for d in NUMBER),
    "superscripts": "³¹⁴¹⁵⁹²⁶⁵³⁵²",
    "Arabic-Indic digits": "".join(chr(0x0660 + int(d)) for d in NUMBER),
    "fullwidth brackets": "【3141】5926「5352」",
    "minus signs": "3141−5926−5352",
    "wave dash": "3141〜5926〜5352",
    "middle dots": "3141・5926・5352",
    "in a sentence": "私の個人番号は3141.5926.5352です。",
    "as an e-mail local part": "3141.5926.5352@example.jp",
    "between letters": "x314159265352y",
    "quoted": '"3141" "5926" "5352"',
}


@pytest.mark.parametrize("written", EVASIONS.values(), ids=EVASIONS.keys())
def test_every_evasion_is_detected_and_masked(written):
    text = f"お問い合わせ：{written}（以上）"
    assert contains_my_number(text)
    assert find_my_numbers(text) == [NUMBER]
    masked = mask_my_numbers(text)
    assert not contains_my_number(masked)
    assert "************" in masked
    assert masked.startswith("お問い合わせ：")
    assert masked.endswith("（以上）")
    with pytest.raises(ValidationError, match="マイナンバー"):
        validate_no_my_number(text)


@pytest.mark.parametrize("written", EVASIONS.values(), ids=EVASIONS.keys())
def test_every_evasion_is_masked_in_log_lines(written, caplog):
    logger = logging.getLogger("test.mynumber.evasion")
    logger.addFilter(RedactMyNumberFilter())
    with caplog.at_level(logging.INFO, logger="test.mynumber.evasion"):
        logger.info("member typed %s", written)
    assert not contains_my_number(caplog.text)
    assert "************" in caplog.text


def test_a_my_number_in_an_exception_is_masked_in_the_logged_traceback(caplog):
    logger = logging.getLogger("test.mynumber.exc")
    logger.addFilter(RedactMyNumberFilter())
    with caplog.at_level(logging.INFO, logger="test.mynumber.exc"):
        try:
            raise ValueError("bad value 3141.5926.5352")
        except ValueError:
            logger.exception("failed")
    handler_output = logging.Formatter().format(caplog.records[0])
    assert "Traceback" in handler_output
    assert not contains_my_number(handler_output)
    assert "************" in handler_output


@pytest.mark.parametrize(
    "text",
    [
        "3141.5926.53520",  # 13 digits
        "3141 5926 5352 0",  # a 13th digit after a separator belongs to the same run
        "1234567890123",  # 法人番号
        "4111 3141 5926 5352",  # a card number containing the valid window
        "3141----5926----5352",  # four separators end the run
        "3141 and 5926 and 5352",  # letters end the run
    ],
)
def test_windows_of_longer_runs_and_broken_runs_are_not_candidates(text):
    assert not contains_my_number(text)


# --- everyday numbers ------------------------------------------------------------------------


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _phone(rng: random.Random) -> str:
    area, local = rng.choice([("03", 4), ("06", 4), ("045", 3), ("0463", 2), ("0120", 3), ("0570", 3)])
    middle, last = _d(rng, local), _d(rng, 4 if not area.startswith(("0120", "0570")) else 3)
    mobile = rng.choice(["070", "080", "090", "050"]) + _d(rng, 8)
    forms = [
        f"{area}-{middle}-{last}",
        f"({area}){middle}-{last}",
        f"{area}({middle}){last}",
        f"{area}{middle}{last}",
        f"{area} {middle} {last}",
        f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
        f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}",
        mobile,
        f"+81-{mobile[1:3]}-{mobile[3:7]}-{mobile[7:]}",
        f"+81 {mobile[1:3]} {mobile[3:7]} {mobile[7:]}",
        f"+81{mobile[1:]}",
        f"+81 {area[1:]}-{middle}-{last}",
        f"+81 (0){mobile[1:3]}-{mobile[3:7]}-{mobile[7:]}",
        f"{area}-{middle}-{last}（代）",
        f"{area}-{middle}-{last} 内線{_d(rng, 3)}",
        f"TEL {area}-{middle}-{last} FAX {area}-{middle}-{_d(rng, 4)}",
        f"{area}-{middle}-{last}／{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
        f"{area}-{middle}-{last}, {area}-{middle}-{_d(rng, 4)}",
    ]
    form = rng.choice(forms)
    return form.translate(FULL_WIDTH) if rng.random() < 0.2 else form


def _postal(rng: random.Random) -> str:
    code = _d(rng, 7)
    return rng.choice(
        [
            f"〒{code[:3]}-{code[3:]}",
            f"{code[:3]}-{code[3:]}",
            code,
            f"〒{code[:3]}-{code[3:]} 東京都千代田区霞が関{rng.randint(1, 3)}-{rng.randint(1, 9)}-{rng.randint(1, 20)}",
            f"〒{code[:3]}－{code[3:]}".translate(FULL_WIDTH),
        ]
    )


def _date(rng: random.Random) -> str:
    y, m, d = rng.randint(1940, 2030), rng.randint(1, 12), rng.randint(1, 28)
    hh, mm, ss = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    h2, m2 = rng.randint(0, 23), rng.randint(0, 59)
    y2, mo2 = y + rng.randint(0, 2), rng.randint(1, 12)
    forms = [
        f"{y}/{m:02}/{d:02}",
        f"{y}-{m:02}-{d:02}",
        f"{y}.{m:02}.{d:02}",
        f"{y}/{m}/{d}",
        f"{y}年{m}月{d}日",
        f"令和{rng.randint(1, 8)}年{m}月{d}日",
        f"R{rng.randint(1, 8)}.{m:02}.{d:02}",
        f"{y}{m:02}{d:02}",
        f"{m}/{d}",
        f"{m:02}/{d:02}/{y}",
        f"{d:02}.{m:02}.{y}",
        f"{y}/{m:02}/{d:02} {hh:02}:{mm:02}",
        f"{y}-{m:02}-{d:02} {hh:02}:{mm:02}",
        f"{y}/{m}/{d} {hh}:{mm:02}",
        f"{y}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}",
        f"{y}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}+09:00",
        f"{m:02}/{d:02} {hh:02}:{mm:02}-{h2:02}:{m2:02}",
        f"{m}/{d} {hh}:{mm:02}〜{h2}:{m2:02}",
        f"{hh:02}:{mm:02}～{h2:02}:{m2:02}",
        f"{y}/{m:02}～{y2}/{mo2:02}",
        f"{y}/{m:02}/{d:02}～{mo2:02}/{d:02}",
        f"{y}/{m:02}/{d:02}-{y2}/{mo2:02}/{d:02}",
        f"{y}年{m}月{d}日 {hh}時{mm}分",
        f"{y}年{m}月{d}日 {hh:02}:{mm:02}頃",
    ]
    form = rng.choice(forms)
    return form.translate(FULL_WIDTH) if rng.random() < 0.2 else form


def _amount(rng: random.Random) -> str:
    value = rng.choice([rng.randint(1, 999), rng.randint(1000, 999999), rng.randint(10**6, 10**10)])
    return rng.choice(
        [f"{value:,}円", f"¥{value:,}", f"￥{value:,}-", f"金{value:,}円也", f"{value}円", f"{value:,} 円"]
    )


def _member_number(rng: random.Random) -> str:
    return rng.choice(
        [f"組合員番号 {_d(rng, 6)}", f"会員番号：{_d(rng, 8)}", f"K-{_d(rng, 7)}", f"No.{_d(rng, 8)}", _d(rng, 8)]
    )


def _card_number(rng: random.Random) -> str:
    number = rng.choice("3456") + _d(rng, 15)
    groups = [number[i : i + 4] for i in range(0, 16, 4)]
    return rng.choice([number, " ".join(groups), "-".join(groups), "　".join(groups).translate(FULL_WIDTH)])


def _corporate_number(rng: random.Random) -> str:
    number = _d(rng, 13)
    return rng.choice([number, f"法人番号 {number}", f"T{number}", f"T-{number}", number.translate(FULL_WIDTH)])


def _reference(rng: random.Random) -> str:
    prefix = rng.choice(["GA", "MN"])
    return rng.choice(
        [f"{prefix}-{rng.randint(2020, 2030)}-{rng.randint(1, 99999):05}", f"受付番号 {prefix}-2026-{_d(rng, 5)}"]
    )


EVERYDAY = (_phone, _postal, _date, _amount, _member_number, _card_number, _corporate_number, _reference)
GLUE = ("、", "。", " ", "\n", "／", "です。", "について、", "に連絡しました。")
LABELS = ("電話", "連絡先", "日時", "金額", "番号", "住所", "期間", "備考")


def everyday_texts(count: int, seed: int = 20261203) -> list[str]:
    """Realistic strings: one everyday number alone, or several each under a label in a sentence."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = [rng.choice(EVERYDAY)(rng) for _ in range(rng.choice([1, 1, 2, 3, 4]))]
        if len(parts) == 1:
            texts.append(parts[0])
        else:
            texts.append(rng.choice(GLUE).join(f"{rng.choice(LABELS)}{rng.choice(['：', ' ', ''])}{p}" for p in parts))
    return texts


def test_no_false_positives_over_realistic_everyday_numbers():
    texts = everyday_texts(12_000)
    blocked = [t for t in texts if contains_my_number(t)]
    warned = [t for t in texts if contains_suspicious_digits(t)]
    masked_differently = [t for t in texts if mask_my_numbers(t) != t]
    sys.stdout.write(
        f"\nMy Number detector: {len(blocked)} blocked, {len(warned)} warned, "
        f"{len(masked_differently)} altered of {len(texts)} everyday strings\n"
    )
    assert len(texts) >= 10_000
    assert blocked == []
    assert warned == []
    assert masked_differently == []


def test_the_generator_really_produces_twelve_digit_runs():
    # Without these the test above would prove little: the detector must tell them apart.
    texts = everyday_texts(12_000)
    assert any("+81" in t for t in texts)
    twelve_digit_dates = [t for t in texts if t.count(":") == 1 and "/" in t and len(t) == 16]
    assert twelve_digit_dates
    assert any(len([c for c in t if c.isdigit()]) == 16 and " " in t for t in texts)


def test_only_a_few_numbers_could_be_dressed_up_as_a_date_or_a_phone_number():
    """The everyday shapes let a number through only when its digits read as a valid date and
    time (or period) or as a Japanese mobile number in international form: few numbers can."""
    digits_only = calendar_shape(date="", slash="", colon="", space="", until="")
    rng = random.Random(7)
    numbers = [with_check_digit(_d(rng, 11)) for _ in range(100_000)]
    as_date = sum(1 for n in numbers if digits_only.fullmatch(n))
    as_phone = sum(1 for n in numbers if n[:4] in ("8150", "8170", "8180", "8190"))
    sys.stdout.write(f"\nexpressible as a date/period: {as_date}/100000, as +81 mobile: {as_phone}/100000\n")
    assert as_date < 120  # about 1 in 1,100 (measured: 90)
    assert as_phone < 60
    # And such a number is caught in every other shape.
    example = next(n for n in numbers if digits_only.fullmatch(n))
    assert contains_my_number(example)
    assert contains_my_number(f"{example[:4]}-{example[4:8]}-{example[8:]}")

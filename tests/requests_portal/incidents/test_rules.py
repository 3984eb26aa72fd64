"""The rules of the register as pure functions: report deadlines (規則第8条) and the
reportability assessment (規則第7条; 特定個人情報漏えい等報告規則第2条)."""

from datetime import date

import pytest

from requests_portal.incidents import report_deadlines
from requests_portal.incidents.rules import Answers, assess, preliminary_latest


@pytest.mark.parametrize(
    ("known_on", "unlawful", "preliminary", "final"),
    [
        (date(2026, 4, 1), False, date(2026, 4, 4), date(2026, 4, 30)),  # day 1 is the day known: +29
        (date(2026, 4, 1), True, date(2026, 4, 4), date(2026, 5, 30)),  # 60 days: +59
        (date(2026, 1, 30), False, date(2026, 2, 2), date(2026, 2, 28)),  # across a month end (February)
        (date(2028, 1, 31), False, date(2028, 2, 3), date(2028, 2, 29)),  # leap year
        (date(2026, 12, 29), False, date(2027, 1, 1), date(2027, 1, 27)),  # across the year end
        (date(2026, 12, 15), True, date(2026, 12, 18), date(2027, 2, 12)),  # 60 days across the year end
        (date(2026, 5, 2), False, date(2026, 5, 5), date(2026, 5, 31)),  # holidays count (Golden Week)
    ],
)
def test_report_deadlines(known_on, unlawful, preliminary, final):
    assert report_deadlines(known_on, unlawful_purpose=unlawful) == (preliminary, final)


def test_the_preliminary_report_is_late_after_the_fifth_day():
    assert preliminary_latest(date(2026, 12, 29)) == date(2027, 1, 3)


def test_unlawful_purpose_is_keyword_only():
    with pytest.raises(TypeError):
        report_deadlines(date(2026, 4, 1), True)  # type: ignore[misc]


def codes(answers: Answers) -> set[str]:
    return {ground.code for ground in assess(answers).grounds}


def test_nothing_applies_not_reportable():
    result = assess(Answers(people=5))
    assert not result.reportable
    assert "いずれにも該当しません" in result.conclusion


def test_sensitive_data_is_reportable_for_a_single_person():
    result = assess(Answers(sensitive_data=True, people=1))
    assert result.reportable
    assert codes(Answers(sensitive_data=True, people=1)) == {"appi_1"}
    assert "規則第7条第1号" in result.conclusion
    assert not result.unlawful_purpose


def test_financial_loss_is_reportable():
    assert codes(Answers(financial_loss=True, people=1)) == {"appi_2"}


def test_unlawful_purpose_is_reportable_and_takes_sixty_days():
    result = assess(Answers(unlawful_purpose=True, people=1))
    assert result.reportable
    assert result.unlawful_purpose
    assert {g.code for g in result.grounds} == {"appi_3"}


def test_information_about_to_be_acquired_falls_under_item_3():
    result = assess(Answers(about_to_be_acquired=True))
    assert result.reportable
    assert result.unlawful_purpose
    assert "取得しようとしている" in result.grounds[0].text


@pytest.mark.parametrize(("people", "reportable"), [(1000, False), (1001, True)])
def test_more_than_1000_people(people, reportable):
    assert assess(Answers(people=people)).reportable is reportable


def test_high_level_encryption_excludes_every_item():
    answers = Answers(
        sensitive_data=True, financial_loss=True, unlawful_purpose=True, people=5000, high_level_encryption=True
    )
    result = assess(answers)
    assert not result.reportable
    assert result.excluded_by_encryption
    assert not result.unlawful_purpose
    assert "高度な暗号化" in result.conclusion


def test_encryption_alone_is_not_an_exclusion_of_anything():
    result = assess(Answers(high_level_encryption=True, people=3))
    assert not result.reportable
    assert not result.excluded_by_encryption


@pytest.mark.parametrize(("people", "reportable"), [(100, False), (101, True)])
def test_my_number_threshold_is_100_people(people, reportable):
    result = assess(Answers(is_my_number=True, people=people))
    assert result.reportable is reportable
    if reportable:
        assert {g.code for g in result.grounds} == {"mn_4"}


def test_the_my_number_threshold_does_not_apply_to_other_incidents():
    assert not assess(Answers(is_my_number=False, people=500)).reportable


@pytest.mark.parametrize(
    ("flag", "code"),
    [("my_number_network", "mn_1"), ("my_number_unlawful", "mn_2"), ("my_number_public_view", "mn_3")],
)
def test_my_number_situations(flag, code):
    assert codes(Answers(is_my_number=True, **{flag: True})) == {code}
    # The My Number questions mean nothing for an incident without My Numbers.
    assert codes(Answers(is_my_number=False, **{flag: True})) == set()


def test_my_number_unlawful_purpose_takes_sixty_days():
    assert assess(Answers(is_my_number=True, my_number_unlawful=True)).unlawful_purpose
    assert not assess(Answers(is_my_number=True, my_number_public_view=True)).unlawful_purpose


def test_answers_round_trip_through_a_dict():
    answers = Answers(sensitive_data=True, people=12, is_my_number=True, my_number_network=True)
    assert Answers.from_dict({**answers.as_dict(), "unknown": 1}) == answers
    assert Answers.from_dict({"people": ""}).people == 0

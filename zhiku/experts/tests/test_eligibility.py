"""The art. 6 check with fixed dates, and age properties across birthdays (29 February included)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhiku.experts.choices import SpecialCategory, TitleLevel
from zhiku.experts.eligibility import (
    EligibilityRules,
    Outcome,
    Period,
    Profile,
    _add_months,
    age_on,
    birthday_in,
    check,
    months_in_field,
    rules_on,
)

RULES = EligibilityRules(
    age_limit=65,
    min_years_in_field=5,
    exception_categories=frozenset(SpecialCategory.values),
)
ON = date(2026, 6, 15)
SIX_YEARS = (Period(date(2020, 6, 15), None),)


def professor(**kwargs: object) -> Profile:
    base: dict[str, object] = {
        "birth_date": date(1968, 3, 10),
        "title_level": TitleLevel.SENIOR,
        "employment": SIX_YEARS,
    }
    base.update(kwargs)
    return Profile(**base)  # type: ignore[arg-type]


def test_ordinary_professor_aged_66_fails_on_age() -> None:
    result = check(professor(birth_date=date(1960, 6, 14)), on=ON, rules=RULES)
    assert result.age == 66
    assert result.condition("5").outcome == Outcome.FAIL
    assert "66 周岁" in result.condition("5").reason
    assert result.machine_outcome == Outcome.FAIL


def test_professor_who_turns_66_tomorrow_passes_on_age() -> None:
    result = check(professor(birth_date=date(1960, 6, 16)), on=ON, rules=RULES)
    assert result.age == 65
    assert result.condition("5").outcome == Outcome.PASS
    assert result.machine_outcome == Outcome.PASS


def test_academician_of_68_with_retirement_age_70_passes() -> None:
    profile = professor(
        birth_date=date(1958, 1, 1),
        special_categories=frozenset({SpecialCategory.ACADEMICIAN}),
        statutory_retirement_age=70,
    )
    result = check(profile, on=ON, rules=RULES)
    assert result.age == 68
    assert result.condition("5").outcome == Outcome.PASS
    assert "法定退休年龄 70 周岁" in result.condition("5").reason


def test_doctoral_supervisor_of_64_with_retirement_age_60_passes() -> None:
    profile = professor(
        birth_date=date(1962, 1, 1),
        special_categories=frozenset({SpecialCategory.DOCTORAL_SUPERVISOR}),
        statutory_retirement_age=60,
    )
    result = check(profile, on=ON, rules=RULES)
    assert result.age == 64
    assert result.condition("5").outcome == Outcome.PASS


def test_exception_never_lowers_the_limit() -> None:
    profile = professor(
        birth_date=date(1961, 1, 1),
        special_categories=frozenset({SpecialCategory.DOCTORAL_SUPERVISOR}),
        statutory_retirement_age=60,
    )
    assert check(profile, on=ON, rules=RULES).condition("5").outcome == Outcome.PASS  # 65


def test_academician_above_their_retirement_age_fails() -> None:
    profile = professor(
        birth_date=date(1955, 1, 1),
        special_categories=frozenset({SpecialCategory.ACADEMICIAN}),
        statutory_retirement_age=70,
    )
    assert check(profile, on=ON, rules=RULES).condition("5").outcome == Outcome.FAIL  # 71


def test_special_category_over_65_without_retirement_age_needs_a_reviewer() -> None:
    profile = professor(
        birth_date=date(1958, 1, 1),
        special_categories=frozenset({SpecialCategory.STATE_COUNCIL_ALLOWANCE}),
    )
    result = check(profile, on=ON, rules=RULES)
    assert result.condition("5").outcome == Outcome.REVIEW
    assert "法定退休年龄" in result.condition("5").reason


def test_category_not_in_the_parameter_gets_no_exception() -> None:
    rules = EligibilityRules(exception_categories=frozenset({SpecialCategory.ACADEMICIAN}))
    profile = professor(
        birth_date=date(1958, 1, 1),
        special_categories=frozenset({SpecialCategory.PROVINCIAL_ALLOWANCE}),
        statutory_retirement_age=70,
    )
    assert check(profile, on=ON, rules=rules).condition("5").outcome == Outcome.FAIL


def test_reviewer_override_turns_an_age_failure_into_a_pass_with_the_reason() -> None:
    profile = professor(birth_date=date(1959, 1, 1), age_override_reason="评审急需，理事会同意")
    condition = check(profile, on=ON, rules=RULES).condition("5")
    assert condition.outcome == Outcome.PASS
    assert condition.overridden
    assert "评审急需" in condition.reason


def test_associate_senior_engineer_with_4_years_11_months_fails_on_years() -> None:
    profile = professor(
        title_level=TitleLevel.ASSOCIATE_SENIOR, employment=(Period(date(2021, 7, 15), None),)
    )
    result = check(profile, on=ON, rules=RULES)
    assert result.months_in_field == 59
    assert result.condition("1").outcome == Outcome.FAIL
    assert "4 年 11 个月" in result.condition("1").reason


def test_associate_senior_engineer_with_exactly_5_years_passes() -> None:
    profile = professor(
        title_level=TitleLevel.ASSOCIATE_SENIOR, employment=(Period(date(2021, 6, 15), None),)
    )
    result = check(profile, on=ON, rules=RULES)
    assert result.months_in_field == 60
    assert result.condition("1").outcome == Outcome.PASS


def test_senior_manager_without_title_and_6_years_passes() -> None:
    profile = professor(title_level=TitleLevel.NONE, senior_manager=True)
    assert check(profile, on=ON, rules=RULES).condition("1").outcome == Outcome.PASS


def test_senior_certificate_alone_qualifies() -> None:
    profile = professor(title_level=TitleLevel.INTERMEDIATE, senior_certificates="高级质量工程师")
    assert check(profile, on=ON, rules=RULES).condition("1").outcome == Outcome.PASS


def test_intermediate_title_without_other_ground_fails() -> None:
    profile = professor(title_level=TitleLevel.INTERMEDIATE)
    condition = check(profile, on=ON, rules=RULES).condition("1")
    assert condition.outcome == Outcome.FAIL
    assert "副高级" in condition.reason


def test_years_add_up_across_jobs_and_overlaps_count_once() -> None:
    periods = (
        Period(date(2010, 1, 1), date(2013, 1, 1)),  # 36 months
        Period(date(2012, 1, 1), date(2013, 1, 1)),  # inside the first
        Period(date(2015, 1, 1), date(2016, 1, 1)),  # 12 months
        Period(date(2016, 1, 1), date(2017, 1, 1), in_field=False),
        Period(date(2024, 6, 15), None),  # 24 months to ON
    )
    assert months_in_field(periods, ON) == 72


def test_work_after_the_check_date_does_not_count() -> None:
    assert months_in_field((Period(date(2027, 1, 1), None),), ON) == 0


def test_declared_conditions_pass_when_declared_and_need_a_reviewer_otherwise() -> None:
    declared = check(professor(ethics_declared=True, health_declared=True), on=ON, rules=RULES)
    assert declared.condition("2").outcome == Outcome.PASS
    assert declared.condition("4").outcome == Outcome.PASS
    undeclared = check(professor(), on=ON, rules=RULES)
    assert undeclared.condition("2").outcome == Outcome.REVIEW


def test_standing_in_the_field_is_always_for_the_reviewer() -> None:
    result = check(professor(ethics_declared=True, health_declared=True), on=ON, rules=RULES)
    assert result.condition("3").outcome == Outcome.REVIEW
    assert result.machine_outcome == Outcome.PASS
    assert result.outcome == Outcome.REVIEW


def test_limits_come_from_the_rules() -> None:
    rules = EligibilityRules(age_limit=60, min_years_in_field=8)
    result = check(professor(birth_date=date(1963, 1, 1)), on=ON, rules=rules)
    assert result.condition("5").outcome == Outcome.FAIL  # 63 > 60
    assert result.condition("1").outcome == Outcome.FAIL  # 6 years < 8


@pytest.mark.django_db
def test_rules_on_reads_the_parameter_defaults() -> None:
    assert rules_on(ON) == RULES


# --- ages in full years (周岁) -------------------------------------------------------------


def test_leap_day_birthday_is_1_march_in_a_common_year() -> None:
    born = date(2000, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 25
    assert age_on(born, date(2026, 3, 1)) == 26
    assert age_on(born, date(2028, 2, 28)) == 27
    assert age_on(born, date(2028, 2, 29)) == 28


def test_age_grows_on_the_birthday_itself() -> None:
    assert age_on(date(1960, 6, 15), date(2026, 6, 14)) == 65
    assert age_on(date(1960, 6, 15), date(2026, 6, 15)) == 66


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@given(births, days)
def test_age_never_decreases_from_one_day_to_the_next(born: date, on: date) -> None:
    if on < born:
        return
    assert age_on(born, on + timedelta(days=1)) - age_on(born, on) in (0, 1)


def oracle_age(born: date, on: date) -> int:
    """Full years by counting the birthdays passed, written apart from the code under test:
    a 29 February birthday is kept on 1 March in a common year (Chinese civil practice)."""
    passed = 0
    for year in range(born.year + 1, on.year + 1):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        month, day = (
            (3, 1) if (born.month, born.day) == (2, 29) and not leap else (born.month, born.day)
        )
        if (on.month, on.day) >= (month, day) or year < on.year:
            passed += 1
    return passed


@given(births, days)
def test_age_agrees_with_counting_birthdays(born: date, on: date) -> None:
    if on < born:
        return
    assert age_on(born, on) == oracle_age(born, on)


@given(births, st.integers(min_value=0, max_value=90))
def test_age_is_n_exactly_from_the_nth_birthday(born: date, n: int) -> None:
    birthday = birthday_in(born, born.year + n)
    assert age_on(born, birthday) == n
    if n > 0:
        assert age_on(born, birthday - timedelta(days=1)) == n - 1


@given(st.integers(min_value=1901, max_value=2000), st.integers(min_value=0, max_value=99))
def test_leap_day_births_age_on_1_march_in_common_years(year: int, n: int) -> None:
    leap_year = year - year % 4
    if not (leap_year % 4 == 0 and (leap_year % 100 != 0 or leap_year % 400 == 0)):
        return
    born = date(leap_year, 2, 29)
    target = leap_year + n
    is_leap = target % 4 == 0 and (target % 100 != 0 or target % 400 == 0)
    if n == 0:
        return
    expected_birthday = date(target, 2, 29) if is_leap else date(target, 3, 1)
    assert age_on(born, expected_birthday) == n
    assert age_on(born, expected_birthday - timedelta(days=1)) == n - 1


@given(births, days)
def test_age_check_agrees_with_the_age(born: date, on: date) -> None:
    if on < born:
        return
    result = check(professor(birth_date=born), on=on, rules=RULES)
    assert (result.condition("5").outcome == Outcome.PASS) == (oracle_age(born, on) <= 65)


@given(
    st.dates(min_value=date(1960, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(min_value=0, max_value=480),
)
def test_one_period_of_n_calendar_months_counts_n_months(start: date, n: int) -> None:
    end = _add_months(start, n)
    assert months_in_field((Period(start, end),), date(2100, 1, 1)) == n
    assert months_in_field((Period(start, None),), end) == n


@given(
    st.dates(min_value=date(1960, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(min_value=0, max_value=480),
)
def test_n_months_written_out_by_hand_count_n_months(start: date, n: int) -> None:
    # The same day of the month n months later, computed here, not by the code under test.
    start = start.replace(day=min(start.day, 28))
    year, month = divmod(start.year * 12 + start.month - 1 + n, 12)
    end = date(year, month + 1, start.day)
    assert months_in_field((Period(start, end),), date(2100, 1, 1)) == n


def test_leftover_days_of_all_jobs_add_up_to_a_month_at_thirty() -> None:
    # Two jobs of 15 days each, years apart: 30 leftover days are one month; 29 are none.
    thirty = (
        Period(date(2010, 3, 1), date(2010, 3, 16)),
        Period(date(2012, 7, 1), date(2012, 7, 16)),
    )
    twenty_nine = (
        Period(date(2010, 3, 1), date(2010, 3, 16)),
        Period(date(2012, 7, 1), date(2012, 7, 15)),
    )
    assert months_in_field(thirty, ON) == 1
    assert months_in_field(twenty_nine, ON) == 0


def test_fifty_nine_months_and_thirty_leftover_days_make_five_years() -> None:
    stretches = (
        Period(date(2016, 1, 1), date(2020, 12, 1)),  # 59 months
        Period(date(2021, 3, 1), date(2021, 3, 16)),  # 15 days
        Period(date(2022, 5, 1), date(2022, 5, 16)),  # 15 days
    )
    result = check(professor(employment=stretches), on=ON, rules=RULES)
    assert result.months_in_field == 60
    assert result.condition("1").outcome == Outcome.PASS

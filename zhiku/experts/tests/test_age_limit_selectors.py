"""The age-limit reads the staff dashboard runs on every visit (over the limit now, reaching it
within 90 days) give the same experts as the art. 6(5) rules applied one expert at a time, and
their cost does not grow with the number of experts over the limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from zhiku.exits.choices import CaseStatus, Ground, Source
from zhiku.exits.models import ExitCase
from zhiku.exits.selectors import (
    AGE_LIMIT_HORIZON,
    nearing_age_limit,
    nearing_age_limit_summary,
)
from zhiku.experts import eligibility
from zhiku.experts.choices import SpecialCategory, Status
from zhiku.experts.models import Expert
from zhiku.experts.selectors import (
    expert_search,
    over_age_experts,
    over_age_summary,
)
from zhiku.experts.tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

ACADEMICIAN = [SpecialCategory.ACADEMICIAN]

# Days the reads are checked on: an ordinary day, a 29 February, a 28 February of a common year
# (those born on 29 February turn a year older on 1 March then), a 1 March, and the day before
# two experts born on 29 February and 1 March 1960 both turn 66.
DAYS = [
    dt.date(2026, 11, 28),
    dt.date(2028, 2, 29),
    dt.date(2027, 2, 28),
    dt.date(2027, 3, 1),
    dt.date(2026, 2, 28),
]


def reference(today: dt.date) -> list[tuple[Expert, dt.date]]:
    """Every expert of the pool put through the rules one by one (what the reads did before)."""
    rules = eligibility.rules_on(today)
    out = []
    for expert in Expert.objects.filter(status__in=(Status.ACTIVE, Status.SUSPENDED)):
        profile = expert.eligibility_profile()
        if profile.age_override_reason.strip():
            continue
        out.append((expert, eligibility.over_age_since(profile, rules)))
    return out


def names(pairs: list[tuple[Expert, dt.date]]) -> list[tuple[str, dt.date]]:
    return [(expert.name, since) for expert, since in pairs]


@pytest.fixture
def pool(db: Any) -> dict[str, Expert]:
    rows: list[tuple[str, dt.date, dict[str, Any]]] = [
        # Over 65 from 1 March 2026 like 闰日生 below, and first by number.
        ("一九六〇年三月一日生", dt.date(1960, 3, 1), {}),
        ("六十岁", dt.date(1966, 6, 1), {}),
        ("早已超龄", dt.date(1950, 1, 15), {}),
        ("暂停且超龄", dt.date(1955, 7, 7), {"status": Status.SUSPENDED}),
        ("已出库且超龄", dt.date(1950, 3, 3), {"status": Status.EXITED}),
        ("闰日生", dt.date(1960, 2, 29), {}),
        ("闰日前一天生", dt.date(1960, 2, 28), {}),
        ("三月一日生", dt.date(1961, 3, 1), {}),
        ("年底生日", dt.date(1960, 12, 20), {}),
        ("一月生日", dt.date(1961, 1, 20), {}),
        (
            "院士未满七十",
            dt.date(1958, 4, 4),
            {"special_categories": ACADEMICIAN, "statutory_retirement_age": 70},
        ),
        (
            "院士已过七十",
            dt.date(1954, 4, 4),
            {"special_categories": ACADEMICIAN, "statutory_retirement_age": 70},
        ),
        (
            "院士将满七十",
            dt.date(1956, 12, 30),
            {"special_categories": ACADEMICIAN, "statutory_retirement_age": 70},
        ),
        ("填了退休年龄无类别", dt.date(1958, 4, 4), {"statutory_retirement_age": 70}),
        ("有类别未填退休年龄", dt.date(1958, 4, 4), {"special_categories": ACADEMICIAN}),
        (
            "退休年龄低于上限",
            dt.date(1958, 4, 4),
            {"special_categories": ACADEMICIAN, "statutory_retirement_age": 60},
        ),
        ("审核人记录例外", dt.date(1950, 5, 5), {"age_override_reason": "经理事会审议保留"}),
        ("例外理由全是空白", dt.date(1950, 5, 6), {"age_override_reason": "   "}),
        ("临近上限已立案", dt.date(1960, 12, 21), {}),
    ]
    made: dict[str, Any] = {
        name: ExpertFactory(name=name, birth_date=born, **extra) for name, born, extra in rows
    }
    ExitCase.objects.create(
        expert=made["临近上限已立案"],
        ground=Ground.OVER_AGE,
        facts="系统发现将达年龄上限",
        source=Source.SYSTEM,
        status=CaseStatus.RAISED,
        raised_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    return made


@pytest.mark.parametrize("today", DAYS)
def test_the_experts_over_their_limit_are_those_the_rules_find_one_by_one(
    pool: dict[str, Expert], today: dt.date
) -> None:
    expected = sorted(
        ((e, since) for e, since in reference(today) if since <= today),
        key=lambda pair: (pair[0].birth_date, pair[0].pk),
    )
    assert names(over_age_experts(today)) == names(expected)

    count, oldest = over_age_summary(today)
    assert count == len(expected)
    assert oldest == min(since for _e, since in expected)

    listed = expert_search(today=today, eligibility="over_age")
    assert sorted(e.name for e in listed) == sorted(e.name for e, _since in expected)


def test_who_is_over_and_who_is_not_on_an_ordinary_day(pool: dict[str, Expert]) -> None:
    over = {expert.name: since for expert, since in over_age_experts(dt.date(2026, 11, 28))}

    assert over["早已超龄"] == dt.date(2016, 1, 15)  # 66 on 15 January 2016
    assert over["暂停且超龄"] == dt.date(2021, 7, 7)
    assert over["院士已过七十"] == dt.date(2025, 4, 4)  # his limit is 70
    assert over["填了退休年龄无类别"] == dt.date(2024, 4, 4)  # no category: 65 applies
    assert over["有类别未填退休年龄"] == dt.date(2024, 4, 4)  # a reviewer must look
    assert over["退休年龄低于上限"] == dt.date(2024, 4, 4)  # an exception never lowers it
    assert over["例外理由全是空白"] == dt.date(2016, 5, 6)  # blank is no reason
    for kept in ("六十岁", "已出库且超龄", "院士未满七十", "院士将满七十", "审核人记录例外"):
        assert kept not in over


@pytest.mark.parametrize("today", DAYS)
def test_the_experts_nearing_their_limit_are_those_the_rules_find_one_by_one(
    pool: dict[str, Expert], today: dt.date
) -> None:
    until = today + AGE_LIMIT_HORIZON
    expected = sorted(
        (
            (e, since)
            for e, since in reference(today)
            if today < since <= until and e.name != "临近上限已立案"
        ),
        key=lambda pair: (pair[1], pair[0].pk),
    )

    assert names(nearing_age_limit(today)) == names(expected)
    count, first = nearing_age_limit_summary(today)
    assert count == len(expected)
    assert names([first] if first else []) == names(expected[:1])


def test_who_nears_the_limit_in_the_next_90_days(pool: dict[str, Expert]) -> None:
    nearing = names(nearing_age_limit(dt.date(2026, 11, 28)))

    # 年底生日 turns 66 on 20 December 2026, 一月生日 on 20 January 2027; the academician turns
    # 71 on 30 December 2027, outside the 90 days; the one with a case open is left out.
    assert nearing == [("年底生日", dt.date(2026, 12, 20)), ("一月生日", dt.date(2027, 1, 20))]


def test_the_dashboard_counts_over_age_experts_in_a_fixed_number_of_queries(
    pool: dict[str, Expert], django_assert_max_num_queries: Any
) -> None:
    # Many more over the general limit must not mean more queries: they are counted in SQL.
    for n in range(30):
        ExpertFactory(birth_date=dt.date(1940, 1, 1) + dt.timedelta(days=n))
    with django_assert_max_num_queries(6):
        count, _oldest = over_age_summary(dt.date(2026, 11, 28))
    assert count == 10 + 30

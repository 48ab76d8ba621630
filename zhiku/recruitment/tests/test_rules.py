"""Recruitment's pure rules: when a call is open, how a council round decides, which documents."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhiku.recruitment import rules

SH = rules.SHANGHAI


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SH)


def phase(now: dt.datetime, published: bool = True) -> str:
    return rules.call_phase(
        published=published, opens_on=dt.date(2026, 9, 1), closes_on=dt.date(2026, 9, 30), now=now
    )


def test_a_call_closes_at_midnight_shanghai_at_the_end_of_its_close_date() -> None:
    assert rules.call_deadline(dt.date(2026, 9, 30)) == at(2026, 10, 1, 0, 0)
    assert phase(at(2026, 9, 30, 23, 59, 59)) == rules.OPEN
    assert phase(at(2026, 10, 1, 0, 0, 0)) == rules.CLOSED
    # 23:30 in Shanghai on the close date is 15:30 UTC: still open, whatever the server's zone.
    assert phase(dt.datetime(2026, 9, 30, 15, 30, tzinfo=dt.UTC)) == rules.OPEN
    assert phase(dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.UTC)) == rules.CLOSED


def test_a_call_opens_at_midnight_of_its_open_date_and_a_draft_is_never_open() -> None:
    assert phase(at(2026, 8, 31, 23, 59)) == rules.UPCOMING
    assert phase(at(2026, 9, 1, 0, 0)) == rules.OPEN
    assert phase(at(2026, 9, 15, 12, 0), published=False) == rules.DRAFT


@pytest.mark.parametrize(
    ("members", "quorum"), [(1, 1), (2, 2), (3, 2), (4, 3), (6, 4), (7, 5), (9, 6), (10, 7)]
)
def test_the_default_quorum_is_two_thirds_of_the_members_rounded_up(
    members: int, quorum: int
) -> None:
    assert rules.RoundRule().quorum(members) == quorum


def test_two_of_three_members_are_a_quorum_one_is_not() -> None:
    rule = rules.RoundRule()
    assert rule.quorum_met(members=3, taking_part=2)
    assert not rule.quorum_met(members=3, taking_part=1)
    assert not rule.quorum_met(members=0, taking_part=0)


def test_more_than_half_of_the_votes_cast_must_agree_abstentions_count_as_cast() -> None:
    rule = rules.RoundRule()
    assert rule.passes(agree=2, votes=3)
    assert not rule.passes(agree=1, votes=2)  # exactly half is not more than half
    assert not rule.passes(agree=1, votes=3)  # 1 agree, 2 abstain
    assert not rule.passes(agree=0, votes=0)


def test_a_round_without_quorum_passes_nobody_even_with_unanimous_votes() -> None:
    result = rules.round_result(
        rules.RoundRule(), members=6, voters=3, tallies={1: rules.Tally(agree=3)}
    )
    assert result == rules.RoundResult(False, frozenset())
    result = rules.round_result(
        rules.RoundRule(),
        members=3,
        voters=2,
        tallies={1: rules.Tally(agree=2), 2: rules.Tally(agree=1, disagree=1)},
    )
    assert result == rules.RoundResult(True, frozenset({1}))


@given(
    members=st.integers(min_value=1, max_value=60),
    n=st.integers(min_value=1, max_value=5),
    d=st.integers(min_value=1, max_value=5),
)
def test_the_quorum_is_the_fewest_members_reaching_the_fraction(
    members: int, n: int, d: int
) -> None:
    rule = rules.RoundRule(quorum_numerator=n, quorum_denominator=d)
    q = rule.quorum(members)
    # Independent oracle: q members reach n/d of the members, q - 1 do not.
    assert q * d >= members * n
    assert (q - 1) * d < members * n


def test_proofs_are_asked_for_only_what_the_applicant_claims() -> None:
    call = [
        "application_form",
        "identity",
        "title",
        "education",
        "cv",
        "achievements",
        "manager_appointment",
        "senior_certificate",
        "service_years",
    ]
    assert rules.required_documents(
        call, senior_manager=False, has_senior_certificates=False, has_title=True
    ) == [
        "application_form",
        "identity",
        "title",
        "education",
        "cv",
        "achievements",
        "service_years",
    ]
    assert rules.required_documents(
        call, senior_manager=True, has_senior_certificates=True, has_title=False
    ) == [
        "application_form",
        "identity",
        "education",
        "cv",
        "achievements",
        "manager_appointment",
        "senior_certificate",
        "service_years",
    ]

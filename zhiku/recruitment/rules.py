"""Recruitment's rules as pure functions: no clock, no database, no settings.

The caller passes ``now`` or ``today`` and the values in force, so tests never wait and a
decision can be recomputed later exactly as it was taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Call phases.
DRAFT, UPCOMING, OPEN, CLOSED = "draft", "upcoming", "open", "closed"


def call_deadline(closes_on: dt.date) -> dt.datetime:
    """Return the moment a call closes: 24:00 Asia/Shanghai of its close date."""
    return dt.datetime.combine(closes_on + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)


def call_opening(opens_on: dt.date) -> dt.datetime:
    """Return the moment a call opens: 00:00 Asia/Shanghai of its open date."""
    return dt.datetime.combine(opens_on, dt.time.min, tzinfo=SHANGHAI)


def call_phase(*, published: bool, opens_on: dt.date, closes_on: dt.date, now: dt.datetime) -> str:
    """Return where a call stands at ``now``: draft, upcoming, open or closed."""
    if not published:
        return DRAFT
    if now < call_opening(opens_on):
        return UPCOMING
    if now < call_deadline(closes_on):
        return OPEN
    return CLOSED


def votes_deadline(votes_close_on: dt.date) -> dt.datetime:
    """Return the moment a round's online voting ends: 24:00 Asia/Shanghai of its last day."""
    return call_deadline(votes_close_on)


# Notice phases (a notice is never a draft: publishing it is what creates it).
RUNNING, ENDED = "running", "ended"


def notice_deadline(ends_on: dt.date) -> dt.datetime:
    """Return the moment a notice ends: 24:00 Asia/Shanghai of its last day."""
    return call_deadline(ends_on)


def notice_phase(*, published_on: dt.date, ends_on: dt.date, now: dt.datetime) -> str:
    """Return where a notice stands at ``now``: upcoming, running or ended.

    It runs from 00:00 of its publication day (the day itself is not counted in the period, but
    an objection made on it is made during the notice) until 24:00 of ``ends_on``.
    """
    if now < call_opening(published_on):
        return UPCOMING
    if now < notice_deadline(ends_on):
        return RUNNING
    return ENDED


def objections_open(*, published_on: dt.date, ends_on: dt.date, now: dt.datetime) -> bool:
    """Return whether an objection lodged at ``now`` is within the notice."""
    return notice_phase(published_on=published_on, ends_on=ends_on, now=now) == RUNNING


# How near a deadline is.
ON_TIME, DUE_SOON, DUE_TODAY, OVERDUE = "on_time", "due_soon", "due_today", "overdue"
SOON_WORKDAYS = 3


def due_state(*, due_on: dt.date, today: dt.date, workdays_left: int) -> str:
    """Return how near ``due_on`` is: overdue after the day, due today, due soon within
    ``SOON_WORKDAYS`` working days (``workdays_left`` counts those after today up to the day)."""
    if today > due_on:
        return OVERDUE
    if today == due_on:
        return DUE_TODAY
    if workdays_left <= SOON_WORKDAYS:
        return DUE_SOON
    return ON_TIME


@dataclass(frozen=True)
class RoundRule:
    """How a council round decides: quorum as a fraction of members, majority of votes cast."""

    quorum_numerator: int = 2
    quorum_denominator: int = 3
    majority_percent: int = 50

    def quorum(self, members: int) -> int:
        """Return the fewest members who must take part: ceil(members × n / d)."""
        return -(-members * self.quorum_numerator // self.quorum_denominator)

    def quorum_met(self, *, members: int, taking_part: int) -> bool:
        return members > 0 and taking_part >= self.quorum(members)

    def passes(self, *, agree: int, votes: int) -> bool:
        """Return whether ``agree`` of ``votes`` cast is more than ``majority_percent`` of them.

        Abstentions are votes cast: they count in ``votes`` and not toward ``agree``.
        """
        return votes > 0 and agree * 100 > votes * self.majority_percent


@dataclass(frozen=True)
class Tally:
    agree: int = 0
    disagree: int = 0
    abstain: int = 0

    @property
    def votes(self) -> int:
        return self.agree + self.disagree + self.abstain


@dataclass(frozen=True)
class RoundResult:
    quorum_met: bool
    passed: frozenset[int]  # item ids that pass


def round_result(
    rule: RoundRule, *, members: int, voters: int, tallies: Mapping[int, Tally]
) -> RoundResult:
    """Decide a round: nobody passes without quorum; otherwise each item by its majority."""
    if not rule.quorum_met(members=members, taking_part=voters):
        return RoundResult(False, frozenset())
    return RoundResult(
        True,
        frozenset(item for item, t in tallies.items() if rule.passes(agree=t.agree, votes=t.votes)),
    )


def required_documents(
    call_required: Iterable[str],
    *,
    senior_manager: bool,
    has_senior_certificates: bool,
    has_title: bool,
) -> list[str]:
    """Return the documents one application must carry, in the call's order.

    A proof applies only to what the applicant claims: the senior-manager appointment when they
    say they are one, the certificate when they list one, the title proof when they hold a title.
    """
    applies = {
        "manager_appointment": senior_manager,
        "senior_certificate": has_senior_certificates,
        "title": has_title,
    }
    return [kind for kind in call_required if applies.get(kind, True)]

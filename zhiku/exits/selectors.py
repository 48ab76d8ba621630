"""Reads of exit cases: the staff's queues by step, an expert's cases, the re-application bar,
the experts nearing their age limit, and what the system finds (over age, absences)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from zhiku.activities.choices import AttendanceStatus
from zhiku.activities.models import Attendance
from zhiku.core.parameters import parameter_value
from zhiku.core.workdays import CalendarNotConfigured, WorkdayCalendar
from zhiku.exits.choices import OPEN_STATUSES, CaseStatus, Ground
from zhiku.exits.models import ExitCase
from zhiku.experts import eligibility
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert
from zhiku.experts.selectors import (
    age_limit_special,
    age_limit_split,
    latest_birth_date_aged,
    over_age_experts,
)

IN_POOL = (Status.ACTIVE, Status.SUSPENDED)
# The dashboard looks this far ahead for experts reaching their age limit.
AGE_LIMIT_HORIZON = dt.timedelta(days=90)


def cases_for_staff(*, status: str = "", ground: str = "", open_only: bool = False) -> Any:
    qs = ExitCase.objects.select_related("expert", "raised_by").order_by("raised_at", "pk")
    if status:
        qs = qs.filter(status=status)
    elif open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if ground:
        qs = qs.filter(ground=ground)
    return qs


def open_case_of(expert: Expert) -> ExitCase | None:
    return ExitCase.objects.filter(expert=expert, status__in=OPEN_STATUSES).first()


def cases_for_expert(expert: Expert) -> QuerySet[ExitCase]:
    """The cases ``expert`` sees in the expert area, newest first: their own requests (made
    online or by letter), and any other once they have been told of it in writing (art. 9(2));
    a case still being verified, or dropped before any notice, is staff's business until then."""
    return (
        ExitCase.objects.filter(expert=expert)
        .filter(Q(ground=Ground.REQUEST) | Q(notice_file__isnull=False))
        .select_related("announcement", "notice_file")
    )


def step_since(case: ExitCase) -> dt.date:
    """The day a case reached the step it is waiting in (its last change)."""
    last = case.changes.aggregate(at=Max("at"))["at"] or case.raised_at
    return timezone.localdate(last)


def workdays_waited(since: dt.date, today: dt.date, calendar: WorkdayCalendar) -> int | None:
    """Working days from ``since`` to ``today`` (None when a year's calendar is not entered)."""
    try:
        return calendar.count_workdays(since, today)
    except CalendarNotConfigured:
        return None


@dataclass(frozen=True)
class Waiting:
    """The open cases waiting in one step, and the day the oldest of them arrived there."""

    status: str
    count: int
    oldest: dt.date | None

    @property
    def label(self) -> str:
        return str(CaseStatus(self.status).label)


def waiting_by_step() -> list[Waiting]:
    """Each open step with its cases: how many, and since when the oldest has waited."""
    return [waiting_at(status) for status in OPEN_STATUSES]


def waiting_at(status: str) -> Waiting:
    """The cases waiting at one step: how many, and since when the oldest has waited."""
    cases = list(
        ExitCase.objects.filter(status=status).annotate(last=Max("changes__at")).only("pk")
    )
    oldest = min((timezone.localdate(c.last) for c in cases if c.last), default=None)
    return Waiting(status, len(cases), oldest)


def notified_cases() -> QuerySet[ExitCase]:
    """Cases whose expert has been told in writing: ready to be announced."""
    return (
        ExitCase.objects.filter(status=CaseStatus.NOTIFIED)
        .select_related("expert")
        .order_by("notified_on", "pk")
    )


def reapplication_barred_until(
    *, expert: Expert | None = None, id_number_hash: str = "", on: dt.date
) -> ExitCase | None:
    """The exit case barring a new application on ``on`` by this expert (or the holder of this
    identity number), the one whose bar ends last; None when nothing bars it."""
    who = Q()
    if expert is not None:
        who |= Q(expert=expert)
    if id_number_hash:
        who |= Q(expert__id_number_hash=id_number_hash)
    if not who:
        return None
    return (
        ExitCase.objects.filter(
            who, status=CaseStatus.EXITED, bars_reapplication=True, barred_until__gte=on
        )
        .order_by("-barred_until", "-pk")
        .first()
    )


# --- what the system finds -------------------------------------------------------------------


@dataclass(frozen=True)
class OverAge:
    expert: Expert
    since: dt.date  # the first day over the limit that applies to them
    limit: int
    reason: str  # the art. 6(5) check's own words


def over_age_failing(today: dt.date) -> list[OverAge]:
    """Experts of the pool who fail art. 6(5) on ``today`` under the rules then in force: over
    the general limit, or over the statutory retirement age of the exception categories. One
    whose exception cannot be told (no retirement age recorded) needs a reviewer, not a case;
    one with a reviewer's age override passes."""
    rules = eligibility.rules_on(today)
    experts = over_age_experts(today)
    prefetch_related_objects([expert for expert, _since in experts], "employments")
    out = []
    for expert, since in experts:
        profile = expert.eligibility_profile()
        condition = eligibility.check(profile, on=today, rules=rules).conditions[4]
        if condition.outcome != eligibility.Outcome.FAIL:
            continue
        limit = eligibility.age_limit_of(profile, rules)
        out.append(OverAge(expert, since, limit, condition.reason))
    return out


def _nearing(today: dt.date) -> tuple[QuerySet[Expert], list[tuple[Expert, dt.date]], int]:
    """The experts `nearing_age_limit` returns, in two parts: those the general limit applies
    to (a query; the limit is returned with it) and the few checked in Python with their day."""
    limit = eligibility.rules_on(today).age_limit
    until = today + AGE_LIMIT_HORIZON
    # Nobody younger than the general limit on ``until`` can be over any limit by then.
    plain, special = age_limit_split(latest_birth_date_aged(limit + 1, until), today)
    # The general limit: over it by ``until`` but not yet today, read in SQL.
    plain = plain.filter(birth_date__gt=latest_birth_date_aged(limit + 1, today)).exclude(
        exit_cases__status__in=OPEN_STATUSES
    )
    checked = [
        (expert, since)
        for expert, since in age_limit_special(
            special.exclude(exit_cases__status__in=OPEN_STATUSES), today
        )
        if today < since <= until
    ]
    return plain, checked, limit


def nearing_age_limit(today: dt.date) -> list[tuple[Expert, dt.date]]:
    """Experts of the pool who reach their age limit after ``today`` and within 90 days, with
    the first day they will be over it, soonest first (no override, no case already open)."""
    plain, checked, limit = _nearing(today)
    out = [
        (expert, eligibility.over_limit_from(expert.birth_date, limit)) for expert in plain
    ] + checked
    return sorted(out, key=lambda pair: (pair[1], pair[0].pk))


def nearing_age_limit_summary(today: dt.date) -> tuple[int, tuple[Expert, dt.date] | None]:
    """How many experts `nearing_age_limit` returns and its first, counted in SQL (the staff
    dashboard asks on every visit)."""
    plain, checked, limit = _nearing(today)
    earliest = plain.order_by("birth_date").values_list("birth_date", flat=True).first()
    first = list(checked)
    if earliest is not None:
        # The day grows with the birth date; only those born on 29 February and 1 March share
        # one (1 March in a common year), so the two first birth dates hold the first expert.
        soonest = plain.filter(birth_date__lte=earliest + dt.timedelta(days=1))
        first += [
            (expert, eligibility.over_limit_from(expert.birth_date, limit)) for expert in soonest
        ]
    ordered = sorted(first, key=lambda pair: (pair[1], pair[0].pk))
    return plain.count() + len(checked), ordered[0] if ordered else None


@dataclass(frozen=True)
class Absence:
    activity_id: int
    title: str
    start: dt.date


def absence_threshold(today: dt.date) -> int:
    return int(parameter_value("absence_exit_threshold", today))


def absences_counted_since(expert: Expert) -> dt.date | None:
    """The first day whose absences still count toward a new case: the day after the last
    absence a decided case on ground 6 (dropped, or ended in an exit before a new admission)
    already weighed; None: all of them count."""
    latest: dt.date | None = None
    for basis in ExitCase.objects.filter(
        expert=expert,
        ground=Ground.ABSENCES,
        status__in=(CaseStatus.DROPPED, CaseStatus.EXITED),
    ).values_list("basis", flat=True):
        for item in (basis or {}).get("absences", []):
            day = dt.date.fromisoformat(item["start"])
            latest = day if latest is None or day > latest else latest
    return None if latest is None else latest + dt.timedelta(days=1)


def unexcused_absences_of(expert: Expert, since: dt.date | None = None) -> list[Absence]:
    """The expert's absences without leave after accepting (art. 8(6)), oldest first."""
    qs = Attendance.objects.filter(expert=expert, status=AttendanceStatus.UNEXCUSED)
    if since is not None:
        qs = qs.filter(activity__start_date__gte=since)
    return [
        Absence(a.activity_id, a.activity.title, a.activity.start_date)
        for a in qs.select_related("activity").order_by("activity__start_date", "pk")
    ]


def absent_too_often(today: dt.date) -> list[tuple[Expert, list[Absence]]]:
    """Experts of the pool with at least the threshold of unexcused absences that no decided
    case has weighed yet (``absence_exit_threshold``, 2 by default)."""
    threshold = absence_threshold(today)
    ids = (
        Attendance.objects.filter(status=AttendanceStatus.UNEXCUSED)
        .values_list("expert_id", flat=True)
        .distinct()
    )
    out = []
    for expert in Expert.objects.filter(pk__in=ids, status__in=IN_POOL).order_by("pk"):
        absences = unexcused_absences_of(expert, absences_counted_since(expert))
        if len(absences) >= threshold:
            out.append((expert, absences))
    return out

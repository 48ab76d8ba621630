"""Reads of the notice and after it: the portal's notices and announcements, the objection queue
with each deadline's state, what waits for admission."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from zhiku.core.workdays import CalendarNotConfigured, WorkdayCalendar
from zhiku.recruitment import rules
from zhiku.recruitment.models import (
    OPEN_OBJECTION_STATUSES,
    Announcement,
    Notice,
    NoticeEntry,
    Objection,
)


def notice_phase(notice: Notice, now: dt.datetime) -> str:
    """Where a notice stands at ``now``, from its dates alone (no job needs to have run)."""
    return rules.notice_phase(published_on=notice.published_on, ends_on=notice.ends_on, now=now)


def public_notices(now: dt.datetime) -> tuple[list[Notice], list[Notice]]:
    """Return the notices running at ``now`` and those that have ended, newest first."""
    notices: list[Notice] = list(
        Notice.objects.annotate(listed=Count("entries")).order_by("-published_on", "-pk")
    )
    current = [n for n in notices if notice_phase(n, now) != rules.ENDED]
    past = [n for n in notices if notice_phase(n, now) == rules.ENDED]
    return current, past


def workdays_left(notice: Notice, today: dt.date) -> int | None:
    """Working days of the notice still to run, today included (None when it has ended, or
    when the calendar of a year it spans is not entered).

    On the publication day, which is not counted, all of them are left; on the last day, one.
    """
    if today > notice.ends_on:
        return None
    calendar = WorkdayCalendar()
    try:
        left = calendar.count_workdays(today, notice.ends_on)
        if today > notice.published_on and calendar.is_workday(today):
            left += 1
    except CalendarNotConfigured:
        return None
    return left


# The versions of the public pages are read at every request, cache hit or not: one bare query
# each (the ORM's compiling would cost more than the query and double the page's time).


def _one_row(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def _version_of(model: type[Notice] | type[Announcement], pk: int) -> str | None:
    table = connection.ops.quote_name(model._meta.db_table)
    row = _one_row(f"SELECT updated_at FROM {table} WHERE id = %s", [pk])  # noqa: S608
    return None if row is None else str(row[0])


def _versions_of(model: type[Notice] | type[Announcement]) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    row = _one_row(f"SELECT COUNT(*), MAX(updated_at) FROM {table}", [])  # noqa: S608
    return f"{row[0]}-{row[1]}" if row else "0"


def notice_version(pk: int) -> str | None:
    """The last change to what the public pages of a notice show (None: no such notice)."""
    return _version_of(Notice, pk)


def notices_version() -> str:
    """How many notices there are and their last change, for the list page."""
    return _versions_of(Notice)


def announcement_version(pk: int) -> str | None:
    return _version_of(Announcement, pk)


def announcements_version() -> str:
    return _versions_of(Announcement)


def public_announcements() -> QuerySet[Announcement]:
    return Announcement.objects.select_related("notice").annotate(listed=Count("entries"))


def announcement_entries(announcement: Announcement) -> QuerySet[NoticeEntry]:
    return announcement.entries.order_by("pool_number", "position")


# --- staff -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """How near an accepted objection's decision deadline is."""

    due_on: dt.date
    state: str  # rules.ON_TIME, DUE_SOON, DUE_TODAY or OVERDUE
    workdays_left: int | None  # after today up to the due day; None when overdue or unknown
    workdays_over: int | None  # working days since the due day, when overdue


def due_of(objection: Objection, today: dt.date, calendar: WorkdayCalendar | None = None) -> Due:
    assert objection.due_on is not None
    calendar = calendar or WorkdayCalendar()
    due_on = objection.due_on
    left = over = None
    try:
        if today > due_on:
            over = calendar.count_workdays(due_on, today)
        else:
            left = calendar.count_workdays(today, due_on)
    except CalendarNotConfigured:
        pass
    state = rules.due_state(
        due_on=due_on, today=today, workdays_left=left if left is not None else 0
    )
    return Due(due_on, state, left, over)


def objections_for_staff(*, status: str = "", notice: Notice | None = None) -> QuerySet[Objection]:
    qs = Objection.objects.select_related("notice", "entry").order_by("received_on", "pk")
    if status:
        qs = qs.filter(status=status)
    if notice is not None:
        qs = qs.filter(notice=notice)
    return qs


def open_objections() -> QuerySet[Objection]:
    return objections_for_staff().filter(status__in=OPEN_OBJECTION_STATUSES)


def accepted_due_by(until: dt.date) -> QuerySet[Objection]:
    """Accepted objections whose decision falls due by ``until`` (overdue ones included)."""
    return objections_for_staff(status=Objection.Status.ACCEPTED).filter(due_on__lte=until)


def notices_for_staff() -> QuerySet[Notice]:
    return Notice.objects.annotate(
        listed=Count("entries", distinct=True),
        pending=Count(
            "entries", filter=Q(entries__outcome=NoticeEntry.Outcome.PENDING), distinct=True
        ),
        open_objections=Count(
            "objections", filter=Q(objections__status__in=OPEN_OBJECTION_STATUSES), distinct=True
        ),
    ).order_by("-published_on", "-pk")


def notice_entries(notice: Notice) -> QuerySet[NoticeEntry]:
    return (
        notice.entries.select_related("application", "certificate", "announcement")
        .prefetch_related(Prefetch("objections", queryset=Objection.objects.order_by("pk")))
        .order_by("position")
    )


def awaiting_admission(now: dt.datetime) -> list[Notice]:
    """Ended notices with applicants still to settle, whose objections are all decided."""
    today = timezone.localdate(now)
    candidates = notices_for_staff().filter(ends_on__lt=today)
    return [
        n
        for n in candidates
        if n.pending and notice_phase(n, now) == rules.ENDED  # type: ignore[attr-defined]
    ]

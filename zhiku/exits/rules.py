"""The exits' rules as pure functions: no clock, no database."""

from __future__ import annotations

import calendar
import datetime as dt


def bar_ends(exited_on: dt.date, years: int) -> dt.date:
    """The last day of a bar of ``years`` years from the exit (Civil Code art. 201–202: the day
    of the exit is not counted, and the period ends on the same day ``years`` later, or on the
    last day of that month when it has no such day: 2028-02-29 + 3 years ends on 2031-02-28)."""
    year = exited_on.year + years
    last = calendar.monthrange(year, exited_on.month)[1]
    return dt.date(year, exited_on.month, min(exited_on.day, last))


def is_barred(barred_until: dt.date | None, on: dt.date) -> bool:
    """Whether a new application on ``on`` falls within a bar ending on ``barred_until``."""
    return barred_until is not None and on <= barred_until

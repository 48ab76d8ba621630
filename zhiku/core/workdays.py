"""Working days of the official calendar of mainland China, and periods counted in them.

The data comes from ``chinesecalendar`` for the years it covers and from the dates staff enter
(holidays and make-up working days) for the years they have marked complete. A date in a year
that neither covers is refused: guessing from weekends would put a legal deadline on a holiday.

Periods follow the Civil Code, art. 201: the day a period starts is not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
from chinese_calendar import constants as calendar_data
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from zhiku.core.errors import DomainError
from zhiku.core.models import CalendarYear, WorkdayKind, WorkdayOverride

LIBRARY_YEARS = frozenset(d.year for d in calendar_data.holidays)

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def where_to_enter(year: int) -> str:
    """Name the page where staff enter ``year``, so every error says what to do."""
    try:
        url = reverse("core:workday_calendar", kwargs={"year": year})
    except NoReverseMatch:
        return _("工作区 → 工作日历")
    return _("工作区 → 工作日历（%(url)s）") % {"url": url}


class CalendarNotConfigured(DomainError):
    """A date falls in a year for which no working-day calendar is available."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            _(
                "%(year)d 年的工作日历尚未录入，无法计算工作日。请持有“修改政策参数”权限的工作人员"
                "在“%(where)s”中录入 %(year)d 年的法定节假日和调休上班日，并确认该年度已录入完整。"
            )
            % {"year": year, "where": where_to_enter(year)}
        )


@dataclass(frozen=True)
class DayInfo:
    """Whether a date is a working day, why, and where that comes from."""

    day: dt.date
    is_workday: bool
    reason: str
    source: str  # "staff" or "chinesecalendar" or "weekday"
    # A holiday or a make-up working day, as opposed to an ordinary weekday or weekend.
    special: bool = False


def _weekday_reason(day: dt.date) -> str:
    return _("周一至周五，正常工作日") if day.weekday() < 5 else _("周六、周日，休息日")


def library_day(day: dt.date) -> DayInfo | None:
    """Return what ``chinesecalendar`` says about ``day``, or None outside the years it covers."""
    if day.year not in LIBRARY_YEARS:
        return None
    is_holiday, name = chinese_calendar.get_holiday_detail(day)
    label = HOLIDAY_NAMES.get(name or "", name or "")
    if name and not is_holiday:
        return DayInfo(
            day, True, _("调休上班（%(name)s）") % {"name": label}, "chinesecalendar", special=True
        )
    if name and is_holiday:
        return DayInfo(
            day,
            False,
            _("法定节假日（%(name)s）") % {"name": label},
            "chinesecalendar",
            special=True,
        )
    return DayInfo(day, not is_holiday, _weekday_reason(day), "chinesecalendar")


def base_is_workday(day: dt.date) -> bool:
    """Return what ``day`` would be without a staff entry: the library's answer or the weekday rule."""
    info = library_day(day)
    return info.is_workday if info is not None else day.weekday() < 5


def _override_info(override: WorkdayOverride) -> DayInfo:
    if override.kind == WorkdayKind.WORKDAY:
        reason = _("调休上班（工作人员录入：%(note)s）") % {"note": override.note}
    else:
        reason = _("法定节假日（工作人员录入：%(note)s）") % {"note": override.note}
    return DayInfo(
        override.day, override.kind == WorkdayKind.WORKDAY, reason, "staff", special=True
    )


class WorkdayCalendar:
    """Answers for many dates with one query per year; make a new one for fresh data."""

    def __init__(self) -> None:
        self._years: dict[int, tuple[bool, dict[dt.date, WorkdayOverride]]] = {}

    def _year(self, year: int) -> tuple[bool, dict[dt.date, WorkdayOverride]]:
        if year not in self._years:
            complete = CalendarYear.objects.filter(year=year, complete=True).exists()
            overrides = {
                o.day: o
                for o in WorkdayOverride.objects.filter(
                    day__gte=dt.date(year, 1, 1), day__lte=dt.date(year, 12, 31)
                )
            }
            self._years[year] = (complete or year in LIBRARY_YEARS, overrides)
        return self._years[year]

    def explain(self, day: dt.date) -> DayInfo:
        """Return whether ``day`` is a working day and why; raise CalendarNotConfigured if unknown."""
        covered, overrides = self._year(day.year)
        if not covered:
            raise CalendarNotConfigured(day.year)
        return self.draft(day, overrides)

    def draft(
        self, day: dt.date, overrides: dict[dt.date, WorkdayOverride] | None = None
    ) -> DayInfo:
        """Return the answer for ``day`` as entered so far, even in a year not yet complete."""
        if overrides is None:
            overrides = self._year(day.year)[1]
        if day in overrides:
            return _override_info(overrides[day])
        info = library_day(day)
        if info is not None:
            return info
        return DayInfo(day, day.weekday() < 5, _weekday_reason(day), "weekday")

    def is_workday(self, day: dt.date) -> bool:
        """The answer ``explain`` gives, without composing its reason: counting the working days
        since a date years back asks this thousands of times (the staff dashboard does)."""
        covered, overrides = self._year(day.year)
        if not covered:
            raise CalendarNotConfigured(day.year)
        override = overrides.get(day)
        if override is not None:
            return bool(override.kind == WorkdayKind.WORKDAY)
        if day in calendar_data.workdays:  # the library's make-up working days
            return True
        # chinese_calendar.is_workday would say the same, but finds its range of years again on
        # every call (a min and max over all its dates).
        return day.weekday() < 5 and day not in calendar_data.holidays

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """Return the ``n``-th working day after ``start``; ``start`` itself is not counted.

        ``n`` is at least 1: a period begins the day after it starts (Civil Code art. 201), so
        "0 working days after" has no meaning and would answer without checking the calendar.
        """
        if n < 1:
            raise ValueError(_("工作日数须为正整数（至少为 1）。"))
        day, counted = start, 0
        while counted < n:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def count_workdays(self, start: dt.date, end: dt.date) -> int:
        """Return how many working days fall after ``start`` up to and including ``end``."""
        day, counted = start, 0
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return counted


def explain_day(d: dt.date) -> DayInfo:
    """Return whether ``d`` is a working day and why."""
    return WorkdayCalendar().explain(d)


def is_workday(d: dt.date) -> bool:
    """Return whether ``d`` is a working day; raise CalendarNotConfigured for an unknown year."""
    return WorkdayCalendar().is_workday(d)


def add_workdays(d: dt.date, n: int) -> dt.date:
    """Return the date ``n`` working days after ``d`` (``d`` not counted, art. 201 Civil Code)."""
    return WorkdayCalendar().add_workdays(d, n)


def count_workdays(start: dt.date, end: dt.date) -> int:
    """Return the working days after ``start`` up to ``end``: how long something has waited."""
    return WorkdayCalendar().count_workdays(start, end)


def year_is_covered(year: int) -> bool:
    """Return whether working days of ``year`` can be answered (library data or complete staff entry)."""
    return year in LIBRARY_YEARS or CalendarYear.objects.filter(year=year, complete=True).exists()

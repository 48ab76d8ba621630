"""Working days: real chinesecalendar data, staff-entered years, and the command line."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from zhiku.accounts.models import Right
from zhiku.core import services
from zhiku.core.errors import AccessDenied
from zhiku.core.models import CalendarChange, WorkdayKind
from zhiku.core.workdays import (
    CalendarNotConfigured,
    add_workdays,
    explain_day,
    is_workday,
)

pytestmark = pytest.mark.django_db

D = dt.date
# Days of the 2027 calendar the acceptance example crosses (2026-12-25 + 15 working days):
# New Year's Day 2027 is a Friday, so the test marks it a holiday.
BASIS = "国办发明电〔2026〕测试号"


@pytest.fixture
def calendar_keeper(make_user: Any) -> Any:
    return make_user("staff", username="calendar-keeper", rights=(Right.EDIT_PARAMETERS,))


def _workdays(*args: str) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue()


def enter_2027_new_year(actor: Any) -> None:
    services.workday_set(actor=actor, day=D(2027, 1, 1), kind=WorkdayKind.HOLIDAY, reason=BASIS)
    services.calendar_year_complete(actor=actor, year=2027, complete=True, reason=BASIS)


def test_notice_published_before_national_day_ends_after_the_make_up_day() -> None:
    assert add_workdays(D(2026, 9, 28), 7) == D(2026, 10, 13)


def test_notice_published_before_spring_festival_ends_on_a_make_up_saturday() -> None:
    assert add_workdays(D(2026, 2, 12), 7) == D(2026, 2, 28)


def test_the_start_day_is_not_counted_even_when_it_is_a_working_day() -> None:
    assert add_workdays(D(2026, 11, 2), 1) == D(2026, 11, 3)


def test_zero_working_days_is_refused_rather_than_answered_without_the_calendar() -> None:
    # 2026-10-01 is a holiday and 2030 is a year nobody entered: "0 days after" would have
    # answered either without a word.
    for day in (D(2026, 10, 1), D(2030, 5, 6)):
        with pytest.raises(ValueError, match="正整数"):
            add_workdays(day, 0)


def test_the_command_refuses_zero_and_says_what_to_use_instead() -> None:
    with pytest.raises(CommandError, match="check"):
        call_command("workdays", "add", "2030-05-06", "0", stdout=StringIO())


def test_make_up_working_day_is_a_working_day_and_says_why() -> None:
    info = explain_day(D(2026, 10, 10))

    assert info.is_workday is True
    assert info.reason == "调休上班（国庆节）"
    assert is_workday(D(2026, 10, 1)) is False
    assert explain_day(D(2026, 10, 1)).reason == "法定节假日（国庆节）"


def test_a_year_nobody_entered_is_refused_naming_the_year_and_where_to_enter_it() -> None:
    with pytest.raises(CalendarNotConfigured) as exc:
        add_workdays(D(2026, 12, 25), 15)

    assert exc.value.year == 2027
    assert "2027 年" in str(exc.value)
    assert "/workspace/calendar/2027/" in str(exc.value)


def test_weekends_are_never_guessed_for_an_unentered_year() -> None:
    # 2030-01-07 is an ordinary Monday, but nobody has entered 2030.
    with pytest.raises(CalendarNotConfigured, match="2030"):
        is_workday(D(2030, 1, 7))


def test_days_entered_for_an_incomplete_year_do_not_count_yet(calendar_keeper: Any) -> None:
    services.workday_set(
        actor=calendar_keeper, day=D(2027, 1, 1), kind=WorkdayKind.HOLIDAY, reason=BASIS
    )

    with pytest.raises(CalendarNotConfigured):
        add_workdays(D(2026, 12, 25), 15)


def test_a_year_staff_completed_counts_with_its_holidays(calendar_keeper: Any) -> None:
    enter_2027_new_year(calendar_keeper)

    # 12-28..31 (4), 2027-01-01 holiday, 01-04..08 (5), 01-11..15 (5), 01-18 -> the 15th.
    assert add_workdays(D(2026, 12, 25), 15) == D(2027, 1, 18)
    assert explain_day(D(2027, 1, 1)).reason == f"法定节假日（工作人员录入：{BASIS}）"


def test_a_make_up_saturday_entered_by_staff_is_a_working_day(calendar_keeper: Any) -> None:
    services.workday_set(
        actor=calendar_keeper, day=D(2027, 2, 20), kind=WorkdayKind.WORKDAY, reason=BASIS
    )
    enter_2027_new_year(calendar_keeper)

    assert is_workday(D(2027, 2, 20)) is True
    assert is_workday(D(2027, 2, 21)) is False


def test_every_calendar_change_leaves_a_row_and_an_audit_entry(calendar_keeper: Any) -> None:
    from zhiku.core.models import AuditEntry

    services.workday_set(
        actor=calendar_keeper, day=D(2027, 1, 1), kind=WorkdayKind.HOLIDAY, reason=BASIS
    )
    services.workday_set(actor=calendar_keeper, day=D(2027, 1, 1), kind="", reason="录错了")

    rows = list(CalendarChange.objects.order_by("id").values_list("from_value", "to_value"))
    assert rows == [("", "holiday"), ("holiday", "")]
    entry = AuditEntry.objects.filter(action="core.workday.changed").order_by("seq").last()
    assert entry is not None
    assert entry.changes == {"2027-01-01": ["holiday", ""]}
    assert entry.data == {"reason": "录错了"}
    assert entry.actor == calendar_keeper


def test_staff_without_the_parameters_right_cannot_change_the_calendar(make_user: Any) -> None:
    clerk = make_user("staff", username="clerk", rights=(Right.REVIEW_APPLICATIONS,))

    with pytest.raises(AccessDenied, match="修改政策参数"):
        services.workday_set(actor=clerk, day=D(2027, 1, 1), kind=WorkdayKind.HOLIDAY, reason=BASIS)


def test_a_change_needs_a_basis(calendar_keeper: Any) -> None:
    with pytest.raises(services.CoreError, match="依据"):
        services.workday_set(
            actor=calendar_keeper, day=D(2027, 1, 1), kind=WorkdayKind.HOLIDAY, reason="  "
        )


def test_years_the_library_covers_are_not_edited_by_staff(calendar_keeper: Any) -> None:
    with pytest.raises(services.CoreError, match="2026"):
        services.workday_set(
            actor=calendar_keeper, day=D(2026, 11, 2), kind=WorkdayKind.HOLIDAY, reason=BASIS
        )


def test_a_saturday_cannot_be_marked_a_holiday_nor_a_monday_a_make_up_day(
    calendar_keeper: Any,
) -> None:
    with pytest.raises(services.CoreError, match="本来就是休息日"):
        services.workday_set(
            actor=calendar_keeper, day=D(2027, 1, 2), kind=WorkdayKind.HOLIDAY, reason=BASIS
        )
    with pytest.raises(services.CoreError, match="本来就是工作日"):
        services.workday_set(
            actor=calendar_keeper, day=D(2027, 1, 4), kind=WorkdayKind.WORKDAY, reason=BASIS
        )


def test_a_year_without_any_holiday_cannot_be_declared_complete(calendar_keeper: Any) -> None:
    with pytest.raises(services.CoreError, match="还没有录入任何法定节假日"):
        services.calendar_year_complete(
            actor=calendar_keeper, year=2027, complete=True, reason=BASIS
        )


def test_reopening_a_year_stops_counting_it_again(calendar_keeper: Any) -> None:
    enter_2027_new_year(calendar_keeper)
    services.calendar_year_complete(
        actor=calendar_keeper, year=2027, complete=False, reason="通知有更正"
    )

    with pytest.raises(CalendarNotConfigured):
        is_workday(D(2027, 1, 4))
    kinds = list(CalendarChange.objects.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [CalendarChange.Kind.YEAR_COMPLETED, CalendarChange.Kind.YEAR_REOPENED]


def test_command_adds_working_days_and_prints_the_date_alone() -> None:
    assert _workdays("add", "2026-09-28", "7") == "2026-10-13\n"
    assert _workdays("add", "2026-02-12", "7") == "2026-02-28\n"


def test_command_refuses_a_period_into_an_unentered_year_naming_it() -> None:
    with pytest.raises(CommandError, match="2027 年的工作日历尚未录入"):
        _workdays("add", "2026-12-25", "15")


def test_command_counts_into_a_year_once_staff_completed_it(calendar_keeper: Any) -> None:
    enter_2027_new_year(calendar_keeper)

    assert _workdays("add", "2026-12-25", "15") == "2027-01-18\n"


def test_command_check_says_why_a_saturday_is_a_working_day() -> None:
    assert _workdays("check", "2026-10-10") == "2026-10-10 工作日：调休上班（国庆节）\n"
    assert _workdays("check", "2026-10-17") == "2026-10-17 非工作日：周六、周日，休息日\n"


def test_command_refuses_a_malformed_date_in_chinese() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _workdays("add", "2026/09/28", "7")


def test_the_quick_answer_agrees_with_the_explained_one_on_every_day(calendar_keeper: Any) -> None:
    # Counting days (the dashboard's "waited N working days") asks is_workday without the
    # reason; it must give explain's answer on every day: the library's years (holidays and
    # make-up working days) and a year staff entered.
    from zhiku.core.workdays import WorkdayCalendar

    services.workday_set(
        actor=calendar_keeper, day=D(2027, 2, 20), kind=WorkdayKind.WORKDAY, reason=BASIS
    )
    enter_2027_new_year(calendar_keeper)
    calendar = WorkdayCalendar()
    day, disagree, holidays = D(2024, 1, 1), [], 0
    while day <= D(2027, 12, 31):
        answer = calendar.is_workday(day)
        holidays += not answer and day.weekday() < 5
        if answer != calendar.explain(day).is_workday:
            disagree.append(day)
        day += dt.timedelta(days=1)

    assert disagree == []
    assert holidays > 30  # the library's weekday holidays were there to agree on
    assert calendar.is_workday(D(2026, 10, 10)) is True  # the National Day make-up Saturday
    assert calendar.is_workday(D(2027, 1, 1)) is False  # entered by staff
    assert calendar.is_workday(D(2027, 2, 20)) is True
    # After 30 September: 10-01..07 holidays, then 10-08, 10-09, 10-10 (make-up), 10-12.
    assert calendar.count_workdays(D(2026, 9, 30), D(2026, 10, 12)) == 4
    with pytest.raises(CalendarNotConfigured):
        calendar.is_workday(D(2028, 1, 3))

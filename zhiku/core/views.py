"""Core pages: role homes, the staff dashboard, the audit trail, the calendar, the parameters."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from zhiku.core import parameters as params
from zhiku.core import permissions as perm
from zhiku.core import plugins, services
from zhiku.core.forms import AuditFilterForm, CalendarYearCompleteForm, ParameterChangeForm
from zhiku.core.http import AuthenticatedHttpRequest
from zhiku.core.models import CalendarYear, WorkdayKind, WorkdayOverride
from zhiku.core.roles import Right
from zhiku.core.selectors import (
    audit_entries,
    audit_row,
    calendar_changes,
    parameter_overview,
    parameter_timeline,
)
from zhiku.core.workdays import (
    LIBRARY_YEARS,
    CalendarNotConfigured,
    DayInfo,
    WorkdayCalendar,
    year_is_covered,
)


@perm.policy(perm.SIGNED_IN)
def home_redirect(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send a signed-in user to the home page of their role."""
    return redirect(plugins.role_home(request.user.role))


def _rights(request: AuthenticatedHttpRequest) -> list[tuple[str, Any, bool]]:
    return [(value, label, request.user.has_right(value)) for value, label in Right.choices]


@dataclass(frozen=True)
class DashboardRow:
    item: plugins.DashboardItem
    age: int | None  # working days the oldest item has waited; None when it cannot be counted


def _age(calendar: WorkdayCalendar, oldest: dt.date | None, today: dt.date) -> int | None:
    if oldest is None:
        return None
    try:
        return calendar.count_workdays(oldest, today)
    except CalendarNotConfigured:
        return None


@perm.policy(perm.STAFF)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The staff home (工作台): what waits for the signed-in person, filled by every app."""
    today = timezone.localdate()
    calendar = WorkdayCalendar()
    rows = [
        DashboardRow(item, _age(calendar, item.oldest, today))
        for item in plugins.dashboard(request.user, today)
    ]
    return render(
        request, "core/dashboard.html", {"rows": rows, "rights": _rights(request), "today": today}
    )


@perm.policy(perm.COUNCIL)
def council_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "core/council_home.html")


@perm.policy(perm.SUPERVISOR)
def supervisor_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "core/supervisor_home.html")


@perm.policy(perm.AUDITOR)
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(audit_entries(**filters), 50).get_page(request.GET.get("page"))
    rows = [audit_row(entry) for entry in page]
    return render(request, "core/audit_list.html", {"form": form, "page": page, "rows": rows})


@perm.policy(perm.AUDITOR)
def audit_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download the filtered audit trail as .xlsx, marked with who exported it and when."""
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        messages.error(request, _("筛选条件有误，未导出：%(e)s") % {"e": form.errors.as_text()})
        return redirect("core:audit_list")
    filters = form.cleaned_data if form.is_bound else {}
    now = timezone.now()
    content = services.audit_export(actor=request.user, filters=filters, now=now)
    name = f"audit-{timezone.localtime(now):%Y%m%d-%H%M%S}.xlsx"
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@dataclass(frozen=True)
class DayCell:
    day: dt.date
    info: DayInfo
    editable: bool

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= 5

    @property
    def special(self) -> bool:
        return self.info.special

    @property
    def tag(self) -> str:
        if not self.special:
            return ""
        return _("班") if self.info.is_workday else _("休")


def _month_grid(
    calendar: WorkdayCalendar, year: int, month: int, editable: bool
) -> list[list[DayCell | None]]:
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [
        [DayCell(d, calendar.draft(d), editable) if d.month == month else None for d in week]
        for week in weeks
    ]


def _counts(year: int) -> dict[str, int]:
    overrides = WorkdayOverride.objects.filter(day__year=year)
    return {
        "holiday_count": overrides.filter(kind=WorkdayKind.HOLIDAY).count(),
        "workday_count": overrides.filter(kind=WorkdayKind.WORKDAY).count(),
    }


def _calendar_context(year: int, today: dt.date) -> dict[str, Any]:
    calendar = WorkdayCalendar()
    editable = year not in LIBRARY_YEARS and services.MIN_YEAR <= year <= services.MAX_YEAR
    row = CalendarYear.objects.filter(year=year).first()
    return {
        "year": year,
        "editable": editable,
        "library": year in LIBRARY_YEARS,
        "complete": year in LIBRARY_YEARS or (row is not None and row.complete),
        "year_row": row,
        "months": [(m, _month_grid(calendar, year, m, editable)) for m in range(1, 13)],
        "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
        **_counts(year),
        "changes": calendar_changes(year)[:50],
        "complete_form": CalendarYearCompleteForm(
            initial={"complete": not (row is not None and row.complete)}
        ),
        # This year and the next must be ready before any deadline reaches into them.
        "pending_years": [y for y in (today.year, today.year + 1) if not year_is_covered(y)],
        "library_first": min(LIBRARY_YEARS),
        "library_last": max(LIBRARY_YEARS),
    }


@perm.policy(perm.PARAMETER_EDITOR)
def workday_calendar_today(request: AuthenticatedHttpRequest) -> HttpResponse:
    return redirect("core:workday_calendar", year=timezone.localdate().year)


@perm.policy(perm.PARAMETER_EDITOR)
def workday_calendar(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """The working-day calendar of one year; in a year staff enter, each day toggles on a click."""
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        raise Http404
    context = _calendar_context(year, timezone.localdate())
    return render(request, "core/workday_calendar.html", context)


@perm.policy(perm.PARAMETER_EDITOR)
@require_POST
def workday_toggle(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Flip one day between its usual state and a holiday or make-up working day."""
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        return _toggle_error(request, None, _("无法识别的日期。"))
    try:
        services.workday_set(
            actor=request.user,
            day=day,
            kind=services.workday_toggle_kind(day),
            reason=request.POST.get("reason", ""),
        )
    except services.CoreError as exc:
        return _toggle_error(request, day, str(exc))
    info = WorkdayCalendar().draft(day)
    text = _("%(d)s 现为%(what)s：%(why)s") % {
        "d": day.isoformat(),
        "what": _("工作日") if info.is_workday else _("休息日"),
        "why": info.reason,
    }
    if not request.htmx:
        messages.success(request, text)
        return redirect("core:workday_calendar", year=day.year)
    return render(
        request,
        "core/_workday_day.html",
        {"cell": DayCell(day, info, True), "status": text, "oob": True, **_counts(day.year)},
    )


def _toggle_error(
    request: AuthenticatedHttpRequest, day: dt.date | None, text: str
) -> HttpResponse:
    if not request.htmx:
        messages.error(request, text)
        year = day.year if day is not None else timezone.localdate().year
        return redirect("core:workday_calendar", year=year)
    response = render(request, "core/_calendar_status.html", {"status": text, "error": True})
    return reswap(retarget(response, "#calendar-status"), "outerHTML")


@perm.policy(perm.PARAMETER_EDITOR)
@require_POST
def calendar_year_complete(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """Declare a year fully entered (its working days then count), or take that back."""
    form = CalendarYearCompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写依据或原因。"))
        return redirect("core:workday_calendar", year=year)
    try:
        services.calendar_year_complete(
            actor=request.user,
            year=year,
            complete=form.cleaned_data["complete"],
            reason=form.cleaned_data["reason"],
        )
    except services.CoreError as exc:
        messages.error(request, str(exc))
    else:
        if form.cleaned_data["complete"]:
            messages.success(
                request, _("已确认 %(y)d 年工作日历录入完整，可据此计算期限。") % {"y": year}
            )
        else:
            messages.success(
                request, _("已撤销 %(y)d 年的完整确认，该年度暂不能计算期限。") % {"y": year}
            )
    return redirect("core:workday_calendar", year=year)


@perm.policy(perm.PARAMETER_EDITOR)
def parameter_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every parameter with its value in force today and the changes scheduled."""
    today = timezone.localdate()
    return render(
        request, "core/parameter_list.html", {"rows": parameter_overview(today), "today": today}
    )


@perm.policy(perm.PARAMETER_EDITOR)
def parameter_detail(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """One parameter: its value today, its history and scheduled changes, and a form to change it."""
    declared = params.all_parameters()
    if key not in declared:
        raise Http404
    p = declared[key]
    today = timezone.localdate()
    form = ParameterChangeForm(request.POST or None, parameter=p)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.parameter_change_schedule(
                actor=request.user,
                key=key,
                value=form.cleaned_data["value"],
                effective_on=form.cleaned_data["effective_on"],
                reason=form.cleaned_data["reason"],
                today=today,
            )
        except services.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已设定“%(label)s”自 %(d)s 起为 %(v)s。")
                % {
                    "label": p.label,
                    "d": change.effective_on.isoformat(),
                    "v": p.display(p.load(change.value)),
                },
            )
            return redirect("core:parameter_detail", key=key)
    return render(
        request,
        "core/parameter_detail.html",
        {
            "parameter": p,
            "form": form,
            "today": today,
            "today_value": p.display(params.parameter_value(key, today)),
            "default_value": p.display(p.default),
            "in_force": params.change_in_force(key, today),
            "history": parameter_timeline(key, today),
        },
    )


def legacy_redirect(new_prefix: str) -> perm.View:
    """A view sending an address of the previous release to its new place (kept one release)."""

    @perm.policy(perm.PUBLIC)
    def moved(request: HttpRequest, rest: str = "") -> HttpResponse:
        target = new_prefix + rest
        if request.META.get("QUERY_STRING"):
            target += "?" + request.META["QUERY_STRING"]
        return HttpResponseRedirect(target)

    return moved

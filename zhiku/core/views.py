from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from zhiku.accounts.models import Right, Role
from zhiku.core import permissions as perm
from zhiku.core import policy as pol
from zhiku.core import services
from zhiku.core.forms import AuditFilterForm, CalendarYearCompleteForm, PolicyChangeForm
from zhiku.core.models import CalendarYear, PolicyChange, WorkdayKind, WorkdayOverride
from zhiku.core.selectors import audit_entries, calendar_changes, policy_history
from zhiku.core.workdays import (
    LIBRARY_YEARS,
    DayInfo,
    WorkdayCalendar,
    base_is_workday,
    year_is_covered,
)

ROLE_HOMES: dict[str, str] = {
    Role.STAFF: "core:staff_home",
    Role.COUNCIL: "core:council_home",
    Role.SUPERVISOR: "core:supervisor_home",
    Role.SECURITY_ADMIN: "accounts:account_list",
    Role.AUDITOR: "core:audit_list",
    Role.EXPERT: "experts:portal_home",
}


@perm.policy(perm.SIGNED_IN)
def home_redirect(request: HttpRequest) -> HttpResponse:
    """Send a signed-in user to the home page of their role."""
    return redirect(ROLE_HOMES[request.user.role])  # type: ignore[union-attr]


def _role_home(request: HttpRequest, template: str) -> HttpResponse:
    user = request.user
    rights = [(value, label, user.has_right(value)) for value, label in Right.choices]  # type: ignore[union-attr]
    return render(request, template, {"rights": rights})


@perm.policy(perm.STAFF)
def staff_home(request: HttpRequest) -> HttpResponse:
    return _role_home(request, "core/staff_home.html")


@perm.policy(perm.COUNCIL)
def council_home(request: HttpRequest) -> HttpResponse:
    return _role_home(request, "core/council_home.html")


@perm.policy(perm.SUPERVISOR)
def supervisor_home(request: HttpRequest) -> HttpResponse:
    return _role_home(request, "core/supervisor_home.html")


@perm.policy(perm.AUDITOR)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(audit_entries(**filters), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"form": form, "page": page})


# --- core services (issue 3): audit export, working-day calendar, policy settings ---


@perm.policy(perm.AUDITOR)
def audit_export(request: HttpRequest) -> HttpResponse:
    """Download the filtered audit trail as .xlsx, marked with who exported it and when."""
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        messages.error(request, _("筛选条件有误，未导出：%(e)s") % {"e": form.errors.as_text()})
        return redirect("core:audit_list")
    filters = form.cleaned_data if form.is_bound else {}
    now = timezone.now()
    content = services.audit_export(
        actor=request.user,  # type: ignore[arg-type]
        filters=filters,
        now=now,
        request=request,
    )
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
        """A holiday or make-up working day, as opposed to an ordinary weekday or weekend."""
        return (
            self.info.source == "staff"
            or self.info.is_workday != (self.day.weekday() < 5)
            or not self.info.reason.startswith(("周一", "周六"))
        )

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


@perm.policy(perm.staff_with(Right.EDIT_POLICY))
def workday_calendar_today(request: HttpRequest) -> HttpResponse:
    return redirect("core:workday_calendar", year=timezone.localdate().year)


@perm.policy(perm.staff_with(Right.EDIT_POLICY))
def workday_calendar(request: HttpRequest, year: int) -> HttpResponse:
    """The working-day calendar of one year; in a year staff enter, each day toggles on a click."""
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        raise Http404
    context = _calendar_context(year, timezone.localdate())
    return render(request, "core/workday_calendar.html", context)


@perm.policy(perm.staff_with(Right.EDIT_POLICY))
@require_POST
def workday_toggle(request: HttpRequest) -> HttpResponse:
    """Flip one day between its usual state and a holiday or make-up working day."""
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        return _toggle_error(request, None, _("无法识别的日期。"))
    existing = WorkdayOverride.objects.filter(day=day).first()
    if existing is not None:
        kind = ""
    else:
        kind = WorkdayKind.HOLIDAY if base_is_workday(day) else WorkdayKind.WORKDAY
    try:
        services.workday_set(
            actor=request.user,  # type: ignore[arg-type]
            day=day,
            kind=kind,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except services.CoreError as exc:
        return _toggle_error(request, day, str(exc))
    info = WorkdayCalendar().draft(day)
    text = _("%(d)s 现为%(what)s：%(why)s") % {
        "d": day.isoformat(),
        "what": _("工作日") if info.is_workday else _("休息日"),
        "why": info.reason,
    }
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, text)
        return redirect("core:workday_calendar", year=day.year)
    return render(
        request,
        "core/_workday_day.html",
        {"cell": DayCell(day, info, True), "status": text, "oob": True, **_counts(day.year)},
    )


def _toggle_error(request: HttpRequest, day: dt.date | None, text: str) -> HttpResponse:
    if not request.htmx:  # type: ignore[attr-defined]
        messages.error(request, text)
        year = day.year if day is not None else timezone.localdate().year
        return redirect("core:workday_calendar", year=year)
    response = render(request, "core/_calendar_status.html", {"status": text, "error": True})
    return reswap(retarget(response, "#calendar-status"), "outerHTML")


@perm.policy(perm.staff_with(Right.EDIT_POLICY))
@require_POST
def calendar_year_complete(request: HttpRequest, year: int) -> HttpResponse:
    """Declare a year fully entered (its working days then count), or take that back."""
    form = CalendarYearCompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写依据或原因。"))
        return redirect("core:workday_calendar", year=year)
    try:
        services.calendar_year_complete(
            actor=request.user,  # type: ignore[arg-type]
            year=year,
            complete=form.cleaned_data["complete"],
            reason=form.cleaned_data["reason"],
            request=request,
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


@dataclass(frozen=True)
class PolicyRow:
    setting: pol.PolicySetting
    today_value: str
    in_force: PolicyChange | None
    scheduled: list[tuple[dt.date, str]]


@perm.policy(perm.staff_with(Right.EDIT_POLICY))
def policy_list(request: HttpRequest) -> HttpResponse:
    """Every policy setting with its value in force today and the changes scheduled."""
    today = timezone.localdate()
    # One query for every setting: each history is latest first, so the first change that has
    # taken effect is the one in force and the later ones are scheduled.
    histories: dict[str, list[PolicyChange]] = {key: [] for key in pol.SETTINGS}
    for change in PolicyChange.objects.order_by("-effective_from", "-id"):
        histories.setdefault(change.key, []).append(change)
    rows = []
    for key, s in pol.SETTINGS.items():
        history = histories[key]
        in_force = next((c for c in history if c.effective_from <= today), None)
        rows.append(
            PolicyRow(
                setting=s,
                today_value=s.display(s.default if in_force is None else s.load(in_force.value)),
                in_force=in_force,
                scheduled=[
                    (c.effective_from, s.display(s.load(c.value)))
                    for c in reversed(history)
                    if c.effective_from > today
                ],
            )
        )
    return render(request, "core/policy_list.html", {"rows": rows, "today": today})


@perm.policy(perm.staff_with(Right.EDIT_POLICY))
def policy_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One setting: its value today, its history and scheduled changes, and a form to change it."""
    if key not in pol.SETTINGS:
        raise Http404
    s = pol.SETTINGS[key]
    today = timezone.localdate()
    form = PolicyChangeForm(request.POST or None, setting=s)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_change_schedule(
                actor=request.user,  # type: ignore[arg-type]
                key=key,
                value=form.cleaned_data["value"],
                effective_from=form.cleaned_data["effective_from"],
                reason=form.cleaned_data["reason"],
                today=today,
                request=request,
            )
        except services.CoreError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已设定“%(label)s”自 %(d)s 起为 %(v)s。")
                % {
                    "label": s.label,
                    "d": form.cleaned_data["effective_from"].isoformat(),
                    "v": s.display(s.load(s.parse(form.cleaned_data["value"]))),
                },
            )
            return redirect("core:policy_detail", key=key)
    in_force = pol.change_in_force(key, today)
    history = [
        (
            c,
            s.display(s.load(c.value)),
            "scheduled" if c.effective_from > today else ("in_force" if c == in_force else "past"),
        )
        for c in policy_history(key)
    ]
    return render(
        request,
        "core/policy_detail.html",
        {
            "setting": s,
            "form": form,
            "today": today,
            "today_value": s.display(pol.policy_value(key, today)),
            "default_value": s.display(s.default),
            "in_force": in_force,
            "history": history,
        },
    )

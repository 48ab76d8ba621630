"""Writes of the core services: the working-day calendar, parameters, audit exports."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from zhiku.core import parameters as params
from zhiku.core.audit import log_action
from zhiku.core.errors import DomainError
from zhiku.core.models import (
    CalendarChange,
    CalendarYear,
    ParameterChange,
    WorkdayKind,
    WorkdayOverride,
)
from zhiku.core.permissions import AUDITOR, PARAMETER_EDITOR
from zhiku.core.plugins import value_label
from zhiku.core.roles import Actor
from zhiku.core.selectors import AuditRow, audit_entries, audit_filters_shown, audit_row
from zhiku.core.spreadsheets import ExportWriter, export_stamp
from zhiku.core.transitions import transition_record
from zhiku.core.workdays import LIBRARY_YEARS, base_is_workday

MIN_YEAR, MAX_YEAR = 2000, 2100


_LIBRARY_YEAR = _lazy("%(y)d 年已由内置的国家法定节假日与调休数据覆盖，不在此录入。")


class CoreError(DomainError):
    """A change to the calendar or the parameters that cannot be made."""


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise CoreError(_("请填写依据或原因（如国务院办公厅通知的文号）。"))
    if "\x00" in reason:  # PostgreSQL cannot store it; a form field would have refused it too
        raise CoreError(_("依据或原因中含有空字符（NUL），无法保存。请删除后重新填写。"))
    return reason


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CoreError(_("年份须在 %(a)d 至 %(b)d 之间。") % {"a": MIN_YEAR, "b": MAX_YEAR})


def workday_toggle_kind(day: dt.date) -> str:
    """Return what a click on ``day`` makes it: cleared if entered, else the opposite of usual."""
    if WorkdayOverride.objects.filter(day=day).exists():
        return ""
    return WorkdayKind.HOLIDAY if base_is_workday(day) else WorkdayKind.WORKDAY


@transaction.atomic
def workday_set(*, actor: Actor, day: dt.date, kind: str, reason: str) -> WorkdayOverride | None:
    """Mark ``day`` a holiday or a make-up working day, or (``kind=""``) clear the entry."""
    PARAMETER_EDITOR.require(actor)
    _check_year(day.year)
    reason = _require_reason(reason)
    if kind not in ("", *WorkdayKind.values):
        raise CoreError(_("未知的日期类型。"))
    if day.year in LIBRARY_YEARS:
        raise CoreError(_LIBRARY_YEAR % {"y": day.year})
    if kind == WorkdayKind.HOLIDAY and not base_is_workday(day):
        raise CoreError(_("%(d)s 本来就是休息日，无需标记为节假日。") % {"d": day.isoformat()})
    if kind == WorkdayKind.WORKDAY and base_is_workday(day):
        raise CoreError(_("%(d)s 本来就是工作日，无需标记为调休上班。") % {"d": day.isoformat()})
    existing = WorkdayOverride.objects.select_for_update().filter(day=day).first()
    old = existing.kind if existing is not None else ""
    if old == kind:
        raise CoreError(_("%(d)s 已是此状态，未作修改。") % {"d": day.isoformat()})
    now = timezone.now()
    result: WorkdayOverride | None
    if kind:
        result, _created = WorkdayOverride.objects.update_or_create(
            day=day, defaults={"kind": kind, "note": reason, "set_by": actor, "set_at": now}
        )
    else:
        assert existing is not None
        existing.delete()
        result = None
    transition_record(
        CalendarChange,
        action="core.workday.changed",
        actor=actor,
        from_value=old,
        to_value=kind,
        reason=reason,
        at=now,
        changes={day.isoformat(): [old, kind]},
        kind=CalendarChange.Kind.DAY_SET,
        year=day.year,
        day=day,
    )
    return result


@transaction.atomic
def calendar_year_complete(*, actor: Actor, year: int, complete: bool, reason: str) -> CalendarYear:
    """Declare ``year`` fully entered (its dates then count), or take that back."""
    PARAMETER_EDITOR.require(actor)
    _check_year(year)
    reason = _require_reason(reason)
    if year in LIBRARY_YEARS:
        raise CoreError(_LIBRARY_YEAR % {"y": year})
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    was = row.complete if row is not None else False
    if was == complete:
        raise CoreError(
            _("%(y)d 年已确认录入完整。") % {"y": year}
            if complete
            else _("%(y)d 年尚未确认录入完整。") % {"y": year}
        )
    if (
        complete
        and not WorkdayOverride.objects.filter(day__year=year, kind=WorkdayKind.HOLIDAY).exists()
    ):
        raise CoreError(
            _("%(y)d 年还没有录入任何法定节假日，请先按国务院办公厅的通知录入。") % {"y": year}
        )
    now = timezone.now()
    row, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"complete": complete, "set_by": actor, "set_at": now}
    )
    transition_record(
        CalendarChange,
        action="core.calendar_year.completed" if complete else "core.calendar_year.reopened",
        actor=actor,
        from_value="complete" if was else "",
        to_value="complete" if complete else "",
        reason=reason,
        at=now,
        changes={"complete": [was, complete]},
        data={"year": year},
        kind=CalendarChange.Kind.YEAR_COMPLETED if complete else CalendarChange.Kind.YEAR_REOPENED,
        year=year,
    )
    return row


@transaction.atomic
def parameter_change_schedule(
    *,
    actor: Actor,
    key: str,
    value: Any,
    effective_on: dt.date,
    reason: str,
    today: dt.date,
) -> ParameterChange:
    """Set a new value of a parameter from ``effective_on`` (today or later) on."""
    PARAMETER_EDITOR.require(actor)
    parameters = params.all_parameters()
    if key not in parameters:
        raise CoreError(_("未知的政策参数。"))
    p = parameters[key]
    reason = _require_reason(reason)
    if effective_on < today:
        raise CoreError(
            _("生效日期不能早于今天（%(t)s）：已作出的决定须按当时有效的参数。")
            % {"t": today.isoformat()}
        )
    stored = p.parse(value)
    # Serialise writers of one key so that two schedules of the same date cannot interleave.
    list(ParameterChange.objects.select_for_update().filter(key=key).values_list("id", flat=True))
    before = params.parameter_value(key, effective_on)
    if p.load(stored) == before:
        raise CoreError(
            _("%(d)s 起“%(label)s”本来就是 %(v)s，未作修改。")
            % {"d": effective_on.isoformat(), "label": p.label, "v": p.display(before)}
        )
    return transition_record(
        ParameterChange,
        action="core.parameter.changed",
        actor=actor,
        from_value=p.stored(before),
        to_value=stored,
        reason=reason,
        changes={key: [p.stored(before), stored]},
        data={"effective_on": effective_on.isoformat()},
        key=key,
        effective_on=effective_on,
    )


# In words first, as on the page; then the codes and the stored JSON, which the hash covers, so
# that a copy can be checked against the trail.
EXPORT_COLUMNS = [
    _lazy("序号"),
    _lazy("时间"),
    _lazy("操作人"),
    _lazy("IP 地址"),
    _lazy("操作"),
    _lazy("操作代码"),
    _lazy("对象类型"),
    _lazy("对象编号"),
    _lazy("对象"),
    _lazy("变更"),
    _lazy("附加信息"),
    _lazy("对象类型代码"),
    _lazy("变更（原始数据）"),
    _lazy("附加信息（原始数据）"),
    _lazy("哈希"),
]


def _changes_text(row: AuditRow) -> str:
    empty = _("（空）")
    return "\n".join(f"{label}：{a or empty} → {b or empty}" for label, a, b in row.changes)


def _data_text(row: AuditRow) -> str:
    return "\n".join(f"{label}：{value or '—'}" for label, value in row.data)


def audit_export(*, actor: Actor, filters: Mapping[str, Any], now: dt.datetime) -> bytes:
    """Return the filtered audit trail as an .xlsx workbook marked with who exported it and when."""
    AUDITOR.require(actor)
    stamp = export_stamp(str(actor), now)
    shown = audit_filters_shown(filters)
    with transaction.atomic():
        entries = list(audit_entries(**filters))
        # Logged before the file exists, so a failed export still shows that it was tried.
        log_action(
            "core.audit.exported",
            actor=actor,
            data={"filters": shown, "count": len(entries), "format": "xlsx"},
        )
    filter_text = value_label("filters", shown, action="core.audit.exported") or _("全部")
    writer = ExportWriter(
        title=_("审计日志"),
        stamp=stamp,
        description=_("筛选条件：%(f)s；共 %(n)d 条。") % {"f": filter_text, "n": len(entries)},
        creator=str(actor),
        header_rows=4,
    )
    writer.row(_("广东省质量发展智库 审计日志导出"))
    writer.row(stamp, bold=True)
    writer.row(_("筛选条件：%(f)s") % {"f": filter_text})
    writer.row(*[str(c) for c in EXPORT_COLUMNS], bold=True)
    for e in entries:
        row = audit_row(e)
        writer.row(
            e.seq,
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_label,
            e.ip or "",
            row.action,
            e.action,
            row.object_type,
            e.object_id,
            e.object_repr,
            _changes_text(row),
            _data_text(row),
            e.object_type,
            json.dumps(e.changes, ensure_ascii=False) if e.changes else "",
            json.dumps(e.data, ensure_ascii=False) if e.data else "",
            e.hash,
        )
    return writer.save()

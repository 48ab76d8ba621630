"""Writes of the core services: the working-day calendar, policy settings, audit exports."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from zhiku.accounts.models import Right, Role, User
from zhiku.core import policy as pol
from zhiku.core.audit import log_action
from zhiku.core.models import (
    CalendarChange,
    CalendarYear,
    PolicyChange,
    WorkdayKind,
    WorkdayOverride,
)
from zhiku.core.selectors import audit_entries
from zhiku.core.workdays import LIBRARY_YEARS, base_is_workday

MIN_YEAR, MAX_YEAR = 2000, 2100


_LIBRARY_YEAR = _lazy("%(y)d 年已由内置的国家法定节假日与调休数据覆盖，不在此录入。")


class CoreError(Exception):
    """A change that cannot be made, with a message a person can act on."""


def _require_policy_right(actor: User) -> None:
    if not actor.is_active or actor.role != Role.STAFF or not actor.has_right(Right.EDIT_POLICY):
        raise CoreError(_("只有持有“修改政策参数”权限的工作人员可以修改工作日历和政策参数。"))


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise CoreError(_("请填写依据或原因（如国务院办公厅通知的文号）。"))
    return reason


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CoreError(_("年份须在 %(a)d 至 %(b)d 之间。") % {"a": MIN_YEAR, "b": MAX_YEAR})


@transaction.atomic
def workday_set(
    *,
    actor: User,
    day: dt.date,
    kind: str,
    reason: str,
    request: HttpRequest | None = None,
) -> WorkdayOverride | None:
    """Mark ``day`` a holiday or a make-up working day, or (``kind=""``) clear the entry."""
    _require_policy_right(actor)
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
    change = CalendarChange.objects.create(
        kind=CalendarChange.Kind.DAY_SET,
        year=day.year,
        day=day,
        from_value=old,
        to_value=kind,
        actor=actor,
        at=now,
        reason=reason,
    )
    log_action(
        "core.workday.changed",
        actor=actor,
        request=request,
        obj=change,
        changes={day.isoformat(): [old, kind]},
        data={"reason": reason},
    )
    return result


@transaction.atomic
def calendar_year_complete(
    *,
    actor: User,
    year: int,
    complete: bool,
    reason: str,
    request: HttpRequest | None = None,
) -> CalendarYear:
    """Declare ``year`` fully entered (its dates then count), or take that back."""
    _require_policy_right(actor)
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
    change = CalendarChange.objects.create(
        kind=CalendarChange.Kind.YEAR_COMPLETED if complete else CalendarChange.Kind.YEAR_REOPENED,
        year=year,
        from_value="complete" if was else "",
        to_value="complete" if complete else "",
        actor=actor,
        at=now,
        reason=reason,
    )
    log_action(
        "core.calendar_year.completed" if complete else "core.calendar_year.reopened",
        actor=actor,
        request=request,
        obj=change,
        changes={"complete": [was, complete]},
        data={"year": year, "reason": reason},
    )
    return row


@transaction.atomic
def policy_change_schedule(
    *,
    actor: User,
    key: str,
    value: Any,
    effective_from: dt.date,
    reason: str,
    today: dt.date,
    request: HttpRequest | None = None,
) -> PolicyChange:
    """Set a new value of a policy setting from ``effective_from`` (today or later) on."""
    _require_policy_right(actor)
    if key not in pol.SETTINGS:
        raise CoreError(_("未知的政策参数。"))
    setting = pol.SETTINGS[key]
    reason = _require_reason(reason)
    if effective_from < today:
        raise CoreError(
            _("生效日期不能早于今天（%(t)s）：已作出的决定须按当时有效的参数。")
            % {"t": today.isoformat()}
        )
    try:
        stored = setting.parse(value)
    except pol.PolicyValueError as exc:
        raise CoreError(str(exc)) from None
    # Serialise writers of one key so that two schedules of the same date cannot interleave.
    list(PolicyChange.objects.select_for_update().filter(key=key).values_list("id", flat=True))
    before = pol.policy_value(key, effective_from)
    if setting.load(stored) == before:
        raise CoreError(
            _("%(d)s 起“%(label)s”本来就是 %(v)s，未作修改。")
            % {
                "d": effective_from.isoformat(),
                "label": setting.label,
                "v": setting.display(before),
            }
        )
    change = PolicyChange.objects.create(
        key=key,
        value=stored,
        effective_from=effective_from,
        reason=reason,
        actor=actor,
        at=timezone.now(),
    )
    old_stored = sorted(before) if isinstance(before, frozenset) else before
    log_action(
        "core.policy.changed",
        actor=actor,
        request=request,
        obj=change,
        changes={key: [old_stored, stored]},
        data={"effective_from": effective_from.isoformat(), "reason": reason},
    )
    return change


EXPORT_COLUMNS = [
    _lazy("序号"),
    _lazy("时间"),
    _lazy("操作人"),
    _lazy("IP 地址"),
    _lazy("操作"),
    _lazy("对象类型"),
    _lazy("对象编号"),
    _lazy("对象"),
    _lazy("变更"),
    _lazy("附加信息"),
    _lazy("哈希"),
]


def audit_export(
    *,
    actor: User,
    filters: Mapping[str, Any],
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> bytes:
    """Return the filtered audit trail as an .xlsx workbook marked with who exported it and when."""
    import json

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    if not actor.is_active or actor.role != Role.AUDITOR:
        raise CoreError(_("只有审计员可以导出审计日志。"))
    local_now = timezone.localtime(now)
    stamp = _("导出人：%(who)s　导出时间：%(at)s") % {
        "who": str(actor),
        "at": local_now.strftime("%Y-%m-%d %H:%M:%S"),
    }
    shown = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in filters.items() if v}
    with transaction.atomic():
        entries = list(audit_entries(**filters))
        # Logged before the file exists, so a failed export still shows that it was tried.
        log_action(
            "core.audit.exported",
            actor=actor,
            request=request,
            data={"filters": shown, "count": len(entries), "format": "xlsx"},
        )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_("审计日志"))

    def row(*values: Any) -> None:
        # Text stays text: a username such as "=HYPERLINK(...)" typed at the login form must not
        # become a formula in the auditor's spreadsheet.
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)

    row(_("广东省质量发展智库 审计日志导出"))
    row(stamp)
    row(_("筛选条件：%(f)s") % {"f": json.dumps(shown, ensure_ascii=False)})
    row(*[str(c) for c in EXPORT_COLUMNS])
    for e in entries:
        row(
            e.seq,
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_label,
            e.ip or "",
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            json.dumps(e.changes, ensure_ascii=False) if e.changes else "",
            json.dumps(e.data, ensure_ascii=False) if e.data else "",
            e.hash,
        )
    row()
    row(stamp)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

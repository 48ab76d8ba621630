"""What core adds to the shell: its pages in the menu, role homes, dashboard item, labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiku.core.models import WorkdayKind
from zhiku.core.parameters import Parameter, all_parameters
from zhiku.core.plugins import (
    DashboardItem,
    DashboardSource,
    MenuItem,
    Plugin,
    action_groups,
    action_label,
    register,
)
from zhiku.core.roles import Role
from zhiku.core.workdays import year_is_covered


def _next_year_calendar(user: Any, today: dt.date) -> DashboardItem | None:
    """From December on, say so while next year's working-day calendar is not entered."""
    year = today.year + 1
    if today.month < 12 or year_is_covered(year):
        return None
    return DashboardItem(
        title=_("%(y)d 年工作日历尚未录入：跨入该年的期限将无法计算") % {"y": year},
        count=1,
        url=reverse("core:workday_calendar", kwargs={"year": year}),
        oldest=dt.date(today.year, 12, 1),
        note=_("请按国务院办公厅发布的节假日安排录入，并确认该年度已录入完整。"),
    )


class _WithParameters(Mapping[str, Any]):
    """Fixed entries, and one more per declared parameter (a parameter change's entry is keyed
    by the parameter's key); the parameters are read when asked, as apps declare them late."""

    def __init__(self, fixed: Mapping[str, Any], per_parameter: Callable[[Parameter], Any]):
        self.fixed, self.per_parameter = fixed, per_parameter

    def __getitem__(self, key: str) -> Any:
        if key in self.fixed:
            return self.fixed[key]
        return self.per_parameter(all_parameters()[key])

    def __iter__(self) -> Iterator[str]:
        return iter([*self.fixed, *(k for k in all_parameters() if k not in self.fixed)])

    def __len__(self) -> int:
        return len(list(iter(self)))


def _parameter_value(p: Parameter) -> Callable[[Any], str]:
    return lambda stored: p.display(p.load(stored))


def _action_filter(code: str) -> str:
    """An action filter as the auditor chose it: one action, or every action of an app."""
    if code.endswith("."):
        for name, actions in action_groups():
            if actions and actions[0][0].startswith(code):
                return str(_("%(app)s：全部操作") % {"app": name})
    return action_label(code)


register(
    Plugin(
        app="zhiku.core",
        role_homes={
            Role.STAFF: MenuItem(_("工作台"), "core:dashboard", order=0),
            Role.AUDITOR: MenuItem(_("审计日志"), "core:audit_list", order=0),
        },
        fallback_role_homes={
            Role.COUNCIL: MenuItem(_("理事会工作台"), "core:council_home", order=0),
            Role.SUPERVISOR: MenuItem(_("监督工作台"), "core:supervisor_home", order=0),
        },
        menu=[
            MenuItem(_("工作日历"), "core:workday_calendar_today", group=_("设置"), order=80),
            MenuItem(_("政策参数"), "core:parameter_list", group=_("设置"), order=81),
        ],
        dashboard=[
            DashboardSource(
                "core:workday_calendar",
                _next_year_calendar,
                url_kwargs=lambda today: {"year": today.year + 1},
                order=90,
            )
        ],
        audit_labels={
            "core.workday.changed": _("调整工作日历"),
            "core.calendar_year.completed": _("确认年度工作日历录入完整"),
            "core.calendar_year.reopened": _("撤销年度工作日历完整确认"),
            "core.parameter.changed": _("修改政策参数"),
            "core.policy.changed": _("修改政策参数"),  # the code of the previous release
            "core.audit.exported": _("导出审计日志"),
            "core.deadline_digest.sent": _("发送到期事项提醒邮件"),
            "core.backup.made": _("制作备份"),
            "core.backup.restored": _("从备份恢复"),
        },
        audit_fields=_WithParameters(
            {
                "reason": _("原因"),
                "effective_on": _("生效日期"),
                "effective_from": _("生效日期"),
                "year": _("年份"),
                "complete": _("已录入完整"),
                "filters": _("筛选条件"),
                "count": _("条数"),
                "subjects": _("涉及对象数"),
                "format": _("格式"),
                "value": _("值"),
                "key": _("参数"),
                "day": _("日期"),
                "core.audit.exported:actor": _("操作人"),
                "core.audit.exported:action": _("操作"),
                "core.audit.exported:object": _("对象"),
                "core.audit.exported:date_from": _("起始日期"),
                "core.audit.exported:date_to": _("截止日期"),
                "core.deadline_digest.sent:items": _("到期事项数"),
                "core.backup.made:file": _("备份文件"),
                "core.backup.made:rows": _("记录行数"),
                "core.backup.made:files": _("文件数"),
                "core.backup.made:bytes": _("备份大小（字节）"),
                "core.backup.made:manifest_sha256": _("清单 SHA-256"),
                "core.backup.restored:file": _("备份文件"),
                "core.backup.restored:created_at": _("备份时间"),
                "core.backup.restored:source": _("源数据库"),
                "core.backup.restored:rows": _("记录行数"),
                "core.backup.restored:files": _("文件数"),
            },
            lambda p: p.label,
        ),
        audit_values=_WithParameters(
            {
                "format": {"xlsx": _("Excel 表格（.xlsx）")},
                "core.audit.exported:action": _action_filter,
                "core.workday.changed:*": WorkdayKind.choices,
            },
            _parameter_value,
        ),
        # Each workflow's parameters are its app's: absence_exit_threshold moved to zhiku.exits,
        # recusal_years to zhiku.activities, the notice's and the objections' to recruitment.
        parameters=[],
    )
)

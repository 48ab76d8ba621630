"""What the exits app adds to the shell: its menu entries (staff and expert), dashboard items
(open cases by step; experts nearing their age limit), the system's cases as its deadline step,
demo cases, audit labels, and its parameters (the absence threshold, the re-application bar)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhiku.core.parameters import Parameter
from zhiku.core.plugins import (
    DashboardItem,
    DashboardSource,
    DueItem,
    DueSource,
    MenuItem,
    Plugin,
    register,
)
from zhiku.exits import personal_data, selectors
from zhiku.exits.choices import CaseStatus, Ground, Source
from zhiku.exits.demo import seed_exits
from zhiku.exits.services.system import exits_deadlines

STEP_TITLES: dict[str, Any] = {
    CaseStatus.RAISED: _("出库案件待核实"),
    CaseStatus.VERIFIED: _("出库案件已核实，待书面告知本人"),
    CaseStatus.NOTIFIED: _("已书面告知，待公告出库"),
}
STEP_NOTES: dict[str, Any] = {
    CaseStatus.RAISED: _("核实情况并记录结论，或撤销案件；第（三）至（七）项情形的专家已暂停。"),
    CaseStatus.VERIFIED: _("在案件页生成书面告知书（有电子邮箱的同时发送）。"),
    CaseStatus.NOTIFIED: _("在“公告出库”页发布公告，专家随即出库。"),
}
CASE_ACTIONS = ("raised", "verified", "notified", "exited", "dropped")


def _step(status: str) -> Any:
    def build(user: Any, today: dt.date) -> DashboardItem | None:
        waiting = selectors.waiting_at(status)
        if not waiting.count:
            return None
        url = reverse("exits:announce") if status == CaseStatus.NOTIFIED else None
        return DashboardItem(
            title=STEP_TITLES[status],
            count=waiting.count,
            url=url or reverse("exits:case_list") + f"?status={status}",
            oldest=waiting.oldest,
            note=STEP_NOTES[status],
        )

    return build


def _age_limits(user: Any, today: dt.date) -> DashboardItem | None:
    count, first = selectors.nearing_age_limit_summary(today)
    if first is None:
        return None
    expert, since = first
    return DashboardItem(
        title=_("在库专家将在 90 天内达到年龄上限"),
        count=count,
        url=reverse("exits:age_limits"),
        note=_("最早：%(e)s 自 %(d)s 起超过其适用的年龄上限，届时系统将立案办理出库。")
        % {"e": expert, "d": since.isoformat()},
    )


def _due_age_limits(today: dt.date, until: dt.date) -> Iterator[DueItem]:
    for expert, since in selectors.nearing_age_limit(today):
        if since <= until:
            yield DueItem(
                title=_("专家达到年龄上限：%(e)s") % {"e": expert},
                due=since,
                url=reverse("experts:expert_detail", kwargs={"pk": expert.pk}),
                note=_("当日起系统立案办理出库（第八条第（一）项）"),
            )


register(
    Plugin(
        app="zhiku.exits",
        **personal_data.HOOKS,  # the download's section
        menu=[
            MenuItem(_("出库管理"), "exits:case_list", order=40),
            MenuItem(_("退出智库"), "me:exit_home", order=40),
        ],
        dashboard=[
            DashboardSource("exits:case_list", _step(CaseStatus.RAISED), order=40),
            DashboardSource("exits:case_list", _step(CaseStatus.VERIFIED), order=41),
            DashboardSource("exits:announce", _step(CaseStatus.NOTIFIED), order=42),
            DashboardSource("exits:age_limits", _age_limits, order=43),
        ],
        deadlines=exits_deadlines,
        due=[DueSource("exits:age_limits", _due_age_limits, order=40)],
        demo=seed_exits,
        audit_labels={
            **personal_data.AUDIT_LABELS,
            "exits.case.raised": _("出库立案"),
            "exits.case.verified": _("出库核实"),
            "exits.case.notified": _("出库书面告知"),
            "exits.case.exited": _("公告出库"),
            "exits.case.dropped": _("撤销出库案件"),
            "exits.evidence.added": _("上传出库证据材料"),
            "exits.case.file_viewed": _("查看出库案件材料或告知书"),
        },
        audit_fields={
            **personal_data.AUDIT_FIELDS,
            "expert": _("专家"),
            "ground": _("出库情形"),
            "source": _("来源"),
            "facts": _("事实"),
            "basis": _("系统核查依据"),
            "checked_on": _("核查日期"),
            "age": _("年龄（周岁）"),
            "limit": _("适用的年龄上限（周岁）"),
            "since": _("超龄起始日期"),
            "threshold": _("启动出库的缺席次数"),
            "absences": _("无故缺席记录"),
            "activity": _("活动编号"),
            "checked": _("核实情况"),
            "finding": _("核实结论"),
            "bars_reapplication": _("限制重新申请入库"),
            "notified_on": _("告知日期"),
            "to": _("收件地址"),
            "announcement": _("公告编号"),
            "ground_published": _("公告中注明出库情形"),
            "barred_until": _("不得重新申请入库至"),
            "files": _("文件"),
            "file": _("文件"),
            "inline": _("页面内预览"),
            "description": _("说明"),
            "status": _("状态"),
        },
        audit_values={
            **{f"exits.case.{verb}:status": CaseStatus.choices for verb in CASE_ACTIONS},
            "ground": Ground.choices,
            "source": Source.choices,
        },
        parameters=[
            personal_data.RETENTION_PARAMETER,
            # Declared by core until this app arrived; same key, same history.
            Parameter(
                "absence_exit_threshold",
                _("缺席出库次数"),
                _("第八条第（六）项：接受邀请后无故缺席达到此次数即启动出库。"),
                2,
                "int",
                minimum=1,
                maximum=10,
            ),
            Parameter(
                "reapplication_bar_years",
                _("出库后限制重新申请年限（年）"),
                _(
                    "因第八条第（三）至（七）项情形出库、并经核实时标记“限制重新申请入库”的，"
                    "自出库之日起此年限内不得重新申请入库。"
                ),
                3,
                "int",
                minimum=1,
                maximum=10,
            ),
        ],
    )
)

"""What activities and draws add to the shell: menu (the expert's invitations among it), the
supervisor's home, dashboard items, demo data, audit labels, and the parameters (recusal years,
rotation limits and weighting, the invitation answer period)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhiku.activities import personal_data, selectors
from zhiku.activities.choices import (
    ActivityKind,
    ActivityStatus,
    AnsweredVia,
    AttendanceStatus,
    DeclineReason,
    DesignationReason,
    DesignationStatus,
    DrawStatus,
    InvitationStatus,
    Outcome,
    Reason,
    Source,
    WithdrawReason,
)
from zhiku.activities.demo import seed_activities
from zhiku.activities.models import Invitation
from zhiku.activities.services.invitations import invitations_lapse
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
from zhiku.core.roles import Right, Role


def _item(title: Any, queue: str, user: Any, note: Any = "") -> DashboardItem | None:
    if not user.has_right(Right.RUN_DRAWS):
        return None
    draws = selectors.draw_queue(queue)
    if not draws:
        return None
    return DashboardItem(
        title=title,
        count=len(draws),
        url=reverse("activities:draw_list") + f"?queue={queue}",
        oldest=min(timezone.localtime(d.opened_at).date() for d in draws),
        note=note,
    )


def _awaiting_lottery(user: Any, today: dt.date) -> DashboardItem | None:
    return _item(_("抽取等待录入公开彩票开奖结果"), "lottery", user)


def _not_invited(user: Any, today: dt.date) -> DashboardItem | None:
    return _item(
        _("候选专家尚未发出邀请"),
        "invite",
        user,
        _("邀请未能在抽取后自动发出（如工作日历尚未录入），请在活动页面发出。"),
    )


def _designations(user: Any, today: dt.date) -> DashboardItem | None:
    """Designations another member of staff proposed, waiting for this approver."""
    if not user.has_right(Right.APPROVE_DESIGNATIONS):
        return None
    pending = [d for d in selectors.designations_pending() if d.designated_by_id != user.pk]
    if not pending:
        return None
    return DashboardItem(
        title=_("指定专家待批准（第十九条）"),
        count=len(pending),
        url=reverse("activities:designation_list"),
        oldest=min(timezone.localtime(d.designated_at).date() for d in pending),
    )


def _answers(user: Any, today: dt.date) -> DashboardItem | None:
    """Invitations of the user's own activities still waiting for the experts' answers."""
    waiting = list(selectors.invitations_awaiting(user))
    if not waiting:
        return None
    return DashboardItem(
        title=_("邀请待专家答复"),
        count=len(waiting),
        url=reverse("activities:my_work"),
        oldest=min(timezone.localtime(i.sent_at).date() for i in waiting),
        note=_("最早的答复期限：%(d)s；逾期未答复视为拒绝。")
        % {"d": min(i.deadline for i in waiting).isoformat()},
    )


def _attendance(user: Any, today: dt.date) -> DashboardItem | None:
    activities = selectors.attendance_to_record(user)
    if not activities:
        return None
    return DashboardItem(
        title=_("活动已结束，出席情况与劳动报酬待登记"),
        count=len(activities),
        url=reverse("activities:my_work"),
        oldest=min(timezone.localtime(a.closed_at).date() for a in activities if a.closed_at)
        if any(a.closed_at for a in activities)
        else None,
    )


def _shortfall(user: Any, today: dt.date) -> DashboardItem | None:
    return _item(
        _("确认人数不足，待补充抽取"),
        "topup",
        user,
        _("第十八条第（三）项：不足部分按 1:1 补充抽取。"),
    )


def _deadlines(now: dt.datetime) -> Iterator[str]:
    """The deadline step (``manage.py run_deadlines``): unanswered invitations past their
    deadline lapse, counted as declined. Idempotent."""
    count = invitations_lapse(now=now)
    if count:
        yield gettext("邀请逾期未答复（视为拒绝）：%(n)d 份。") % {"n": count}


def _due_answers(today: dt.date, until: dt.date) -> Iterator[DueItem]:
    """Invitations whose answer deadline falls by ``until``, one item per activity and day."""
    rows = (
        Invitation.objects.filter(status=InvitationStatus.SENT, deadline__lte=until)
        .values("activity", "activity__title", "deadline")
        .annotate(n=Count("pk"))
        .order_by("deadline")
    )
    for row in rows:
        yield DueItem(
            title=_("“%(t)s”：%(n)d 份邀请待专家答复")
            % {"t": row["activity__title"], "n": row["n"]},
            due=row["deadline"],
            url=reverse("activities:activity_detail", kwargs={"pk": row["activity"]}),
            note=_("逾期未答复视为拒绝，之后可补充抽取。"),
        )


def _excluded(by_reason: Any) -> str:
    """The experts a draw left out, counted by reason, in words (回避年限内曾任职…：3)."""
    if not isinstance(by_reason, dict):
        return str(by_reason)
    reasons = dict(Reason.choices)
    return "；".join(f"{reasons.get(code, code)}：{n}" for code, n in by_reason.items())


INVITATION_ACTIONS = [
    "activities.invitation.sent",
    "activities.invitation.accepted",
    "activities.invitation.declined",
    "activities.invitation.lapsed",
    "activities.invitation.withdrawn",
    "activities.invitation.cancelled",
]
DESIGNATION_ACTIONS = [
    "activities.designation.proposed",
    "activities.designation.approved",
    "activities.designation.refused",
    "activities.designation.withdrawn",
]
# The pages a roster view is audited from, in words.
ROSTER_PAGES = {
    "activity": _("活动页面"),
    "draw": _("抽取页面"),
    "invitation": _("邀请函页面"),
    "letter": _("邀请函（PDF）"),
    "designation": _("指定专家页面"),
    "supervisor": _("监督人抽取页面"),
    "sheet": _("抽取记录表（PDF）"),
    "record": _("抽取记录（JSON）"),
}


register(
    Plugin(
        app="zhiku.activities",
        **personal_data.HOOKS,  # the download's section
        role_homes={
            Role.SUPERVISOR: MenuItem(_("监督工作台"), "activities:supervisor_home", order=0)
        },
        menu=[
            MenuItem(_("我的邀请与活动"), "me:invitation_list", order=20),
            MenuItem(_("活动与抽取"), "activities:activity_list", group=_("专家使用"), order=30),
            MenuItem(_("指定专家"), "activities:designation_list", group=_("专家使用"), order=31),
            MenuItem(_("劳动报酬"), "activities:fee_list", group=_("专家使用"), order=32),
            MenuItem(_("抽取统计"), "activities:draw_statistics", group=_("专家使用"), order=33),
            MenuItem(_("单位别名"), "activities:alias_list", group=_("专家使用"), order=34),
        ],
        dashboard=[
            DashboardSource("activities:draw_list", _awaiting_lottery, order=30),
            DashboardSource("activities:draw_list", _not_invited, order=31),
            DashboardSource("activities:draw_list", _shortfall, order=32),
            DashboardSource("activities:designation_list", _designations, order=33),
            DashboardSource("activities:my_work", _answers, order=34),
            DashboardSource("activities:my_work", _attendance, order=35),
        ],
        demo=seed_activities,
        deadlines=_deadlines,
        due=[DueSource("activities:my_work", _due_answers)],
        audit_labels={
            "activities.activity.created": _("创建活动"),
            "activities.activity.updated": _("修改活动"),
            "activities.activity.closed": _("结束活动"),
            "activities.alias.added": _("登记单位别名"),
            "activities.alias.removed": _("删除单位别名"),
            "activities.draw.opened": _("冻结抽取名单并公布承诺值"),
            "activities.draw.witnessed": _("监督人录入见证值"),
            "activities.draw.lottery_entered": _("录入公开彩票开奖结果"),
            "activities.draw.round_drawn": _("随机抽取（一轮）"),
            "activities.draw.cancelled": _("取消抽取"),
            "activities.draw.completed": _("抽取完成并公开秘密值"),
            "activities.draw.published": _("在门户公布抽取记录"),
            "activities.candidate.outcome_recorded": _("记录候选专家确认结果"),
            "activities.record.downloaded": _("下载抽取记录"),
            "activities.sheet.printed": _("打印抽取记录表"),
            "activities.invitation.sent": _("发出邀请函"),
            "activities.invitation.accepted": _("接受邀请"),
            "activities.invitation.declined": _("拒绝邀请"),
            "activities.invitation.lapsed": _("邀请逾期未答复（视为拒绝）"),
            "activities.invitation.withdrawn": _("接受邀请后退出"),
            "activities.invitation.cancelled": _("撤销邀请"),
            "activities.invitation.link_refused": _("无效的邀请链接"),
            "activities.roster.viewed": _("查看活动专家名单"),
            "activities.designation.proposed": _("提出指定专家"),
            "activities.designation.approved": _("批准指定专家"),
            "activities.designation.refused": _("不予批准指定专家"),
            "activities.designation.withdrawn": _("撤回指定专家"),
            "activities.attendance.recorded": _("登记出席情况"),
            "activities.fee.recorded": _("登记劳动报酬"),
            "activities.fee.removed": _("撤销劳动报酬记录"),
            "activities.fee.exported": _("导出劳动报酬"),
            "activities.recommendation.added": _("登记研讨建议"),
        },
        audit_fields={
            "kind": _("类型"),
            "title": _("名称"),
            "start_date": _("开始日期"),
            "end_date": _("结束日期"),
            "place": _("地点"),
            "experts_needed": _("所需专家人数"),
            "note": _("说明"),
            "commissioning_units": _("委托单位"),
            "assessed_units": _("被评单位"),
            "staff": _("负责工作人员"),
            "alias": _("别名"),
            "canonical": _("规范名称"),
            "activity": _("活动"),
            "labels_hash": _("标签哈希"),
            "label_count": _("候选池人数"),
            "strata": _("分层"),
            "commitment": _("承诺值"),
            "n": _("一次性码链长度"),
            "sources": _("随机数来源"),
            "supervisor": _("监督人"),
            "excluded": _("排除人数（按原因）"),
            "witness_value": _("见证值"),
            "lottery": _("彩票"),
            "lottery_value": _("开奖结果"),
            "round": _("轮次"),
            "one_time_code": _("一次性码"),
            "randomness": _("随机数"),
            "candidates": _("候选专家"),
            "shortfall": _("应抽取人数"),
            "unfilled": _("未补足名额"),
            "left": _("已离开的候选专家"),
            "disqualified": _("取消资格"),
            "rounds": _("轮数"),
            "secret": _("秘密值"),
            "secret_revealed": _("含秘密值"),
            "label": _("专家编号"),
            "outcome": _("结果"),
            "weights_hash": _("权重哈希"),
            "invitation": _("邀请函"),
            "via": _("答复方式"),
            "expert": _("专家"),
            "contact_note": _("联系情况"),
            "deadline": _("答复期限"),
            "source": _("产生方式"),
            "decline_reason": _("拒绝原因"),
            "withdraw_reason": _("退出原因"),
            "token": _("链接"),
            "tries": _("本小时内第几次"),
            "limit": _("每小时上限"),
            "page": _("页面"),
            "draw": _("抽取"),
            "designation_reason": _("指定理由"),
            "justification": _("书面说明"),
            "experts": _("专家"),
            "designated_by": _("提出人"),
            "opinion": _("意见或报告"),
            "amount": _("金额（元）"),
            "paid_on": _("支付日期"),
            "text": _("建议"),
            "activities.attendance.recorded:status": _("出席情况"),
        },
        # The codes under these keys, as people know them.
        audit_values={
            "kind": ActivityKind.choices,
            "status": {**dict(ActivityStatus.choices), **dict(DrawStatus.choices)},
            "outcome": Outcome.choices,
            "excluded": _excluded,
            "via": AnsweredVia.choices,
            "source": Source.choices,
            "decline_reason": DeclineReason.choices,
            "withdraw_reason": WithdrawReason.choices,
            "designation_reason": DesignationReason.choices,
            "page": ROSTER_PAGES,
            # Statuses of invitations, designations and attendance read by their own words.
            **{f"{a}:status": InvitationStatus.choices for a in INVITATION_ACTIONS},
            **{f"{a}:status": DesignationStatus.choices for a in DESIGNATION_ACTIONS},
            "activities.attendance.recorded:status": AttendanceStatus.choices,
        },
        parameters=[
            Parameter(
                "recusal_years",
                _("回避追溯年限（年）"),
                _("随机抽取时，专家在此年数内曾任职的单位涉及活动即须回避。"),
                3,
                "int",
                minimum=0,
                maximum=20,
            ),
            Parameter(
                "rotation_rest_days",
                _("轮换：参加活动后的间隔天数"),
                _("随机抽取时，专家在此天数内参加过其他活动即不抽取；0 表示不设此限制。"),
                0,
                "int",
                minimum=0,
                maximum=365,
            ),
            Parameter(
                "invitation_answer_workdays",
                _("邀请答复期限（工作日）"),
                _(
                    "邀请发出后，专家在此数目的工作日内答复（发出当日不计，至活动前一日为止）；"
                    "逾期未答复视为拒绝。"
                ),
                3,
                "int",
                minimum=1,
                maximum=15,
            ),
            Parameter(
                "rotation_weighting",
                _("公平轮换加权（0 关闭，1 开启）"),
                _(
                    "第十七条的通常理解是机会均等，故默认关闭。开启后，随机抽取按专家在过往可参加的抽取中"
                    "应得份额与实际参加次数之差加权（任一专家的机会不超过另一专家的 16 倍），"
                    "权重在冻结名单时一并冻结并写入抽取记录，任何人可核验。"
                ),
                0,
                "int",
                minimum=0,
                maximum=1,
            ),
            Parameter(
                "rotation_weighting_days",
                _("公平轮换：计入的过往抽取（天）"),
                _("开启公平轮换加权时，计算应得份额与参加次数所依据的过往抽取的时间范围。"),
                365,
                "int",
                minimum=30,
                maximum=1825,
            ),
            Parameter(
                "rotation_yearly_cap",
                _("轮换：每年参加活动次数上限"),
                _("随机抽取时，专家本年度已确认参加的活动达到此次数即不抽取；0 表示不设上限。"),
                0,
                "int",
                minimum=0,
                maximum=100,
            ),
        ],
    )
)

"""What recruitment adds to the shell: menus, the council's home, dashboard items, demo data,
audit labels, the council round rule, the notice's and the objections' periods, its deadline
step and what falls due soon."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiku.core.parameters import Parameter
from zhiku.core.plugins import (
    DashboardItem,
    DashboardSource,
    DueSource,
    MenuItem,
    Plugin,
    register,
)
from zhiku.core.roles import Role
from zhiku.core.workdays import WorkdayCalendar
from zhiku.recruitment import personal_data, rules, selectors
from zhiku.recruitment.demo import seed_recruitment
from zhiku.recruitment.models import (
    Announcement,
    Application,
    Call,
    DeliberationRound,
    DocumentKind,
    Notice,
    Objection,
    RoundItem,
    VerificationCode,
)
from zhiku.recruitment.services.deadlines import (
    due_calls,
    due_notices,
    due_objections,
    due_rounds,
    recruitment_deadlines,
)


def _waiting(status: str, title: Any, note: Any = "") -> Any:
    def build(user: Any, today: dt.date) -> DashboardItem | None:
        count, oldest = selectors.waiting_since(status)
        if not count:
            return None
        return DashboardItem(
            title=title,
            count=count,
            url=reverse("recruitment:application_list") + f"?status={status}",
            oldest=oldest,
            note=note,
        )

    return build


def _rounds(user: Any, today: dt.date) -> DashboardItem | None:
    rounds = list(selectors.open_rounds().prefetch_related("members"))
    if not rounds:
        return None
    notes = []
    for r in rounds:
        if r.mode == r.Mode.MEETING:
            notes.append(_("%(t)s：待记录会议结果") % {"t": r.title})
            continue
        missing = selectors.members_not_voted(r)
        names = "、".join(m.full_name for m in missing) or _("无")
        notes.append(
            _("%(t)s：尚未投票 %(n)d 人（%(names)s）")
            % {"t": r.title, "n": len(missing), "names": names}
        )
    return DashboardItem(
        title=_("理事会审议进行中"),
        count=len(rounds),
        url=reverse("recruitment:round_list"),
        oldest=min(timezone.localtime(r.opened_at).date() for r in rounds),
        note="；".join(str(n) for n in notes),
    )


NOTICE_ACTIONS = ("published", "ended")
OBJECTION_ACTIONS = ("lodged", "accepted", "rejected", "upheld", "dismissed")


def _objections_received(user: Any, today: dt.date) -> DashboardItem | None:
    waiting = list(selectors.objections_for_staff(status=Objection.Status.RECEIVED))
    if not waiting:
        return None
    return DashboardItem(
        title=_("异议待受理"),
        count=len(waiting),
        url=reverse("recruitment:objection_list") + f"?status={Objection.Status.RECEIVED}",
        oldest=min(o.received_on for o in waiting),
        note=_("请审查后受理，或说明理由不予受理。"),
    )


def _objections_due(user: Any, today: dt.date) -> DashboardItem | None:
    """Accepted objections with their decision deadlines, marked as they near and when late."""
    accepted = list(selectors.objections_for_staff(status=Objection.Status.ACCEPTED))
    if not accepted:
        return None
    calendar = WorkdayCalendar()
    dues = sorted(
        ((selectors.due_of(o, today, calendar), o) for o in accepted), key=lambda d: d[0].due_on
    )
    notes = []
    for due, objection in dues:
        mark = {
            rules.OVERDUE: _("已逾期 %(n)s 个工作日") % {"n": due.workdays_over or "—"},
            rules.DUE_TODAY: _("今天到期"),
            rules.DUE_SOON: _("即将到期，还剩 %(n)s 个工作日") % {"n": due.workdays_left},
        }.get(due.state, _("还剩 %(n)s 个工作日") % {"n": due.workdays_left})
        notes.append(
            _("第 %(pk)d 号（对%(name)s）：%(d)s 前作出决定，%(mark)s")
            % {"pk": objection.pk, "name": objection.entry.name, "d": due.due_on, "mark": mark}
        )
    overdue = sum(1 for due, _o in dues if due.state == rules.OVERDUE)
    soon = sum(1 for due, _o in dues if due.state in (rules.DUE_TODAY, rules.DUE_SOON))
    title: Any = _("已受理的异议待作出处理决定")
    if overdue:
        title = _("已受理的异议待作出处理决定（%(n)d 件已逾期）") % {"n": overdue}
    elif soon:
        title = _("已受理的异议待作出处理决定（%(n)d 件即将到期）") % {"n": soon}
    return DashboardItem(
        title=title,
        count=len(accepted),
        url=reverse("recruitment:objection_list") + f"?status={Objection.Status.ACCEPTED}",
        oldest=min(o.accepted_on for o in accepted if o.accepted_on),
        note="；".join(str(n) for n in notes),
    )


def _admission(user: Any, today: dt.date) -> DashboardItem | None:
    notices = selectors.awaiting_admission(timezone.now())
    if not notices:
        return None
    return DashboardItem(
        title=_("公示期满，待批准入库"),
        count=sum(n.pending for n in notices),  # type: ignore[attr-defined]
        url=reverse("recruitment:notice_admin_detail", kwargs={"pk": notices[0].pk}),
        oldest=min(n.ends_on for n in notices) + dt.timedelta(days=1),
        note="；".join(n.title for n in notices),
    )


register(
    Plugin(
        app="zhiku.recruitment",
        **personal_data.HOOKS,  # the download's section, key rotation
        role_homes={Role.COUNCIL: MenuItem(_("理事会工作台"), "recruitment:council_home", order=0)},
        menu=[
            MenuItem(_("征集通知"), "recruitment:call_admin_list", group=_("入库管理"), order=30),
            MenuItem(_("入库申请"), "recruitment:application_list", group=_("入库管理"), order=31),
            MenuItem(_("理事会审议"), "recruitment:round_list", group=_("入库管理"), order=32),
            MenuItem(_("拟入库名单"), "recruitment:proposed_list", group=_("入库管理"), order=33),
            MenuItem(
                _("公示与入库"), "recruitment:notice_admin_list", group=_("入库管理"), order=34
            ),
            MenuItem(_("异议"), "recruitment:objection_list", group=_("入库管理"), order=35),
            MenuItem(_("我的入库申请"), "me:application_list", order=10),
        ],
        dashboard=[
            DashboardSource(
                "recruitment:application_list",
                _waiting(Application.Status.SUBMITTED, _("入库申请待资格审核")),
                order=10,
            ),
            DashboardSource(
                "recruitment:application_list",
                _waiting(
                    Application.Status.RETURNED,
                    _("退回修改的入库申请，等待申请人更正"),
                    _("申请人更正后重新提交，即回到待审核。"),
                ),
                order=11,
            ),
            DashboardSource("recruitment:round_list", _rounds, order=12),
            DashboardSource("recruitment:objection_list", _objections_received, order=13),
            DashboardSource("recruitment:objection_list", _objections_due, order=14),
            DashboardSource("recruitment:notice_admin_list", _admission, order=15),
        ],
        deadlines=recruitment_deadlines,
        due=[
            DueSource("recruitment:objection_list", due_objections, order=10),
            DueSource("recruitment:notice_admin_list", due_notices, order=11),
            DueSource("recruitment:round_list", due_rounds, order=12),
            DueSource("recruitment:call_admin_list", due_calls, order=13),
        ],
        demo=seed_recruitment,
        audit_labels={
            "recruitment.call.created": _("起草征集通知"),
            "recruitment.call.updated": _("修改征集通知"),
            "recruitment.call.published": _("发布征集通知"),
            "recruitment.verification.sent": _("发送注册验证码"),
            "recruitment.applicant.registered": _("申请人注册账户"),
            "recruitment.application.started": _("开始填写入库申请"),
            "recruitment.application.saved": _("保存入库申请草稿"),
            "recruitment.employment.added": _("入库申请：添加工作经历"),
            "recruitment.employment.removed": _("入库申请：删除工作经历"),
            "recruitment.document.uploaded": _("上传申请材料"),
            "recruitment.document.removed": _("删除申请材料"),
            "recruitment.document.verified": _("核验申请材料"),
            "recruitment.document.viewed": _("工作人员查看申请材料"),
            "recruitment.document.access_refused": _("拒绝访问他人的申请材料"),
            "recruitment.minutes.viewed": _("查看理事会会议纪要"),
            "recruitment.application.duplicate_refused": _("证件号码重复，拒绝提交入库申请"),
            "recruitment.application.personal_data_removed": _(
                "按保存期限删除入库申请的材料与身份信息"
            ),
            "recruitment.application.submitted": _("提交入库申请"),
            "recruitment.application.returned": _("退回入库申请修改"),
            "recruitment.application.rejected": _("入库申请资格审核不予通过"),
            "recruitment.application.passed": _("入库申请资格审核通过"),
            "recruitment.application.deliberating": _("入库申请提交理事会审议"),
            "recruitment.application.approved": _("理事会审议通过，列入拟入库名单"),
            "recruitment.application.not_approved": _("理事会审议未通过"),
            "recruitment.application.deliberation_lapsed": _("理事会审议未达法定人数，待重新审议"),
            "recruitment.round.opened": _("发起理事会审议"),
            "recruitment.round.voted": _("理事会成员投票"),
            "recruitment.round.closed": _("理事会审议结束"),
            "recruitment.call.closed": _("征集通知截止"),
            "recruitment.application.on_notice": _("列入拟入库名单公示"),
            "recruitment.application.admitted": _("入库申请办结：批准入库"),
            "recruitment.application.not_admitted": _("入库申请办结：异议成立，不予入库"),
            "recruitment.notice.published": _("发布拟入库名单公示"),
            "recruitment.notice.ended": _("公示期满"),
            "recruitment.notice.admission_run": _("公示期满后批准入库"),
            "recruitment.announcement.published": _("发布公告"),
            "recruitment.objection.lodged": _("登记异议"),
            "recruitment.objection.accepted": _("受理异议"),
            "recruitment.objection.rejected": _("异议不予受理"),
            "recruitment.objection.verified": _("记录异议核实情况"),
            "recruitment.objection.upheld": _("异议处理决定：异议成立"),
            "recruitment.objection.dismissed": _("异议处理决定：异议不成立"),
            "recruitment.objection.file_viewed": _("查看异议材料或告知书"),
            "recruitment.certificate.downloaded": _("下载聘书"),
        },
        audit_fields={
            **personal_data.AUDIT_FIELDS,
            "call": _("征集通知编号"),
            "title": _("标题"),
            "body": _("正文"),
            "fields_note": _("征集领域说明"),
            "fields_sought": _("征集领域"),
            "opens_on": _("开始日期"),
            "closes_on": _("截止日期"),
            "contact": _("联系方式"),
            "required_documents": _("须提交的材料"),
            "privacy_notice": _("个人信息处理告知书版本"),
            "channel": _("接收方式"),
            "to": _("接收地址"),
            "document": _("材料编号"),
            "size": _("大小（字节）"),
            "inline": _("页面内预览"),
            "submission": _("第几次提交"),
            "in_pool": _("已在智库登记"),
            "other_application": _("已有进行中的申请"),
            "mobile_taken": _("手机号码已登记在他人名下"),
            "round": _("审议轮次编号"),
            "mode": _("审议方式"),
            "applications": _("申请编号"),
            "members": _("理事会成员数"),
            "rule": _("审议规则"),
            "items": _("表决申请数"),
            "agree": _("同意"),
            "disagree": _("不同意"),
            "abstain": _("弃权"),
            "outcome": _("结论"),
            "taking_part": _("投票（出席）人数"),
            "quorum": _("法定人数"),
            "approved": _("通过人数"),
            "achievements": _("主要学术、专业成就"),
            "primary_field": _("主要专业领域"),
            "other_fields": _("其他专业领域"),
            "submitted_applications": _("已提交的申请数"),
            "notice": _("公示编号"),
            "published_on": _("公示发布日期"),
            "ends_on": _("公示截止日期"),
            "workdays": _("工作日数"),
            "recruitment.notice.published:applications": _("公示的申请编号"),
            "pool_number": _("专家编号"),
            "objections": _("成立的异议编号"),
            "admitted": _("批准入库"),
            "not_admitted": _("不予入库"),
            "waiting": _("异议尚待处理"),
            "experts": _("公告的专家"),
            "entry": _("被异议的专家"),
            "received_on": _("收到日期"),
            "letter": _("附签名的书面异议"),
            "accepted_on": _("受理日期"),
            "due_on": _("处理期限"),
            "decided_on": _("处理决定日期"),
            "late": _("超过处理期限"),
            "verification": _("核实记录编号"),
            "evidence": _("附证明材料"),
            "file": _("文件"),
            "certificate": _("聘书编号"),
            "recruitment.announcement.published:kind": _("公告类别"),
        },
        # The codes under these keys, as people know them (a call's, an application's or a
        # round's status share the key "status"; their codes do not clash).
        audit_values={
            **personal_data.AUDIT_VALUES,
            "status": {
                **dict(Call.Status.choices),
                **dict(DeliberationRound.Status.choices),
                **dict(Application.Status.choices),
            },
            # A notice's and an objection's status codes clash with the others': by action.
            **{f"recruitment.notice.{v}:status": Notice.Status.choices for v in NOTICE_ACTIONS},
            **{
                f"recruitment.objection.{v}:status": Objection.Status.choices
                for v in OBJECTION_ACTIONS
            },
            "kind": DocumentKind.choices,
            "recruitment.announcement.published:kind": Announcement.Kind.choices,
            "mode": DeliberationRound.Mode.choices,
            "outcome": {
                **dict(DeliberationRound.Outcome.choices),
                **dict(RoundItem.Outcome.choices),
            },
            "channel": {
                **dict(VerificationCode.Channel.choices),
                **dict(Objection.Channel.choices),
            },
        },
        parameters=[
            personal_data.RETENTION_PARAMETER,
            Parameter(
                "notice_workdays",
                _("公示期（工作日）"),
                _("第七条第（四）项：拟入库名单公示的工作日数。"),
                7,
                "int",
                minimum=1,
                maximum=60,
            ),
            Parameter(
                "objection_decision_workdays",
                _("异议处理期限（工作日）"),
                _("第七条第（四）项：受理异议后作出处理决定的工作日数。"),
                15,
                "int",
                minimum=1,
                maximum=60,
            ),
            Parameter(
                "council_quorum_numerator",
                _("理事会审议法定人数（分子）"),
                _(
                    "第七条第（三）项：投票（或出席会议）的理事会成员不少于成员总数的“分子/分母”，"
                    "审议才有效；默认 2/3。"
                ),
                2,
                "int",
                minimum=1,
                maximum=20,
            ),
            Parameter(
                "council_quorum_denominator",
                _("理事会审议法定人数（分母）"),
                _("与“法定人数（分子）”合用，默认 3，即三分之二。"),
                3,
                "int",
                minimum=1,
                maximum=20,
            ),
            Parameter(
                "council_majority_percent",
                _("理事会审议通过比例（%）"),
                _("同意票须超过有效票（含弃权）的这一比例，默认 50，即过半数。"),
                50,
                "int",
                minimum=0,
                maximum=99,
            ),
        ],
    )
)

"""The closed lists of activities and draws (codes are stored; labels are shown)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    """Art. 2, 5(3), 14: every use of experts."""

    RESEARCH = "research", _("课题研究")
    CONSULTING = "consulting", _("咨询")
    ASSESSMENT = "assessment", _("评估")
    EVALUATION = "evaluation", _("评价")
    ACCEPTANCE = "acceptance", _("验收")
    AWARD_REVIEW = "award_review", _("质量奖评审")
    PLANNING = "planning", _("规划咨询")
    TECHNICAL_REVIEW = "technical_review", _("技术文件审定")
    SEMINAR = "seminar", _("座谈研讨")
    OTHER = "other", _("其他")


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class OrganisationRole(models.TextChoices):
    COMMISSIONING = "commissioning", _("委托单位")
    ASSESSED = "assessed", _("被评单位")


class DrawStatus(models.TextChoices):
    """Opened (labels frozen, randomness awaited) → drawn → completed; or cancelled."""

    OPENED = "opened", _("待抽取")
    DRAWN = "drawn", _("已抽取")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")


ACTIVE_DRAW_STATUSES = (DrawStatus.OPENED, DrawStatus.DRAWN)


class FieldMatch(models.TextChoices):
    ANY = "any", _("具备其中任一领域")
    ALL = "all", _("具备全部所选领域")


class SourceKind(models.TextChoices):
    WITNESS = "witness", _("监督人见证值")
    LOTTERY = "lottery", _("公开彩票开奖结果")


class Outcome(models.TextChoices):
    """What became of a candidate or a designated expert: their invitation's answer."""

    PENDING = "pending", _("待答复")
    CONFIRMED = "confirmed", _("已确认参加")
    DECLINED = "declined", _("拒绝")
    NO_ANSWER = "no_answer", _("未答复")
    WITHDREW = "withdrew", _("确认后退出")


# Outcomes by which a candidate leaves the draw: a top-up round fills their place.
LEFT_OUTCOMES = (Outcome.DECLINED, Outcome.NO_ANSWER, Outcome.WITHDREW)


class Reason(models.TextChoices):
    """Why an expert who meets the conditions is excluded from a draw (回避及其他排除情形)."""

    WORKS_FOR = "works_for", _("现任职于活动涉及单位")
    WORKED_FOR = "worked_for", _("回避年限内曾任职于活动涉及单位")
    CONFLICT = "conflict", _("声明与活动涉及单位存在利害关系")
    UNFAMILIAR = "unfamiliar", _("声明不熟悉所需领域（第十二条第（三）项）")
    UNAVAILABLE = "unavailable", _("活动期间不能参加")
    ALREADY_DRAWN = "already_drawn", _("已被本活动抽中或指定")
    OVERLAPPING = "overlapping", _("已确认参加日期重叠的其他活动")
    SUSPENDED = "suspended", _("暂停（不在库）")
    EXITED = "exited", _("已出库")
    ROTATION_REST = "rotation_rest", _("轮换：近期已参加活动")
    ROTATION_CAP = "rotation_cap", _("轮换：本年度参加活动已达上限")
    NOT_IN_POOL = "not_in_pool", _("尚未入库")  # designation of an applicant


# --- invitations (邀请函) ------------------------------------------------------------------------


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("待答复")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已拒绝")
    LAPSED = "lapsed", _("逾期未答复（视为拒绝）")
    WITHDRAWN = "withdrawn", _("接受后退出")
    CANCELLED = "cancelled", _("已撤销")


class DeclineReason(models.TextChoices):
    """Why an expert declines. 专业不熟悉 is their right (art. 12(3)), never held against them."""

    UNFAMILIAR = "unfamiliar", _("专业不熟悉")
    CONFLICT = "conflict", _("存在利害关系")
    SCHEDULE = "schedule", _("时间冲突")
    OTHER = "other", _("其他")


class WithdrawReason(models.TextChoices):
    """Why an expert who accepted leaves (a conflict found afterwards, art. 13(2), above all)."""

    CONFLICT = "conflict", _("发现存在利害关系")
    SCHEDULE = "schedule", _("时间冲突")
    OTHER = "other", _("其他")


class AnsweredVia(models.TextChoices):
    """How an answer reached the system; staff answers are marked as such (who, how reached)."""

    LINK = "link", _("专家通过个人链接答复")
    AREA = "area", _("专家在个人空间答复")
    STAFF = "staff", _("工作人员代为记录")
    DEADLINE = "deadline", _("答复期限届满")


# How the draw record says who answered (expert, staff on the expert's behalf, or the deadline).
ANSWERED_BY = {
    AnsweredVia.LINK: "expert",
    AnsweredVia.AREA: "expert",
    AnsweredVia.STAFF: "staff",
    AnsweredVia.DEADLINE: "deadline",
}


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送（无联系方式）")


# --- designation (指定, art. 19) -----------------------------------------------------------------


class DesignationReason(models.TextChoices):
    COMPLEX = "complex", _("技术特别复杂")
    SPECIALISED = "specialised", _("专业性要求特别高")
    SPECIAL = "special", _("特殊要求")
    SEMINAR = "seminar", _("座谈研讨")  # art. 5(3): only for seminars


class DesignationStatus(models.TextChoices):
    PENDING = "pending", _("待批准")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")
    WITHDRAWN = "withdrawn", _("已撤回")


# Designations whose experts are taken (for this activity, and for recusal elsewhere).
LIVE_DESIGNATION_STATUSES = (DesignationStatus.PENDING, DesignationStatus.APPROVED)


class Source(models.TextChoices):
    """How an expert came to an activity."""

    DRAWN = "drawn", _("随机抽取")
    DESIGNATED = "designated", _("指定")


# --- attendance and remuneration -----------------------------------------------------------------


class AttendanceStatus(models.TextChoices):
    ATTENDED = "attended", _("出席")
    EXCUSED = "excused", _("请假缺席")
    UNEXCUSED = "unexcused", _("无故缺席")

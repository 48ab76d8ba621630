"""The closed lists of training, evaluation and assessment (codes are stored; labels are shown)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingTopic(models.TextChoices):
    """Art. 10: training in laws and regulations, quality policy, professional technique."""

    LAW = "law", _("法律法规")
    POLICY = "policy", _("质量政策")
    TECHNICAL = "technical", _("专业技术")
    OTHER = "other", _("其他")


class TrainingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("已安排")
    HELD = "held", _("已举行")
    CANCELLED = "cancelled", _("已取消")


class TrainingAttendance(models.TextChoices):
    ATTENDED = "attended", _("出席")
    EXCUSED = "excused", _("请假")
    ABSENT = "absent", _("缺席")


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("已安排发送")
    NO_ADDRESS = "no_address", _("未发送（无电子邮箱）")


class Dimension(models.TextChoices):
    """Art. 11: the four dimensions every service is scored on, in the regulation's order."""

    ATTITUDE = "attitude", _("工作态度")
    PROFESSIONAL = "professional", _("专业水平")
    KNOWLEDGE = "knowledge", _("知识面")
    EXPRESSION = "expression", _("表达能力")


DIMENSIONS: tuple[str, ...] = tuple(Dimension.values)


class Grade(models.TextChoices):
    """The grades of a periodic assessment (考核等次), best first."""

    EXCELLENT = "excellent", _("优秀")
    PASS = "pass", _("合格")
    BASIC = "basic", _("基本合格")
    FAIL = "fail", _("不合格")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    WITHDRAWN = "withdrawn", _("已撤销")


class ExitReview(models.TextChoices):
    """What staff decided about an expert assessed 不合格 (art. 8(3) or 8(8))."""

    CASE = "case", _("已立案办理出库")
    NO_EXIT = "no_exit", _("不启动出库")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已生成")
    FAILED = "failed", _("生成失败")

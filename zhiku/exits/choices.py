"""The closed lists of exit cases: the eight grounds of art. 8, the steps of art. 9, the sources."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Ground(models.TextChoices):
    """Art. 8: the grounds on which an expert leaves the pool, in the regulation's order."""

    OVER_AGE = "over_age", _("超龄等不再符合入库条件")
    REQUEST = "request", _("本人书面申请")
    IRRESPONSIBLE = "irresponsible", _("不负责任、弄虚作假或不客观公正")
    FAVOURS = "favours", _("利用身份为利益关系方提供便利")
    CORRUPTION = "corruption", _("徇私舞弊、收受馈赠礼金或不正当利益")
    ABSENCES = "absences", _("接受邀请后无故缺席两次及以上")
    DISCLOSURE = "disclosure", _("未经同意泄露评估内容等")
    OTHER = "other", _("其他不适宜情形")


# The item of art. 8 each ground is, as the regulation numbers them.
ITEMS = {
    Ground.OVER_AGE: "（一）",
    Ground.REQUEST: "（二）",
    Ground.IRRESPONSIBLE: "（三）",
    Ground.FAVOURS: "（四）",
    Ground.CORRUPTION: "（五）",
    Ground.ABSENCES: "（六）",
    Ground.DISCLOSURE: "（七）",
    Ground.OTHER: "（八）",
}

# Grounds 3–7: the expert is suspended from draws while the case is open, and staff may bar a
# new application for a term once they have left.
CONDUCT_GROUNDS = frozenset(
    {
        Ground.IRRESPONSIBLE,
        Ground.FAVOURS,
        Ground.CORRUPTION,
        Ground.ABSENCES,
        Ground.DISCLOSURE,
    }
)


class CaseStatus(models.TextChoices):
    """Art. 9's steps: verify, notify in writing, announce (and the registry is updated)."""

    RAISED = "raised", _("待核实")
    VERIFIED = "verified", _("已核实，待书面告知")
    NOTIFIED = "notified", _("已书面告知，待公告")
    EXITED = "exited", _("已出库")
    DROPPED = "dropped", _("已撤销（不予出库）")


OPEN_STATUSES = (CaseStatus.RAISED, CaseStatus.VERIFIED, CaseStatus.NOTIFIED)


class Source(models.TextChoices):
    """Who raised a case."""

    STAFF = "staff", _("工作人员立案")
    EXPERT = "expert", _("专家本人申请")
    SYSTEM = "system", _("系统发现")

"""Designation (指定, art. 19): named experts for work a draw cannot staff, approved by another."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.activities.choices import DesignationReason, DesignationStatus, Outcome
from zhiku.activities.models.activities import Activity
from zhiku.core.models import Transition
from zhiku.experts.models import Expert


class Designation(models.Model):
    """Experts named by staff for an activity, with the reason and a written justification.

    Another member of staff holding 批准指定专家 approves it (nobody approves their own);
    recusal applies as it does to draws.
    """

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="designations")
    reason = models.CharField(_("指定理由"), max_length=16, choices=DesignationReason.choices)
    justification = models.TextField(_("书面说明"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=DesignationStatus.choices,
        default=DesignationStatus.PENDING,
    )
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    designated_at = models.DateTimeField(_("提出时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.TextField(_("处理意见"), blank=True)

    class Meta:
        ordering = ["-designated_at", "-pk"]
        verbose_name = _("指定专家")
        verbose_name_plural = _("指定专家")

    def __str__(self) -> str:
        return f"{self.activity} · {self.get_reason_display()}"


class DesignatedExpert(models.Model):
    """One expert of a designation, and the answer to their invitation."""

    designation = models.ForeignKey(Designation, on_delete=models.PROTECT, related_name="members")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="designations")
    outcome = models.CharField(
        _("结果"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_reason = models.CharField(_("原因"), max_length=300, blank=True)
    outcome_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    class Meta:
        ordering = ["designation", "pk"]
        verbose_name = _("被指定的专家")
        constraints = [
            models.UniqueConstraint(fields=["designation", "expert"], name="designee_once"),
        ]
        indexes = [models.Index(fields=["expert", "outcome"], name="designee_expert_outcome")]

    def __str__(self) -> str:
        return f"{self.designation} {self.expert_id}"


class DesignationChange(Transition):
    """A designation proposed, approved, refused or withdrawn."""

    designation = models.ForeignKey(Designation, on_delete=models.PROTECT, related_name="changes")

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("指定专家状态变更")

    def __str__(self) -> str:
        return f"{self.designation} {self.from_value}→{self.to_value}"

    def from_label(self) -> str:
        return str(DesignationStatus(self.from_value).label) if self.from_value else ""

    def to_label(self) -> str:
        return str(DesignationStatus(self.to_value).label)

"""After an activity: attendance and opinions (art. 12(1), 13(1)), fees (art. 12(2)), and the
recommendations of a seminar (art. 5(3))."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.activities.choices import AttendanceStatus, Source
from zhiku.activities.models.activities import Activity
from zhiku.core.models import Transition
from zhiku.experts.models import Expert


class Attendance(models.Model):
    """Whether a confirmed expert took part, and their opinion or report if any."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="attendance")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="attendance_records")
    source = models.CharField(_("产生方式"), max_length=16, choices=Source.choices)
    status = models.CharField(_("出席情况"), max_length=16, choices=AttendanceStatus.choices)
    opinion = models.TextField(_("意见或报告"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        ordering = ["activity", "pk"]
        verbose_name = _("出席情况")
        constraints = [
            models.UniqueConstraint(fields=["activity", "expert"], name="attendance_once"),
        ]
        # The exits issue counts each expert's unexcused absences (art. 8(6)).
        indexes = [models.Index(fields=["expert", "status"], name="attendance_expert_status")]

    def __str__(self) -> str:
        return f"{self.activity} {self.expert_id} {self.status}"


class AttendanceChange(Transition):
    """Attendance recorded or corrected."""

    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="changes")

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("出席情况变更")

    def __str__(self) -> str:
        return f"{self.attendance} {self.from_value}→{self.to_value}"


class Fee(models.Model):
    """A fee paid to an expert for an activity (劳动报酬). A mistaken entry is marked removed with
    a reason, never deleted."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="fees")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="fees")
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("支付日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    removed_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = _("劳动报酬")
        verbose_name_plural = _("劳动报酬")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="fee_amount_positive"),
        ]
        indexes = [models.Index(fields=["paid_on", "expert"], name="fee_paid_on_expert")]

    def __str__(self) -> str:
        return f"{self.activity} {self.expert_id} {self.amount}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Recommendation(models.Model):
    """A recommendation of a seminar (座谈研讨, art. 5(3)), recorded on its activity."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="recommendations")
    text = models.TextField(_("建议"))
    experts = models.ManyToManyField(
        Expert, blank=True, related_name="recommendations", verbose_name=_("提出专家")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("研讨建议")
        verbose_name_plural = _("研讨建议")

    def __str__(self) -> str:
        return self.text[:40]

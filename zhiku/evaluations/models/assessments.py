"""Periodic assessment (考核): per expert, the period's means, services, attendance and training,
with the grade staff give; frozen once confirmed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.core.models import Transition
from zhiku.evaluations.choices import AssessmentStatus, Dimension, ExitReview, Grade
from zhiku.experts.models import Expert

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Assessment(models.Model):
    """An assessment of one period, with the scale, weights and thresholds frozen when run."""

    title = models.CharField(_("考核名称"), max_length=200)
    period_start = models.DateField(_("考核期起"))
    period_end = models.DateField(_("考核期止"))
    status = models.CharField(
        _("状态"), max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    # Frozen when the assessment is run: a later change of the parameters never alters it.
    scale_max = models.PositiveSmallIntegerField(_("满分"))
    weights = models.JSONField(_("各维度权重"))
    thresholds = models.JSONField(_("等次分数线"))
    parameters_on = models.DateField(_("参数取值日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    computed_at = models.DateTimeField(_("计算时间"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("考核")
        verbose_name_plural = _("考核")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="assessment_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == AssessmentStatus.DRAFT

    @property
    def is_confirmed(self) -> bool:
        return self.status == AssessmentStatus.CONFIRMED


class AssessmentChange(Transition):
    """An assessment run, confirmed or withdrawn."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="changes")

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("考核状态变更")

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.from_value}→{self.to_value}"


def _mean(label: StrOrPromise) -> models.DecimalField:
    return models.DecimalField(label, max_digits=6, decimal_places=2, null=True, blank=True)


class AssessmentResult(models.Model):
    """One expert's result in an assessment: what was on record when it was computed, and the
    grade staff gave. Once the assessment is confirmed nothing here changes but the exit
    review and the expert's responses."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="results")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assessment_results")
    evaluations = models.PositiveIntegerField(_("评价次数"), default=0)
    services = models.PositiveIntegerField(_("参加活动（出席）次数"), default=0)
    excused = models.PositiveIntegerField(_("请假缺席次数"), default=0)
    unexcused = models.PositiveIntegerField(_("无故缺席次数"), default=0)
    attendance_rate = models.DecimalField(
        _("出席率（%）"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    trainings_invited = models.PositiveIntegerField(_("受邀培训次数"), default=0)
    trainings_attended = models.PositiveIntegerField(_("参加培训次数"), default=0)
    mean_attitude = _mean(_("工作态度"))
    mean_professional = _mean(_("专业水平"))
    mean_knowledge = _mean(_("知识面"))
    mean_expression = _mean(_("表达能力"))
    overall = _mean(_("总评"))
    percent = models.DecimalField(
        _("折合百分制"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    suggested_grade = models.CharField(
        _("按分数线的等次"), max_length=16, choices=Grade.choices, blank=True
    )
    grade = models.CharField(_("考核等次"), max_length=16, choices=Grade.choices, blank=True)
    remarks = models.TextField(_("考核意见"), blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    # An expert assessed 不合格: what staff decided about an exit (art. 8(3) or 8(8)).
    exit_review = models.CharField(
        _("出库研究"), max_length=16, choices=ExitReview.choices, blank=True
    )
    exit_review_note = models.TextField(_("研究意见"), blank=True)
    exit_review_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exit_review_at = models.DateTimeField(_("研究时间"), null=True, blank=True)
    exit_case = models.ForeignKey(
        "exits.ExitCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("出库案件"),
    )

    class Meta:
        ordering = ["assessment", "expert__pool_number", "pk"]
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "expert"], name="assessment_result_once"),
        ]
        indexes = [models.Index(fields=["grade", "exit_review"], name="result_grade_review")]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.expert_id}"

    def means(self) -> list[tuple[str, object]]:
        return [(str(d.label), getattr(self, f"mean_{d.value}")) for d in Dimension]


class AssessmentResponse(models.Model):
    """A written response of the expert to their confirmed result (kept, never changed)."""

    result = models.ForeignKey(AssessmentResult, on_delete=models.PROTECT, related_name="responses")
    text = models.TextField(_("书面回应"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("专家对考核结果的书面回应")

    def __str__(self) -> str:
        return f"{self.result_id} {self.submitted_at:%Y-%m-%d}"

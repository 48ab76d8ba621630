"""Evaluation (评价, art. 11): one expert's work in one activity, scored on four dimensions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.activities.models import Activity
from zhiku.evaluations.choices import DIMENSIONS
from zhiku.experts.models import Expert


class Evaluation(models.Model):
    """The scores staff gave an expert who attended an activity, on the scale then in force."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="evaluations")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="evaluations")
    attitude = models.PositiveSmallIntegerField(_("工作态度"))
    professional = models.PositiveSmallIntegerField(_("专业水平"))
    knowledge = models.PositiveSmallIntegerField(_("知识面"))
    expression = models.PositiveSmallIntegerField(_("表达能力"))
    # The scale the scores are on (the parameter evaluation_scale_max on the day first scored).
    scale_max = models.PositiveSmallIntegerField(_("满分"))
    comment = models.TextField(_("评语"), blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(_("评分时间"))

    class Meta:
        ordering = ["activity", "expert__pool_number", "pk"]
        verbose_name = _("专家评价")
        verbose_name_plural = _("专家评价")
        constraints = [
            models.UniqueConstraint(fields=["activity", "expert"], name="evaluation_once"),
            models.CheckConstraint(
                condition=models.Q(
                    attitude__gte=1, professional__gte=1, knowledge__gte=1, expression__gte=1
                ),
                name="evaluation_scores_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} {self.expert_id}"

    def scores(self) -> dict[str, int]:
        return {d: int(getattr(self, d)) for d in DIMENSIONS}

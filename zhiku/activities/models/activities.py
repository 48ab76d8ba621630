"""Activities (活动), the organisations they involve, their changes, and organisation aliases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.activities.choices import ActivityKind, ActivityStatus, OrganisationRole
from zhiku.core.models import Transition


class Activity(models.Model):
    """One use of experts (art. 2, 14): what, when, where, for whom, and how many experts."""

    kind = models.CharField(_("活动类型"), max_length=24, choices=ActivityKind.choices)
    title = models.CharField(_("活动名称"), max_length=200)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    place = models.CharField(_("地点"), max_length=200)
    experts_needed = models.PositiveSmallIntegerField(_("所需专家人数"))
    note = models.TextField(_("说明"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="activities", verbose_name=_("负责工作人员")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        # Recusal looks for other activities whose dates overlap or come shortly before.
        indexes = [models.Index(fields=["start_date", "end_date"], name="activity_dates")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="activity_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == ActivityStatus.OPEN

    def commissioning_units(self) -> list[str]:
        return [
            o.name for o in self.organisations.all() if o.role == OrganisationRole.COMMISSIONING
        ]

    def assessed_units(self) -> list[str]:
        return [o.name for o in self.organisations.all() if o.role == OrganisationRole.ASSESSED]


class InvolvedOrganisation(models.Model):
    """An organisation an activity involves: its experts' (past) staff must recuse."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="organisations")
    role = models.CharField(_("角色"), max_length=16, choices=OrganisationRole.choices)
    name = models.CharField(_("单位名称"), max_length=128)

    class Meta:
        ordering = ["role", "pk"]
        verbose_name = _("活动涉及单位")

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.name}"


class ActivityChange(Transition):
    """An activity created or closed."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="changes")

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("活动状态变更")

    def __str__(self) -> str:
        return f"{self.activity} {self.from_value}→{self.to_value}"

    def from_label(self) -> str:
        return str(ActivityStatus(self.from_value).label) if self.from_value else ""

    def to_label(self) -> str:
        return str(ActivityStatus(self.to_value).label)


class OrganisationAlias(models.Model):
    """Another name of an organisation, kept by staff so that recusal finds it under both."""

    alias = models.CharField(_("别名"), max_length=128)
    canonical = models.CharField(_("规范名称"), max_length=128)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"))

    class Meta:
        ordering = ["canonical", "alias"]
        verbose_name = _("单位别名")
        constraints = [
            models.UniqueConstraint(fields=["alias", "canonical"], name="alias_once"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.canonical}"

"""Training (培训, art. 10): sessions, their materials, the experts invited and who attended."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.core.models import StoredFile, Transition
from zhiku.evaluations.choices import EmailStatus, TrainingAttendance, TrainingStatus, TrainingTopic
from zhiku.experts.models import Expert


class TrainingSession(models.Model):
    """A training session: its topic, when and where (or the online link), and its materials."""

    topic = models.CharField(_("培训内容"), max_length=16, choices=TrainingTopic.choices)
    title = models.CharField(_("培训名称"), max_length=200)
    description = models.TextField(_("培训说明"), blank=True)
    date = models.DateField(_("培训日期"))
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    end_time = models.TimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("培训地点"), max_length=200, blank=True)
    online_link = models.URLField(_("线上参加链接"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=TrainingStatus.choices, default=TrainingStatus.SCHEDULED
    )
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(place="", online_link=""), name="training_place_or_link"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.status == TrainingStatus.CANCELLED


class TrainingChange(Transition):
    """A session planned, held (its attendance first recorded) or cancelled."""

    session = models.ForeignKey(TrainingSession, on_delete=models.PROTECT, related_name="changes")

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("培训状态变更")

    def __str__(self) -> str:
        return f"{self.session_id} {self.from_value}→{self.to_value}"


class TrainingMaterial(models.Model):
    """A file of a session (slides, a reading), stored as core keeps uploads: typed, encrypted.
    Removed with a reason, never deleted."""

    session = models.ForeignKey(TrainingSession, on_delete=models.PROTECT, related_name="materials")
    file = models.OneToOneField(StoredFile, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("说明"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("上传时间"))
    removed_at = models.DateTimeField(_("撤下时间"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_reason = models.CharField(_("撤下原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = _("培训资料")
        verbose_name_plural = _("培训资料")

    def __str__(self) -> str:
        return self.file.original_name

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class TrainingInvitee(models.Model):
    """An expert invited to a session (by e-mail), and whether they attended."""

    session = models.ForeignKey(TrainingSession, on_delete=models.PROTECT, related_name="invitees")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="trainings")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(_("邀请时间"))
    email_status = models.CharField(_("邮件"), max_length=16, choices=EmailStatus.choices)
    attendance = models.CharField(
        _("出席情况"), max_length=16, choices=TrainingAttendance.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), null=True, blank=True)

    class Meta:
        ordering = ["session", "expert__pool_number", "pk"]
        verbose_name = _("培训邀请")
        verbose_name_plural = _("培训邀请")
        constraints = [
            models.UniqueConstraint(fields=["session", "expert"], name="training_invited_once"),
        ]
        indexes = [models.Index(fields=["expert", "attendance"], name="training_expert_attendance")]

    def __str__(self) -> str:
        return f"{self.session_id} {self.expert_id}"

"""Shared records: the append-only, hash-chained audit trail."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditTrailIsAppendOnly(Exception):
    """Raised when code tries to change or remove an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditTrailIsAppendOnly("审计日志只能追加，不能修改。")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("审计日志只能追加，不能删除。")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[AuditEntry]:
        raise AuditTrailIsAppendOnly("审计日志只能通过 log_action 逐条追加。")


class AuditEntry(models.Model):
    """One recorded action. Each entry carries the hash of its content and of the entry before it."""

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise AuditTrailIsAppendOnly("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("审计日志只能追加，不能删除。")

    def content(self) -> dict[str, Any]:
        """Return what the hash covers, in a form that is stable across databases."""
        return {
            "seq": self.seq,
            "at": self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "ip": self.ip or "",
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "changes": self.changes,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(
            self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditHead(models.Model):
    """A single row locked by every writer so that entries chain one after another."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class WorkdayKind(models.TextChoices):
    HOLIDAY = "holiday", _("休息日（法定节假日）")
    WORKDAY = "workday", _("调休上班")


class WorkdayOverride(models.Model):
    """A date staff entered against the weekday rule: a holiday or a make-up working day."""

    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=WorkdayKind.choices)
    note = models.CharField(_("依据"), max_length=200)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("录入时间"))

    class Meta:
        ordering = ["day"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """A year of the working-day calendar that staff have entered in full."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    complete = models.BooleanField(_("已录入完整"), default=False)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("设置时间"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")

    def __str__(self) -> str:
        return str(self.year)


class CalendarChange(models.Model):
    """A row for every change to the working-day calendar: from, to, who, when, why."""

    class Kind(models.TextChoices):
        DAY_SET = "day_set", _("调整日期")
        YEAR_COMPLETED = "year_completed", _("确认年度完整")
        YEAR_REOPENED = "year_reopened", _("撤销年度完整")

    kind = models.CharField(_("变更类型"), max_length=32, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年份"), db_index=True)
    day = models.DateField(_("日期"), null=True, blank=True)
    from_value = models.CharField(_("变更前"), max_length=16, blank=True)
    to_value = models.CharField(_("变更后"), max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    reason = models.CharField(_("依据"), max_length=200)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("工作日历变更记录")
        verbose_name_plural = _("工作日历变更记录")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day or self.year}"

    def _label(self, value: str) -> str:
        if self.kind == self.Kind.DAY_SET:
            if value in WorkdayKind.values:
                return str(WorkdayKind(value).label)
            return str(_("无调整（按星期）"))
        return str(_("已录入完整")) if value else str(_("未确认完整"))

    def from_label(self) -> str:
        return self._label(self.from_value)

    def to_label(self) -> str:
        return self._label(self.to_value)


class PolicyChange(models.Model):
    """A new value of one policy setting, in force from ``effective_from`` until the next one."""

    key = models.CharField(_("参数"), max_length=64, db_index=True)
    value = models.JSONField(_("新值"))
    effective_from = models.DateField(_("生效日期"))
    reason = models.TextField(_("原因"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("设置时间"))

    class Meta:
        ordering = ["key", "-effective_from", "-id"]
        verbose_name = _("政策参数变更")
        verbose_name_plural = _("政策参数变更")

    def __str__(self) -> str:
        return f"{self.key} = {self.value}（{self.effective_from.isoformat()} 起）"

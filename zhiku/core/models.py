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
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, db_index=True)
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
        """Return what the hash covers, in a form that is stable across databases.

        The request id came later than the first entries: it is covered when there is one, so
        entries written before it hash as they always did.
        """
        content = {
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
        if self.request_id:
            content["request_id"] = self.request_id
        return content

    def compute_hash(self) -> str:
        canonical = json.dumps(
            self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditSubject(models.Model):
    """Another record an audit entry is about, beside its one object: each expert of an export
    with full numbers, say. Indexed, so "who saw this person's data" is one lookup.

    Written only by :func:`zhiku.core.audit.log_action` with the entry; the entry's ``data``
    carries how many subjects it has, so the hash chain covers their number.
    """

    entry = models.ForeignKey(AuditEntry, on_delete=models.PROTECT, related_name="subjects")
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_subject_object")]
        verbose_name = _("审计日志涉及对象")
        verbose_name_plural = _("审计日志涉及对象")

    def __str__(self) -> str:
        return f"#{self.entry_id} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """A single row locked by every writer so that entries chain one after another."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class Transition(models.Model):
    """One change of state: from, to, who, when, why. Every workflow's change rows take this shape.

    Rows are written only through :func:`zhiku.core.transitions.transition_record`, which writes
    the row and its audit entry together. Subclasses add what the change is about (the expert,
    the account, the day) and may narrow ``from_value``/``to_value`` (choices, JSON).
    """

    from_value = models.CharField(_("变更前"), max_length=64, blank=True)
    to_value = models.CharField(_("变更后"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("原因"), blank=True)

    # The key under which the audit entry records [from, to] unless the caller says otherwise.
    audit_field = "value"

    class Meta:
        abstract = True
        ordering = ["-at", "-id"]


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


class CalendarChange(Transition):
    """A change to the working-day calendar: a day set or cleared, a year declared complete."""

    class Kind(models.TextChoices):
        DAY_SET = "day_set", _("调整日期")
        YEAR_COMPLETED = "year_completed", _("确认年度完整")
        YEAR_REOPENED = "year_reopened", _("撤销年度完整")

    kind = models.CharField(_("变更类型"), max_length=32, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年份"), db_index=True)
    day = models.DateField(_("日期"), null=True, blank=True)

    class Meta(Transition.Meta):
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


class ParameterChange(Transition):
    """A new value of one parameter, in force from ``effective_on`` until the next one."""

    key = models.CharField(_("参数"), max_length=64, db_index=True)
    # The value in force on ``effective_on`` before this change (None: not recorded) and after.
    from_value = models.JSONField(_("变更前"), null=True, blank=True)  # type: ignore[assignment]
    to_value = models.JSONField(_("新值"))
    effective_on = models.DateField(_("生效日期"))

    class Meta(Transition.Meta):
        ordering = ["key", "-effective_on", "-id"]
        verbose_name = _("政策参数变更")
        verbose_name_plural = _("政策参数变更")

    def __str__(self) -> str:
        return f"{self.key} = {self.to_value}（{self.effective_on.isoformat()} 起）"

    @property
    def value(self) -> object:
        return self.to_value


class StoredFile(models.Model):
    """An uploaded file, kept encrypted under a random name outside the web root.

    Written only by :func:`zhiku.core.uploads.stored_file_create`: its type is read from the
    content (PDF, JPEG or PNG), its name kept only as display text, its bytes encrypted with the
    keys of ``ZHIKU_FIELD_KEYS``. Which app it belongs to, and who may see it, is the app's
    business: an app's view checks its own rule before serving it.
    """

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        JPEG = "jpeg", "JPEG"
        PNG = "png", "PNG"

    id = models.UUIDField(primary_key=True, editable=False)
    purpose = models.CharField(_("用途"), max_length=64, db_index=True)
    original_name = models.CharField(_("文件名"), max_length=120)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"))
    # Set when the bytes were deleted under a retention rule; the row stays as the record.
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("上传文件")
        verbose_name_plural = _("上传文件")

    def __str__(self) -> str:
        return self.original_name

    @property
    def content_type(self) -> str:
        return {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}[self.kind]

    @property
    def is_image(self) -> bool:
        return self.kind in (self.Kind.JPEG, self.Kind.PNG)

    @property
    def relative_path(self) -> str:
        """Where the encrypted bytes lie below the upload root: a random name, never the upload's."""
        return f"{self.id.hex[:2]}/{self.id.hex}.bin"

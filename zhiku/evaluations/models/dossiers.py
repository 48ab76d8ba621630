"""Producing the dossiers of the whole pool: one background run, one archive, served once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.evaluations.choices import BatchStatus


class DossierBatch(models.Model):
    """A run producing every dossier of the pool into one zip, for the staff member who asked.

    The archive lies outside anything served and is deleted after its one download, or
    ``DOSSIER_ARCHIVE_HOURS`` after it was made when nobody fetches it.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(
        _("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("专家人数"), default=0)
    done = models.PositiveIntegerField(_("已生成"), default=0)
    pages = models.PositiveIntegerField(_("总页数"), default=0)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    # Touched by the worker as it goes: a running batch with no news for a while lost its
    # worker (dossier_batches_fail_stalled, in run_deadlines, marks it failed).
    heartbeat_at = models.DateTimeField(_("最近进展时间"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    archive = models.CharField(max_length=200, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    error = models.TextField(_("错误"), blank=True)
    downloaded_at = models.DateTimeField(_("下载时间"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("综合考核档案批量生成")

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)

"""A dossier batch whose worker died does not stay 生成中: run_deadlines marks it failed, and the
member of staff who asked can ask again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from zhiku.accounts.models import User
from zhiku.core.audit import verify_chain
from zhiku.core.models import AuditEntry
from zhiku.evaluations import services
from zhiku.evaluations.choices import BatchStatus
from zhiku.evaluations.errors import DossierError
from zhiku.evaluations.models import DossierBatch
from zhiku.evaluations.plugin import _deadlines
from zhiku.evaluations.services.dossiers import dossier_batches_fail_stalled
from zhiku.experts.tests.factories import make_expert

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)
MINUTES = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def exporter(make_user: Any) -> User:
    make_expert(pool_number="GDQ-2026-0001")
    user: User = make_user("staff", username="exporter", rights=("export_data",))
    return user


def _died_at(exporter: User, at: dt.datetime) -> DossierBatch:
    """A batch whose worker was killed halfway: running, last news at ``at``."""
    batch = services.dossier_batch_start(actor=exporter, now=at)
    DossierBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, started_at=at, heartbeat_at=at, done=1
    )
    batch.refresh_from_db()
    return batch


def test_a_batch_without_progress_for_the_timeout_is_failed_and_may_be_asked_again(
    exporter: User,
) -> None:
    batch = _died_at(exporter, NOW - 31 * MINUTES)
    with pytest.raises(DossierError, match="尚未完成"):
        services.dossier_batch_start(actor=exporter, now=NOW)

    failed = dossier_batches_fail_stalled(now=NOW, stalled_after=30 * MINUTES)

    assert [b.pk for b in failed] == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and batch.finished_at == NOW
    assert "30 分钟没有进展" in batch.error and batch.deleted_at == NOW
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None and entry.action == "evaluations.dossier_batch.stalled"
    assert dossier_batches_fail_stalled(now=NOW, stalled_after=30 * MINUTES) == []
    assert verify_chain().ok
    again = services.dossier_batch_start(actor=exporter, now=NOW)
    assert again.pk != batch.pk and again.status == BatchStatus.QUEUED


def test_a_batch_with_recent_progress_is_left_running(exporter: User) -> None:
    batch = _died_at(exporter, NOW - 29 * MINUTES)
    assert dossier_batches_fail_stalled(now=NOW, stalled_after=30 * MINUTES) == []
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING


def test_the_deadline_step_reads_the_timeout_parameter(exporter: User) -> None:
    batch = _died_at(exporter, NOW - 45 * MINUTES)
    assert list(_deadlines(NOW - 16 * MINUTES)) == []  # 29 minutes after the last news
    lines = list(_deadlines(NOW))
    assert any(f"第 {batch.pk} 号" in line and "30 分钟" in line for line in lines), lines

"""The dossier (综合考核档案) as a PDF, for staff holding 导出数据, audited; and the dossiers of
the whole pool in one background run that writes one archive.

The archive (a zip of one PDF per expert of the pool) is built in a private temporary file,
then kept encrypted in the working storage (``dossiers/``, under a random name; never served
directly, shared by every application server) and served once, decrypted, to the member of
staff who asked for it: the download deletes it. One nobody fetches is deleted
``ARCHIVE_HOURS`` hours after it was made (``dossier_archives_purge``, run by
``manage.py run_deadlines`` and whenever a run starts).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zipfile
import zlib
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core import files
from zhiku.core.audit import log_action
from zhiku.core.documents import render_pdf
from zhiku.core.permissions import EXPORTER
from zhiku.evaluations.choices import BatchStatus
from zhiku.evaluations.errors import DossierError
from zhiku.evaluations.models import DossierBatch
from zhiku.evaluations.selectors.assessments import IN_POOL
from zhiku.evaluations.selectors.dossier import dossier_of
from zhiku.experts.models import Expert

DOSSIER_TEMPLATE = "evaluations/documents/dossier.html"
ARCHIVE_HOURS = 24
PROGRESS_EVERY = 5
# The page tree's count, in the object streams WeasyPrint (pydyf) compresses.
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b")


def dossier_render(expert: Expert, *, now: dt.datetime | None = None) -> bytes:
    """The dossier of ``expert`` as PDF bytes (no access check: callers check)."""
    return render_pdf(DOSSIER_TEMPLATE, {"d": dossier_of(expert)}, produced_at=now)


def page_count(pdf: bytes) -> int:
    """How many pages a PDF of ours has: the largest /Count of its page trees."""
    parts = [pdf]
    for match in _STREAM.finditer(pdf):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # an image or a font: not compressed with Flate, or not objects
    counts = [int(a or b) for part in parts for a, b in _COUNT.findall(part)]
    return max(counts, default=0)


def dossier_file_name(expert: Expert) -> str:
    """The file name of a dossier: 综合考核档案-<pool number>-<name>.pdf (no path parts)."""
    name = re.sub(r"[\\/:*?\"<>|\s]+", "", expert.name) or str(expert.pk)
    return f"综合考核档案-{expert.pool_number or expert.pk}-{name}.pdf"


@transaction.atomic
def dossier_pdf(*, actor: User, expert: Expert, now: dt.datetime | None = None) -> bytes:
    """Produce one expert's dossier for a member of staff holding 导出数据 (audited)."""
    EXPORTER.require(actor)
    now = now or timezone.now()
    pdf = dossier_render(expert, now=now)
    log_action(
        "evaluations.dossier.exported",
        actor=actor,
        obj=expert,
        data={"pages": page_count(pdf)},
    )
    return pdf


# --- the whole pool --------------------------------------------------------------------------


ARCHIVE_DIR = "dossiers"
# Archives made before they were encrypted at rest ("<hex>.zip"): read as they are.
PLAIN_SUFFIX = ".zip"


def pool_experts() -> Iterator[Expert]:
    return Expert.objects.filter(status__in=IN_POOL).order_by("pool_number", "pk").iterator()


@transaction.atomic
def dossier_batch_start(*, actor: User, now: dt.datetime | None = None) -> DossierBatch:
    """Queue the production of every dossier of the pool for ``actor`` (导出数据)."""
    EXPORTER.require(actor)
    now = now or timezone.now()
    dossier_archives_purge(now=now)
    running = DossierBatch.objects.filter(
        requested_by=actor, status__in=(BatchStatus.QUEUED, BatchStatus.RUNNING)
    ).first()
    if running is not None:
        raise DossierError(
            _("您申请的批量生成（第 %(n)d 号）尚未完成，请等待其完成后再申请。") % {"n": running.pk}
        )
    total = Expert.objects.filter(status__in=IN_POOL).count()
    if not total:
        raise DossierError(_("库中没有专家，无需生成档案。"))
    batch = DossierBatch.objects.create(requested_by=actor, requested_at=now, total=total)
    log_action(
        "evaluations.dossier_batch.requested", actor=actor, obj=batch, data={"experts": total}
    )
    from zhiku.evaluations.tasks import dossier_batch_run_task

    transaction.on_commit(lambda: dossier_batch_run_task.enqueue(batch_id=batch.pk))
    return batch


def dossier_batch_run(*, batch: DossierBatch, now: dt.datetime | None = None) -> DossierBatch:
    """Write every dossier of the pool into one zip (the task's body); progress as it goes."""
    claimed = DossierBatch.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED).update(
        status=BatchStatus.RUNNING, started_at=now or timezone.now(), heartbeat_at=timezone.now()
    )
    batch.refresh_from_db()
    if not claimed:
        return batch  # run already (a task delivered twice)
    batch.archive = f"{uuid.uuid4().hex}.bin"
    batch.total = Expert.objects.filter(status__in=IN_POOL).count()
    batch.save(update_fields=["archive", "total"])
    done = pages = size = 0
    try:
        with files.scratch(suffix=".zip") as built:
            with zipfile.ZipFile(built, "w", zipfile.ZIP_DEFLATED) as zf:
                for expert in pool_experts():
                    pdf = dossier_render(expert, now=now)
                    zf.writestr(dossier_file_name(expert), pdf)
                    done += 1
                    pages += page_count(pdf)
                    if done % PROGRESS_EVERY == 0:
                        DossierBatch.objects.filter(pk=batch.pk).update(
                            done=done, pages=pages, heartbeat_at=timezone.now()
                        )
            size = built.stat().st_size
            with built.open("rb") as plain:
                files.write_encrypted(
                    files.WORKING,
                    archive_name(batch),
                    iter(lambda: plain.read(files.CHUNK), b""),
                    file_id=archive_id(batch),
                )
    except Exception as exc:
        files.delete(files.WORKING, archive_name(batch))
        DossierBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED,
            done=done,
            pages=pages,
            finished_at=timezone.now(),
            error=str(exc)[:500] or exc.__class__.__name__,
            deleted_at=timezone.now(),
        )
        batch.refresh_from_db()
        log_action(
            "evaluations.dossier_batch.failed",
            obj=batch,
            data={"done": done, "error": batch.error},
        )
        raise
    batch.status = BatchStatus.DONE
    batch.done = done
    batch.pages = pages
    batch.size = size
    batch.finished_at = timezone.now()
    batch.save()
    log_action(
        "evaluations.dossier_batch.produced",
        obj=batch,
        data={"experts": done, "pages": pages},
    )
    return batch


def dossier_batches_fail_stalled(
    *, now: dt.datetime, stalled_after: dt.timedelta
) -> list[DossierBatch]:
    """Mark failed every running batch with no progress for ``stalled_after``; return them.

    Its worker died: the archive it was writing is incomplete and deleted. The member of staff
    who asked can ask again (a batch still running would stop them). Called by
    ``run_deadlines``; idempotent.
    """
    minutes = int(stalled_after.total_seconds() // 60)
    stale = DossierBatch.objects.filter(
        status=BatchStatus.RUNNING, heartbeat_at__lt=now - stalled_after
    )
    failed = []
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            batch = stale.select_for_update().filter(pk=pk).first()
            if batch is None:  # finished meanwhile
                continue
            if batch.archive:
                files.delete(files.WORKING, archive_name(batch))
            batch.status = BatchStatus.FAILED
            batch.finished_at = batch.deleted_at = now
            batch.error = _("后台生成已中断（超过 %(m)d 分钟没有进展），请重新申请生成。") % {
                "m": minutes
            }
            batch.save(update_fields=["status", "finished_at", "deleted_at", "error"])
            log_action(
                "evaluations.dossier_batch.stalled",
                obj=batch,
                data={"done": batch.done, "minutes": minutes},
            )
            failed.append(batch)
    return failed


def archive_name(batch: DossierBatch) -> str:
    """The archive's name in the working storage."""
    return f"{ARCHIVE_DIR}/{batch.archive}"


def archive_id(batch: DossierBatch) -> bytes:
    """The id its encryption is bound to: the random part of its name."""
    return uuid.UUID(batch.archive.split(".")[0]).bytes


def archive_chunks(batch: DossierBatch) -> Iterator[bytes]:
    """Yield the archive's bytes (the zip), decrypted."""
    if batch.archive.endswith(PLAIN_SUFFIX):
        return files.read(files.WORKING, archive_name(batch))
    return files.read_decrypted(files.WORKING, archive_name(batch), file_id=archive_id(batch))


def archive_expires_at(batch: DossierBatch) -> dt.datetime | None:
    if batch.finished_at is None:
        return None
    return batch.finished_at + dt.timedelta(hours=ARCHIVE_HOURS)


@transaction.atomic
def dossier_batch_take(*, actor: User, batch: DossierBatch, now: dt.datetime | None = None) -> str:
    """Hand the archive to the member of staff who asked for it, once: the caller streams
    :func:`archive_chunks` and then deletes the stored file whose name this returns. Audited."""
    EXPORTER.require(actor)
    batch = DossierBatch.objects.select_for_update().get(pk=batch.pk)
    now = now or timezone.now()
    if batch.requested_by_id != actor.pk:
        raise DossierError(_("批量生成的档案只提供给申请人本人。"))
    if batch.status != BatchStatus.DONE:
        raise DossierError(_("档案尚未生成完毕。"))
    if batch.downloaded_at is not None:
        raise DossierError(
            _("该压缩包已于 %(t)s 下载，服务器上的文件已删除；如需再次取得，请重新申请生成。")
            % {"t": timezone.localtime(batch.downloaded_at).strftime("%Y-%m-%d %H:%M")}
        )
    expires = archive_expires_at(batch)
    if (
        batch.deleted_at is not None
        or (expires and now >= expires)
        or not files.exists(files.WORKING, archive_name(batch))
    ):
        raise DossierError(
            _("该压缩包已超过保留期限（%(h)d 小时）被删除，请重新申请生成。") % {"h": ARCHIVE_HOURS}
        )
    batch.downloaded_at = now
    batch.deleted_at = now
    batch.save(update_fields=["downloaded_at", "deleted_at"])
    log_action(
        "evaluations.dossier_batch.downloaded",
        actor=actor,
        obj=batch,
        data={"experts": batch.done, "size": batch.size},
    )
    return archive_name(batch)


def dossier_archives_purge(*, now: dt.datetime) -> int:
    """Delete the archives nobody fetched within ``ARCHIVE_HOURS``; return how many."""
    cutoff = now - dt.timedelta(hours=ARCHIVE_HOURS)
    count = 0
    for batch in DossierBatch.objects.filter(
        status=BatchStatus.DONE, deleted_at__isnull=True, finished_at__lt=cutoff
    ):
        files.delete(files.WORKING, archive_name(batch))
        batch.deleted_at = now
        batch.save(update_fields=["deleted_at"])
        log_action("evaluations.dossier_batch.expired", obj=batch, data={"hours": ARCHIVE_HOURS})
        count += 1
    # A file whose download broke off (its batch is marked deleted) or whose run died.
    for stale in files.walk(files.WORKING, ARCHIVE_DIR, unfinished=True):
        if files.older_than(files.WORKING, stale, cutoff):
            files.delete(files.WORKING, stale)
    return count

"""Importing a roster spreadsheet (art. 20): all rows valid or nothing written.

``import_job_create`` checks what unpacking the upload would cost, keeps it encrypted in the
working storage (``imports/``, never served) and queues ``import_job_run``, which reads every row the
sheet holds, validates each with the registry's own rules (identity checks, the model fields'
choices and lengths, the catalogues) and then writes the whole file in one transaction with
bulk inserts. The upload is deleted when the job ends. The accounts it opened are then mailed
their activation links by ``import_job_send_activations``, a few dozen at a time, each batch
recorded in its own short transaction, so the page can tell how many went, failed or wait.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.accounts.services import (
    ActivationResult,
    account_activations_send,
    expert_accounts_create,
)
from zhiku.core import files
from zhiku.core.audit import log_action
from zhiku.core.bulk import bulk_insert, pks_by
from zhiku.core.crashpoints import checkpoint
from zhiku.core.errors import DomainError
from zhiku.core.masking import mask
from zhiku.core.permissions import REVEALER, REVIEWER
from zhiku.experts import crypto, protected, selectors, spreadsheets, tasks
from zhiku.experts.choices import Status
from zhiku.experts.models import (
    ActivationEmail,
    Employment,
    Expert,
    ExpertField,
    ExpertiseField,
    ImportJob,
    Industry,
    StatusChange,
)
from zhiku.experts.services import duplicates
from zhiku.experts.services._common import ExpertError
from zhiku.experts.services.registry import pool_numbers_allocate
from zhiku.experts.spreadsheets import COLUMN_BY_KEY, CellError, SpreadsheetError, archive
from zhiku.experts.spreadsheets import rows as row_checks

logger = logging.getLogger(__name__)

IMPORT_DIR = "imports"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = archive.MAX_ROWS
MAX_LISTED = 500  # errors kept on the job for the page
# Errors kept in memory and marked in the error file; beyond them they are only counted (a
# 20,000-row file wrong in every cell would otherwise hold half a million of them).
MAX_MARKED = 10_000
PROGRESS_EVERY = 500
# Activation e-mails: sent this many at a time, each batch recorded in its own transaction.
EMAIL_BATCH = 50
# Recording a batch when SQLite answers "database is locked": this many tries, pausing longer.
DB_ATTEMPTS = 5
DB_PAUSE = 1.0
# A marked error file holds the upload's numbers in clear: it is kept this long, then deleted.
# So is the upload of a job whose worker died (kept so that the job can be retried).
ERROR_FILE_KEPT = timedelta(days=7)


# Rosters and their marked error files hold identity and mobile numbers in clear: they are kept
# encrypted (ZHIKU_FIELD_KEYS) in the working storage, as "<folder>/<uuid hex>.xlsx.bin", the
# encryption bound to the uuid, and read through a private temporary copy. A name without
# ENCRYPTED is a file kept before that (a week at most), read as it stands.
ENCRYPTED = ".bin"


def media_path(relative: str) -> Path:
    """Where a kept file lies with the default local storage (tests look there)."""
    return Path(settings.MEDIA_ROOT) / relative


def _delete(relative: str) -> None:
    files.delete(files.WORKING, relative)


def _keep(relative: str, source: Path) -> None:
    """Store the local file ``source`` encrypted as ``relative``."""
    with source.open("rb") as plain:
        files.write_encrypted(
            files.WORKING,
            relative,
            iter(lambda: plain.read(files.CHUNK), b""),
            file_id=_file_id(relative),
        )


def _file_id(relative: str) -> bytes:
    return uuid.UUID(PurePosixPath(relative).name.split(".")[0]).bytes


def kept_chunks(relative: str) -> Iterator[bytes]:
    """Yield the plaintext of a kept roster or error file."""
    if not relative.endswith(ENCRYPTED):
        return files.read(files.WORKING, relative)
    return files.read_decrypted(files.WORKING, relative, file_id=_file_id(relative))


@contextmanager
def local_copy(relative: str) -> Iterator[Path]:
    """Give a private temporary path holding the plaintext of a kept file (openpyxl reads a
    path, and judges it by its extension); deleted afterwards."""
    plain = relative.removesuffix(ENCRYPTED)
    with files.scratch(suffix=PurePosixPath(plain).suffix) as path:
        with path.open("wb") as out:
            for chunk in kept_chunks(relative):
                out.write(chunk)
        yield path


# .xlsm is an .xlsx that may carry macros: only its values are read, its macros never run
# (openpyxl does not execute anything, and drops the macros when it reads).
SUFFIXES = (".xlsx", ".xlsm")


@transaction.atomic
def import_job_create(
    *,
    actor: User,
    upload: UploadedFile,
    admit_on: date | None,
    skip_existing: bool = False,
) -> ImportJob:
    """Keep an uploaded roster out of any public URL and queue its import.

    An archive that would unpack to more than the import reads (a "zip bomb") is refused here,
    from its table of contents, before anything is parsed. With ``skip_existing`` the rows of
    people already in the pool (by identity number) are left out and listed, and the rest
    imported; without it such a row refuses the file like any error.
    """
    REVIEWER.require(actor)
    name = Path(upload.name or "").name[:200]
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ExpertError(
            _(
                "只接受 .xlsx 或 .xlsm 文件（Excel 2007 及以上格式）；"
                ".xls 或 .csv 请先用 Excel 另存为 .xlsx。"
            )
        )
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ExpertError(_("文件超过 20 MB，请分成几个文件上传。"))
    if not upload.size:
        raise ExpertError(_("上传的文件是空的（0 字节）。"))
    relative = f"{IMPORT_DIR}/{uuid.uuid4().hex}{suffix}"
    relative += ENCRYPTED
    # Checked in a private temporary file; kept only encrypted.
    with files.scratch(suffix=PurePosixPath(relative.removesuffix(ENCRYPTED)).suffix) as path:
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            archive.archive_check(path)
        except archive.ArchiveRefused as exc:
            raise ExpertError(str(exc)) from None
        _keep(relative, path)
    try:
        import_files_purge(before=timezone.now() - ERROR_FILE_KEPT)
        job = _queue(actor, name, relative, admit_on, upload.size, skip_existing=skip_existing)
    except BaseException:
        _delete(relative)
        raise
    return job


def _queue(
    actor: User,
    name: str,
    relative: str,
    admit_on: date | None,
    size: int | None,
    *,
    skip_existing: bool = False,
) -> ImportJob:
    job = ImportJob.objects.create(
        created_by=actor,
        created_at=timezone.now(),
        file_name=name,
        stored_file=relative,
        admit=admit_on is not None,
        admit_on=admit_on,
        skip_existing=skip_existing,
    )
    log_action(
        "experts.import.started",
        actor=actor,
        obj=job,
        data={
            "file": name,
            "size": size,
            "admit": admit_on is not None,
            "skip_existing": skip_existing,
        },
    )
    transaction.on_commit(lambda: tasks.import_job_run_task.enqueue(job_id=job.pk))
    return job


def import_files_rotate() -> int:
    """Re-encrypt every kept roster and error file under the current key; return how many.

    Part of ``manage.py experts_rotate_keys``; safe to run twice and to interrupt.
    """
    count = 0
    for stored, error_file in ImportJob.objects.values_list("stored_file", "error_file"):
        for relative in (stored, error_file):
            if relative.endswith(ENCRYPTED) and files.exists(files.WORKING, relative):
                files.rotate_encrypted(files.WORKING, relative)
                count += 1
    return count


def import_files_purge(*, before: datetime) -> int:
    """Delete the marked error files of jobs that ended before ``before``; return how many.

    Called whenever an import starts and by ``manage.py experts_purge_import_files``. The
    upload kept for a retry of a job whose worker died goes at the same age.
    """
    count = 0
    for job in ImportJob.objects.exclude(error_file="").filter(finished_at__lt=before):
        _delete(job.error_file)
        ImportJob.objects.filter(pk=job.pk).update(error_file="")
        count += 1
    kept = ImportJob.objects.filter(status=ImportJob.Status.FAILED, finished_at__lt=before)
    for job in kept.exclude(stored_file=""):
        _delete(job.stored_file)
        ImportJob.objects.filter(pk=job.pk).update(stored_file="")
    return count


@transaction.atomic
def import_error_file_open(*, actor: User, job: ImportJob, now: datetime) -> Iterator[bytes]:
    """Give a job's marked error file, decrypted as it is read, to its uploader; audited (it
    holds numbers)."""
    if job.created_by_id != actor.pk or not job.error_file:
        raise ExpertError(_("没有可下载的错误文件。"))
    expired = job.finished_at is not None and job.finished_at < now - ERROR_FILE_KEPT
    if expired:
        import_files_purge(before=now - ERROR_FILE_KEPT)
    if expired or not files.exists(files.WORKING, job.error_file):
        raise ExpertError(_("错误文件已过保存期限被删除，请重新上传原文件以再次校验。"))
    log_action(
        "experts.import.error_file_downloaded",
        actor=actor,
        obj=job,
        data={"file": job.file_name, "errors": job.error_count},
    )
    return kept_chunks(job.error_file)


# --- writing --------------------------------------------------------------------------------


def _write(job: ImportJob, rows: list[row_checks.Row], actor: User) -> None:
    """Write every row, its account, fields, industries and status row: called in one transaction."""
    now = timezone.now()
    today = timezone.localdate(now)
    reason = _("批量导入（导入任务 #%(id)d，文件 %(f)s）") % {"id": job.pk, "f": job.file_name}
    admitted = _("批量导入并直接入库（导入任务 #%(id)d，文件 %(f)s）") % {
        "id": job.pk,
        "f": job.file_name,
    }
    user_of = expert_accounts_create(
        actor=actor,
        people=[(r.profile["email"], r.profile["name"]) for r in rows if r.profile["email"]],
        reason=reason,
    )
    numbers = (
        pool_numbers_allocate(year=job.admit_on.year, count=len(rows))
        if job.admit_on and rows
        else []
    )
    status = Status.ACTIVE if job.admit_on else Status.APPLICANT
    bulk_insert(
        Expert,
        [
            {
                **r.profile,
                "user_id": user_of.get(r.profile["email"].lower()),
                "import_job_id": job.pk,
                "status": status,
                # Admitted without the art. 6 check item by item: 存量导入（未逐项核验）.
                "legacy_import": job.admit_on is not None,
                "pool_number": numbers[i] if numbers else None,
                "id_number_token": crypto.encrypt(r.id_number),
                "id_number_hash": r.id_hash,
                "id_number_masked": protected.mask_id_number(r.id_number),
                "mobile_token": crypto.encrypt(r.mobile),
                "mobile_hash": r.mobile_hash,
                "mobile_masked": mask(r.mobile),
                "created_at": now,
                "updated_at": now,
            }
            for i, r in enumerate(rows)
        ],
    )
    expert_of = pks_by(Expert, "id_number_hash", [r.id_hash for r in rows])
    links: list[dict[str, Any]] = []
    industry_links: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for r in rows:
        pk = expert_of[r.id_hash]
        links.append({"expert_id": pk, "field_id": r.primary_field, "is_primary": True})
        links.extend({"expert_id": pk, "field_id": f, "is_primary": False} for f in r.other_fields)
        industry_links.extend({"expert_id": pk, "industry_id": i} for i in r.industries)
        # An imported roster's members enter the pool directly: one row, from nothing to active.
        changes.append(
            {
                "expert_id": pk,
                "from_value": "",
                "to_value": status,
                "actor_id": actor.pk,
                "at": now,
                "effective_on": job.admit_on or today,
                "reason": admitted if job.admit_on else reason,
            }
        )
    bulk_insert(ExpertField, links)
    bulk_insert(Expert.industries.through, industry_links)
    bulk_insert(StatusChange, changes)
    bulk_insert(
        Employment,
        [
            {
                "expert_id": expert_of[r.id_hash],
                "organisation": p.organisation,
                "start": p.start,
                "end": p.end,
                "in_field": p.in_field,
            }
            for r in rows
            for p in r.employment
        ],
    )
    job.created_count = len(rows)
    job.account_count = len(user_of)
    job.no_email_count = len(rows) - len(user_of)
    # One e-mail owed per account, sent after the commit (import_job_send_activations).
    bulk_insert(
        ActivationEmail, [{"job_id": job.pk, "user_id": pk} for pk in sorted(user_of.values())]
    )
    job.email_state = ImportJob.EmailState.QUEUED if user_of else ImportJob.EmailState.NONE
    job.email_updated_at = now if user_of else None
    job.first_pool_number = numbers[0] if numbers else ""
    job.last_pool_number = numbers[-1] if numbers else ""


# --- running a job --------------------------------------------------------------------------


def _finish(job: ImportJob, status: str, **fields: Any) -> None:
    job.status = status
    job.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    _delete(job.stored_file)
    job.stored_file = ""
    job.save()


@dataclass
class _Errors:
    """The errors of one file: the first MAX_MARKED kept, all counted, the rows they are in."""

    kept: list[CellError] = field(default_factory=list)
    count: int = 0
    rows: set[int] = field(default_factory=set)

    def add(self, errors: list[CellError]) -> None:
        self.count += len(errors)
        self.rows.update(e.row for e in errors)
        room = MAX_MARKED - len(self.kept)
        if room > 0:
            self.kept.extend(errors[:room])


def catalogue_labels() -> tuple[list[str], list[str]]:
    """Return the active fields and industries as the template's drop-down lists show them."""
    fields = [
        f"{f.code} {f.name}" for f in ExpertiseField.objects.filter(is_active=True).order_by("code")
    ]
    industries = [f"{i.code} {i.name}" for i in Industry.objects.filter(is_active=True)]
    return fields, industries


def _marked_file(job: ImportJob, errors: list[CellError], skipped: list[int]) -> str:
    """Write the marked copy of the job's upload; return its relative path ("" if it failed)."""
    relative = f"{IMPORT_DIR}/errors/{uuid.uuid4().hex}.xlsx{ENCRYPTED}"
    fields, industries = catalogue_labels()
    try:
        with local_copy(job.stored_file) as source, files.scratch(suffix=".xlsx") as path:
            spreadsheets.marked_copy(
                source,
                errors,
                path,
                fields=fields,
                industries=industries,
                skipped=skipped,
            )
            _keep(relative, path)
    except SpreadsheetError:
        logger.exception("import job %s: no marked copy", job.pk)
        return ""
    return relative


def _reject(
    job: ImportJob,
    actor: User,
    message: str,
    errors: _Errors | None = None,
    skipped: list[int] | None = None,
) -> None:
    errors = errors or _Errors()
    error_file = _marked_file(job, errors.kept, skipped or []) if errors.kept else ""
    order = list(COLUMN_BY_KEY)
    listed = sorted(errors.kept, key=lambda e: (e.row, order.index(e.column)))[:MAX_LISTED]
    with transaction.atomic():
        _finish(
            job,
            ImportJob.Status.REJECTED,
            message=message,
            errors=[e.as_json() for e in listed],
            error_count=errors.count,
            error_rows=len(errors.rows),
            error_file=error_file,
        )
        log_action(
            "experts.import.rejected",
            actor=actor,
            obj=job,
            data={
                "file": job.file_name,
                "rows": job.processed_rows,
                "errors": errors.count,
                "message": message,
            },
        )


def import_job_run(*, job: ImportJob, today: date | None = None) -> ImportJob:
    """Check every row of the job's file; write them all in one transaction, or none.

    Runs in the background (``tasks.import_job_run_task``); progress is saved as it goes so the
    page can show it. A file that cannot be read is refused with the reason (the job is
    未导入（文件有误））; only a fault of the system makes it 未导入（系统错误）. Safe to call
    twice: a job that has already started is left alone.
    """
    now = timezone.now()
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    job.refresh_from_db()
    if not started:
        return job
    actor = job.created_by
    try:
        REVIEWER.require(actor)
    except DomainError as exc:
        _reject(job, actor, str(exc))
        return job
    try:
        with local_copy(job.stored_file) as source:
            return _run(job, actor, today or timezone.localdate(), source)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        job.refresh_from_db()
        with transaction.atomic():
            _finish(
                job,
                ImportJob.Status.FAILED,
                message=_("导入过程中出现系统错误，未写入任何数据。请稍后重试或联系系统管理员。"),
            )
            log_action("experts.import.failed", actor=actor, obj=job, data={"file": job.file_name})
        return job


def _layout_facts(layout: spreadsheets.Layout) -> dict[str, Any]:
    """Where the roster was found, as the job page tells it."""
    return {
        "sheet": layout.sheet,
        "header_row": layout.header_row,
        "ignored": list(layout.ignored),
        "missing": [c.header for c in spreadsheets.COLUMNS if c.key not in layout.positions],
    }


_MASKED_COLUMNS = {
    i: c.key for i, c in enumerate(spreadsheets.COLUMNS) if c.key in ("id_number", "mobile")
}


def _check_row(
    number: int, values: tuple[Any, ...], lookups: row_checks.Lookups
) -> tuple[row_checks.Row | None, list[CellError]]:
    """Check a row; a number masked with "*" (a list exported without the reveal right) is
    refused with what to do, not taken for a typing error."""
    masked = [i for i in _MASKED_COLUMNS if isinstance(values[i], str) and "*" in values[i]]
    if not masked:
        return row_checks.check_row(number, values, lookups)
    clear = tuple(None if i in masked else v for i, v in enumerate(values))
    _row, errors = row_checks.check_row(number, clear, lookups)
    keys = {_MASKED_COLUMNS[i] for i in masked}
    errors = [e for e in errors if e.column not in keys]
    for i in masked:
        errors.append(
            CellError(
                number,
                _MASKED_COLUMNS[i],
                _(
                    "%(what)s是脱敏后的号码（含 *），无法导入。请填写完整号码；本系统导出的名单"
                    "只有持有“查看受保护的个人信息”权限的人员导出时才是完整号码。"
                )
                % {"what": spreadsheets.COLUMN_BY_KEY[_MASKED_COLUMNS[i]].header},
            )
        )
    return None, errors


def _skipped_list(
    rows: list[row_checks.Row], found: duplicates.ImportDuplicates, actor: User
) -> list[dict[str, Any]]:
    """The rows left out as already in the pool: row and name as the file has them, and the
    pool number only for staff who may learn whose number it is."""
    named = REVEALER.allows(actor)
    return [
        {
            "row": r.number,
            "name": r.profile["name"],
            "id_number": protected.mask_id_number(r.id_number),
            "pool_number": (found.existing[r.number].pool_number or "") if named else "",
            "expert": str(found.existing[r.number]) if named else "",
        }
        for r in rows
        if r.number in found.existing
    ]


def _run(job: ImportJob, actor: User, today: date, source: Path) -> ImportJob:
    try:
        upload = spreadsheets.open_upload(source, max_rows=MAX_ROWS)
    except SpreadsheetError as exc:
        _reject(job, actor, str(exc))
        return job
    ImportJob.objects.filter(pk=job.pk).update(total_rows=upload.declared_rows)
    job.layout = _layout_facts(upload.layout)
    ImportJob.objects.filter(pk=job.pk).update(layout=job.layout)
    lookups = row_checks.Lookups.load(today)
    rows: list[row_checks.Row] = []
    errors = _Errors()
    count = 0
    unreadable = ""
    try:
        for number, values in upload.rows:
            count += 1
            row, row_errors = _check_row(number, values, lookups)
            if row is not None:
                rows.append(row)
            if row_errors:
                errors.add(row_errors)
            if count % PROGRESS_EVERY == 0:
                ImportJob.objects.filter(pk=job.pk).update(
                    processed_rows=count,
                    total_rows=max(upload.declared_rows, count),
                    heartbeat_at=timezone.now(),
                )
    except SpreadsheetError as exc:  # a part that cannot be read, or rows past the limit
        unreadable = str(exc)
    finally:
        upload.close()
    # Rows read = rows imported + rows refused; blank rows are skipped, not read.
    job.total_rows = job.processed_rows = count
    job.blank_rows = upload.blank_rows
    ImportJob.objects.filter(pk=job.pk).update(
        total_rows=count,
        processed_rows=count,
        blank_rows=upload.blank_rows,
        heartbeat_at=timezone.now(),
    )
    if unreadable:
        _reject(job, actor, unreadable)
        return job
    if count == 0:
        where = {"sheet": upload.layout.sheet, "row": upload.layout.header_row + 1}
        _reject(
            job,
            actor,
            _("文件中没有专家数据：请在“%(sheet)s”工作表中从第 %(row)d 行起填写。") % where,
        )
        return job
    found = duplicates.import_duplicates_find(
        rows,
        actor=actor,
        job_pk=job.pk,
        header_row=upload.layout.header_row,
        skip_existing=job.skip_existing,
    )
    errors.add(found.errors)
    job.existing_rows = len(found.existing)
    skipped = sorted(found.existing) if found.skipped else []
    if skipped:
        job.skipped = _skipped_list(rows, found, actor)
        rows = [r for r in rows if r.number not in found.existing]
    if errors.count:
        message = _(
            "共读取 %(rows)d 行，其中 %(bad)d 行有错误（共 %(n)d 处），未导入任何数据。"
            "请下载标出错误的文件，修改后重新上传。"
        ) % {"rows": count, "bad": len(errors.rows), "n": errors.count}
        if errors.count > len(errors.kept):
            message += _("错误太多，文件中只标出了前 %(m)d 处。") % {"m": len(errors.kept)}
        _reject(job, actor, message, errors, skipped)
        return job
    with transaction.atomic():
        if not _still_mine(job):
            return job
        _write(job, rows, actor)
        checkpoint("experts.import.written")
        _finish(
            job,
            ImportJob.Status.COMPLETED,
            **row_checks.notice_fields(rows, limit=MAX_LISTED),
            message=_("已导入 %(n)d 位专家。") % {"n": len(rows)}
            + (
                _("%(n)d 位已在专家库中，按您的选择跳过，见下方名单。") % {"n": len(skipped)}
                if skipped
                else ""
            ),
        )
        log_action(
            "experts.import.completed",
            actor=actor,
            obj=job,
            data={
                "file": job.file_name,
                "rows": count,
                "experts": job.created_count,
                "skipped_rows": skipped,
                "accounts": job.account_count,
                "without_email": job.no_email_count,
                "admitted_on": job.admit_on.isoformat() if job.admit_on else "",
                "pool_numbers": f"{job.first_pool_number}–{job.last_pool_number}"
                if job.first_pool_number
                else "",
            },
        )
        if job.account_count:
            transaction.on_commit(
                lambda: tasks.import_job_send_activations_task.enqueue(job_id=job.pk)
            )
    return job


def _still_mine(job: ImportJob) -> bool:
    """Lock the job and say whether this run still owns it.

    A run the watchdog gave up on (marked failed, perhaps retried since) writes nothing; holding
    the lock until the commit keeps the watchdog from failing a run that is writing.
    """
    current = ImportJob.objects.select_for_update().get(pk=job.pk)
    if current.status == ImportJob.Status.RUNNING and current.started_at == job.started_at:
        return True
    logger.warning("import job %s: given up on while running; nothing written", job.pk)
    job.refresh_from_db()
    return False


# --- a worker that died ---------------------------------------------------------------------


def import_jobs_fail_stalled(*, now: datetime, stalled_after: timedelta) -> list[ImportJob]:
    """Mark failed every running job with no progress for ``stalled_after``; return them.

    Its worker died (killed, the server restarted): nothing was written, as the rows are
    written in one transaction. The upload is kept so that the uploader can retry the job.
    Called by ``run_deadlines``; idempotent.
    """
    cutoff = now - stalled_after
    minutes = int(stalled_after.total_seconds() // 60)
    failed = []
    stale = ImportJob.objects.filter(status=ImportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            job = stale.select_for_update().filter(pk=pk).first()
            if job is None:  # finished meanwhile
                continue
            last = job.heartbeat_at or job.started_at
            job.status = ImportJob.Status.FAILED
            job.finished_at = now
            job.message = _(
                "后台处理已中断（超过 %(m)d 分钟没有进展），未写入任何数据。"
                "可以点击“重试”重新导入同一文件。"
            ) % {"m": minutes}
            job.save(update_fields=["status", "finished_at", "message"])
            log_action(
                "experts.import.stalled",
                obj=job,
                data={
                    "file": job.file_name,
                    "rows": job.processed_rows,
                    "last_progress": timezone.localtime(last).isoformat() if last else "",
                    "minutes": minutes,
                },
            )
            failed.append(job)
    return failed


@transaction.atomic
def import_job_retry(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue again a job that failed with its upload kept (its worker died); audited."""
    REVIEWER.require(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.created_by_id != actor.pk:
        raise ExpertError(_("只能重试您本人上传的导入任务。"))
    if job.status != ImportJob.Status.FAILED:
        raise ExpertError(_("该导入任务%(s)s，不能重试。") % {"s": job.get_status_display()})
    if not job.stored_file or not files.exists(files.WORKING, job.stored_file):
        raise ExpertError(_("原文件已删除，不能重试：请重新上传文件。"))
    job.status = ImportJob.Status.QUEUED
    job.started_at = job.heartbeat_at = job.finished_at = None
    job.total_rows = job.processed_rows = job.blank_rows = 0
    job.message = ""
    job.save()
    log_action("experts.import.retried", actor=actor, obj=job, data={"file": job.file_name})
    transaction.on_commit(lambda: tasks.import_job_run_task.enqueue(job_id=job.pk))
    return job


# --- activation e-mails ---------------------------------------------------------------------


def _committed(write: Callable[[], None], *, sleep: Callable[[float], None]) -> None:
    """Run ``write`` in its own short transaction, again after a pause if the database is busy.

    SQLite answers "database is locked" when another writer holds the lock past the busy
    timeout; a few seconds later it usually has let go.
    """
    for attempt in range(1, DB_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                write()
            return
        except OperationalError:
            if attempt == DB_ATTEMPTS:
                raise
            logger.warning("activation bookkeeping: database busy, attempt %d", attempt)
            sleep(DB_PAUSE * attempt)


def _record_batch(
    job: ImportJob, asked: list[int], result: ActivationResult, *, sleep: Callable[[float], None]
) -> None:
    """Record one batch: sent, failed (with why), not needed; the untried stay pending."""
    now = timezone.now()
    answered = set(result.sent) | set(result.failed) | set(result.not_needed) | set(result.untried)
    failed = dict(result.failed)
    for user_id in set(asked) - answered:  # an account that no longer exists
        failed[user_id] = _("找不到该账户。")
    by_reason: dict[str, list[int]] = {}
    for user_id, reason in failed.items():
        by_reason.setdefault(reason, []).append(user_id)
    mine = ActivationEmail.objects.filter(job=job)

    def write() -> None:
        if result.sent:
            mine.filter(user_id__in=result.sent).update(
                status=ActivationEmail.Status.SENT, sent_at=now, error=""
            )
        for reason, ids in by_reason.items():
            mine.filter(user_id__in=ids).update(status=ActivationEmail.Status.FAILED, error=reason)
        if result.not_needed:
            mine.filter(user_id__in=result.not_needed).update(
                status=ActivationEmail.Status.NOT_NEEDED
            )
        ImportJob.objects.filter(pk=job.pk).update(email_updated_at=now)

    _committed(write, sleep=sleep)


def import_job_send_activations(
    *, job: ImportJob, sleep: Callable[[float], None] | None = None
) -> ImportJob:
    """Mail every account of the job still waiting for one the link to set its password.

    EMAIL_BATCH at a time: each batch is sent with no transaction open, then recorded in one
    short transaction, so the worker never holds SQLite's write lock while mail goes out and
    the job page always shows the true counts sent / failed / pending. Retries are the accounts
    app's (bounded, with growing pauses); when the mail server cannot be reached the run stops,
    leaves the rest pending and says why. Safe to run twice: a sent e-mail is not sent again.
    """
    sleep = sleep or time.sleep  # looked up now, so that a test can stand in for it
    ImportJob.objects.filter(pk=job.pk).update(
        email_state=ImportJob.EmailState.SENDING, email_error="", email_updated_at=timezone.now()
    )
    pending = ActivationEmail.objects.filter(job=job, status=ActivationEmail.Status.PENDING)
    sent = failed = 0
    stopped = ""
    try:
        while batch := list(pending.order_by("pk").values_list("user_id", flat=True)[:EMAIL_BATCH]):
            result = account_activations_send(user_ids=batch, sleep=sleep)
            _record_batch(job, batch, result, sleep=sleep)
            sent += len(result.sent)
            failed += len(result.failed)
            if result.stopped:
                stopped = _("已停止发送：%(why)s。其余邮件仍待发送，可稍后点击“重新发送”。") % {
                    "why": result.stopped
                }
                break
    except Exception:
        logger.exception("import job %s: activation e-mails stopped", job.pk)
        stopped = _(
            "发送过程中出现系统错误，已停止（详情见系统日志）。其余邮件仍待发送，可稍后重新发送。"
        )
    return _emails_conclude(job, sent=sent, failed=failed, stopped=stopped, sleep=sleep)


def _emails_conclude(
    job: ImportJob, *, sent: int, failed: int, stopped: str, sleep: Callable[[float], None]
) -> ImportJob:
    counts = dict(
        ActivationEmail.objects.filter(job=job)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    waiting = counts.get(ActivationEmail.Status.PENDING, 0)
    refused = counts.get(ActivationEmail.Status.FAILED, 0)
    problem = stopped
    if not problem and refused:
        problem = _("%(n)d 封邮件发送失败，原因见下表；问题解决后可点击“重新发送”。") % {
            "n": refused
        }
    done = not waiting and not refused

    def write() -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            email_state=ImportJob.EmailState.DONE if done else ImportJob.EmailState.INCOMPLETE,
            email_error=problem,
            email_updated_at=timezone.now(),
        )
        log_action(
            "experts.import.activation_sent",
            actor=job.created_by,
            obj=job,
            data={"sent": sent, "failed": failed, "pending": waiting, "stopped": stopped},
        )

    _committed(write, sleep=sleep)
    job.refresh_from_db()
    return job


@transaction.atomic
def import_job_activations_resend(*, actor: User, job: ImportJob, now: datetime) -> int:
    """Queue the activation e-mails of a job again for every account that did not get one
    (failed, or left pending when a sending stopped); return how many."""
    REVIEWER.require(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.created_by_id != actor.pk:
        raise ExpertError(_("只能重新发送您本人导入的任务的邮件。"))
    if job.status != ImportJob.Status.COMPLETED:
        raise ExpertError(_("该导入没有完成，没有开设账户，也就没有邮件可发。"))
    if selectors.import_job_emails(job, now=now).sending:
        raise ExpertError(_("邮件正在发送，请等本轮发送结束后再重新发送。"))
    again = ActivationEmail.objects.filter(
        job=job,
        status__in=(ActivationEmail.Status.PENDING, ActivationEmail.Status.FAILED),
    ).update(status=ActivationEmail.Status.PENDING, error="")
    if not again:
        raise ExpertError(_("没有需要重新发送的邮件：每个账户都已收到邮件或已设置密码。"))
    job.email_state = ImportJob.EmailState.QUEUED
    job.email_error = ""
    job.email_updated_at = now
    job.save(update_fields=["email_state", "email_error", "email_updated_at"])
    log_action("experts.import.activation_resent", actor=actor, obj=job, data={"emails": again})
    transaction.on_commit(lambda: tasks.import_job_send_activations_task.enqueue(job_id=job.pk))
    return again

"""Importing a roster spreadsheet (issue 5, art. 20): all rows valid or nothing written.

``import_job_create`` keeps the upload under MEDIA_ROOT/imports/ (never served) and queues
``import_job_run``, which validates every row with the registry's own rules (identity checks,
the model fields' choices and lengths, the catalogues) and then writes the whole file in one
transaction with bulk inserts. The upload is deleted when the job ends.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.files.uploadedfile import UploadedFile
from django.db import connections, router, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import AccountChange, Right, Role, User
from zhiku.core.audit import log_action
from zhiku.core.masking import mask
from zhiku.experts import crypto, spreadsheets
from zhiku.experts.choices import Status
from zhiku.experts.models import (
    Expert,
    ExpertField,
    ImportJob,
    PoolNumberCounter,
    StatusChange,
)
from zhiku.experts.services._common import (
    POOL_NUMBER_PREFIX,
    ExpertError,
)
from zhiku.experts.spreadsheets import COLUMN_BY_KEY, CellError, SpreadsheetError

# A module, not names: this module is loaded while the package of services initialises.
from zhiku.experts.spreadsheets import rows as row_checks

logger = logging.getLogger(__name__)

IMPORT_DIR = "imports"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_LISTED = 500  # errors kept on the job for the page; the marked file has them all
PROGRESS_EVERY = 500
BATCH = 1000
# A marked error file holds the upload's numbers in clear: it is kept this long, then deleted.
ERROR_FILE_KEPT = timedelta(days=7)


def _require_importer(actor: User) -> None:
    if not actor.is_active or actor.role != Role.STAFF:
        raise ExpertError(_("只有工作人员可以导入专家名单。"))
    if not actor.has_right(Right.REVIEW_APPLICATIONS):
        raise ExpertError(_("导入专家名单需要“审核入库申请”权限，请向安全管理员申请。"))


def media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def _delete(relative: str) -> None:
    if relative:
        media_path(relative).unlink(missing_ok=True)


@transaction.atomic
def import_job_create(
    *,
    actor: User,
    upload: UploadedFile,
    admit_on: date | None,
    base_url: str = "",
    request: HttpRequest | None = None,
) -> ImportJob:
    """Keep an uploaded roster out of any public URL and queue its import."""
    _require_importer(actor)
    name = Path(upload.name or "").name[:200]
    if not name.lower().endswith(".xlsx"):
        raise ExpertError(
            _(
                "只接受 .xlsx 文件（Excel 2007 及以上格式）；.xls 或 .csv 请先用 Excel 另存为 .xlsx。"
            )
        )
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ExpertError(_("文件超过 20 MB，请分成几个文件上传。"))
    if not upload.size:
        raise ExpertError(_("上传的文件是空的（0 字节）。"))
    relative = f"{IMPORT_DIR}/{uuid.uuid4().hex}.xlsx"
    path = media_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    path.chmod(0o600)
    try:
        import_files_purge(before=timezone.now() - ERROR_FILE_KEPT)
        job = _queue(actor, name, relative, admit_on, base_url, upload.size, request)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job


def _queue(
    actor: User,
    name: str,
    relative: str,
    admit_on: date | None,
    base_url: str,
    size: int | None,
    request: HttpRequest | None,
) -> ImportJob:
    from zhiku.experts.tasks import import_job_run_task

    job = ImportJob.objects.create(
        created_by=actor,
        created_at=timezone.now(),
        file_name=name,
        stored_file=relative,
        admit=admit_on is not None,
        admit_on=admit_on,
        base_url=base_url[:200],
    )
    log_action(
        "experts.import.started",
        actor=actor,
        request=request,
        obj=job,
        data={"file": name, "size": size, "admit": admit_on is not None},
    )
    transaction.on_commit(lambda: import_job_run_task.enqueue(job_id=job.pk))
    return job


def import_files_purge(*, before: datetime) -> int:
    """Delete the marked error files of jobs that ended before ``before``; return how many.

    Called whenever an import starts and by ``manage.py experts_purge_import_files``.
    """
    count = 0
    for job in ImportJob.objects.exclude(error_file="").filter(finished_at__lt=before):
        _delete(job.error_file)
        ImportJob.objects.filter(pk=job.pk).update(error_file="")
        count += 1
    return count


@transaction.atomic
def import_error_file_open(
    *, actor: User, job: ImportJob, now: datetime, request: HttpRequest | None = None
) -> Path:
    """Return the path of a job's marked error file to its uploader; audited (it holds numbers)."""
    if job.created_by_id != actor.pk or not job.error_file:
        raise ExpertError(_("没有可下载的错误文件。"))
    path = media_path(job.error_file)
    expired = job.finished_at is not None and job.finished_at < now - ERROR_FILE_KEPT
    if expired:
        import_files_purge(before=now - ERROR_FILE_KEPT)
    if expired or not path.is_file():
        raise ExpertError(_("错误文件已过保存期限被删除，请重新上传原文件以再次校验。"))
    log_action(
        "experts.import.error_file_downloaded",
        actor=actor,
        request=request,
        obj=job,
        data={"file": job.file_name, "errors": job.error_count},
    )
    return path


# --- writing --------------------------------------------------------------------------------


def _allocate_pool_numbers(year: int, count: int) -> list[str]:
    PoolNumberCounter.objects.get_or_create(year=year)
    counter = PoolNumberCounter.objects.select_for_update().get(year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{POOL_NUMBER_PREFIX}-{year}-{n:04d}" for n in range(first, counter.last + 1)]


def _insert(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (attname -> value) in bulk: COPY on PostgreSQL, executemany on SQLite.

    What ``bulk_create`` does, without building a model instance and preparing every value
    through every field per row: for 10,000 experts that preparation alone takes longer than
    reading the file, and the import must stay within 3x of a bare read (issue 5). Dates,
    datetimes and JSON still go through their field (cached: most values repeat); columns a
    row leaves out take the field's default.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    prepared = {
        f.attname: f
        for f in fields
        if f.get_internal_type() in {"DateField", "DateTimeField", "JSONField"}
    }
    cache: dict[tuple[str, str], Any] = {}

    def value(row: dict[str, Any], name: str) -> Any:
        if name not in row:
            return defaults[name]
        raw = row[name]
        if name not in prepared or raw is None:
            return raw
        key = (name, repr(raw))
        if key not in cache:
            cache[key] = prepared[name].get_db_prep_save(raw, connection)
        return cache[key]

    qn = connection.ops.quote_name
    names = [f.attname for f in fields]
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams every row in one command; psycopg adapts the values in C.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(tuple(value(r, n) for n in names))
            return
        # SQLite (the only other database Zhiku runs on): one prepared statement, run per row
        # in C. Names come from the model; values go as parameters.
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.executemany(sql, [tuple(value(r, n) for n in names) for r in batch])


def _pks(model: type[Model], column: str, keys: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in row_checks.chunks(keys):
        out.update(
            model._default_manager.filter(**{f"{column}__in": chunk}).values_list(column, "pk")
        )
    return out


def _write(job: ImportJob, rows: list[row_checks.Row], actor: User) -> None:
    """Write every row, its account, fields, industries and status row: called in one transaction."""
    now = timezone.now()
    today = timezone.localdate(now)
    reason = _("批量导入（导入任务 #%(id)d，文件 %(f)s）") % {"id": job.pk, "f": job.file_name}
    admitted = _("批量导入并直接入库（导入任务 #%(id)d，文件 %(f)s）") % {
        "id": job.pk,
        "f": job.file_name,
    }
    with_email = [r for r in rows if r.profile["email"]]
    _insert(
        User,
        [
            {
                "username": r.profile["email"].lower(),
                "email": r.profile["email"],
                "full_name": r.profile["name"],
                "role": Role.EXPERT,
                # What make_password(None) gives, from one urandom call instead of forty.
                "password": UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
                "date_joined": now,
                "is_active": True,
            }
            for r in with_email
        ],
    )
    user_of = _pks(User, "username", [r.profile["email"].lower() for r in with_email])
    _insert(
        AccountChange,
        [
            {
                "user_id": pk,
                "kind": AccountChange.Kind.CREATED,
                "from_value": "",
                "to_value": Role.EXPERT,
                "actor_id": actor.pk,
                "at": now,
                "reason": reason,
            }
            for pk in user_of.values()
        ],
    )
    numbers = _allocate_pool_numbers(job.admit_on.year, len(rows)) if job.admit_on else []
    status = Status.ACTIVE if job.admit_on else Status.APPLICANT
    _insert(
        Expert,
        [
            {
                **r.profile,
                "user_id": user_of.get(r.profile["email"].lower()),
                "status": status,
                "pool_number": numbers[i] if numbers else None,
                "id_number_token": crypto.encrypt(r.id_number),
                "id_number_hash": r.id_hash,
                "id_number_masked": mask(r.id_number),
                "mobile_token": crypto.encrypt(r.mobile),
                "mobile_hash": r.mobile_hash,
                "mobile_masked": mask(r.mobile),
                "created_at": now,
                "updated_at": now,
            }
            for i, r in enumerate(rows)
        ],
    )
    expert_of = _pks(Expert, "id_number_hash", [r.id_hash for r in rows])
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
                "from_status": "",
                "to_status": status,
                "actor_id": actor.pk,
                "at": now,
                "on": job.admit_on or today,
                "reason": admitted if job.admit_on else reason,
            }
        )
    _insert(ExpertField, links)
    _insert(Expert.industries.through, industry_links)
    _insert(StatusChange, changes)
    job.created_count = len(rows)
    job.account_count = len(user_of)
    job.no_email_count = len(rows) - len(user_of)
    job.account_ids = sorted(user_of.values())
    job.first_pool_number = numbers[0] if numbers else ""
    job.last_pool_number = numbers[-1] if numbers else ""


# --- running a job --------------------------------------------------------------------------


def _finish(job: ImportJob, state: str, **fields: Any) -> None:
    job.state = state
    job.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    _delete(job.stored_file)
    job.stored_file = ""
    job.save()


def _reject(job: ImportJob, actor: User, message: str, errors: list[CellError]) -> None:
    error_file = ""
    if errors:
        relative = f"{IMPORT_DIR}/errors/{uuid.uuid4().hex}.xlsx"
        path = media_path(relative)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_bytes(spreadsheets.marked_copy(media_path(job.stored_file), errors))
        path.chmod(0o600)
        error_file = relative
    errors.sort(key=lambda e: (e.row, list(COLUMN_BY_KEY).index(e.column)))
    with transaction.atomic():
        _finish(
            job,
            ImportJob.State.REJECTED,
            message=message,
            errors=[e.as_json() for e in errors[:MAX_LISTED]],
            error_count=len(errors),
            error_file=error_file,
        )
        log_action(
            "experts.import.rejected",
            actor=actor,
            obj=job,
            data={
                "file": job.file_name,
                "rows": job.total_rows,
                "errors": len(errors),
                "message": message,
            },
        )


def import_job_run(*, job: ImportJob, today: date | None = None) -> ImportJob:
    """Check every row of the job's file; write them all in one transaction, or none.

    Runs in the background (``tasks.import_job_run_task``); progress is saved as it goes so the
    page can show it. Safe to call twice: a job that has already started is left alone.
    """
    started = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, started_at=timezone.now()
    )
    job.refresh_from_db()
    if not started:
        return job
    actor = job.created_by
    try:
        _require_importer(actor)
    except ExpertError as exc:
        _reject(job, actor, str(exc), [])
        return job
    try:
        return _run(job, actor, today or timezone.localdate())
    except Exception:
        logger.exception("import job %s failed", job.pk)
        job.refresh_from_db()
        with transaction.atomic():
            _finish(
                job,
                ImportJob.State.FAILED,
                message=_("导入过程中出现系统错误，未写入任何数据。请稍后重试或联系系统管理员。"),
            )
            log_action("experts.import.failed", actor=actor, obj=job, data={"file": job.file_name})
        return job


def _run(job: ImportJob, actor: User, today: date) -> ImportJob:
    path = media_path(job.stored_file)
    try:
        upload = spreadsheets.open_upload(path)
    except SpreadsheetError as exc:
        _reject(job, actor, str(exc), [])
        return job
    ImportJob.objects.filter(pk=job.pk).update(total_rows=upload.total_rows)
    lookups = row_checks.Lookups.load(today)
    rows: list[row_checks.Row] = []
    errors: list[CellError] = []
    count = 0
    try:
        for number, values in upload.rows:
            count += 1
            if count > MAX_ROWS:
                _reject(
                    job,
                    actor,
                    _("一次最多导入 %(n)d 行，请把文件分成几个再上传。") % {"n": MAX_ROWS},
                    [],
                )
                return job
            row, row_errors = row_checks.check_row(number, values, lookups)
            if row is not None:
                rows.append(row)
            errors.extend(row_errors)
            if count % PROGRESS_EVERY == 0:
                ImportJob.objects.filter(pk=job.pk).update(
                    processed_rows=count, total_rows=max(upload.total_rows, count)
                )
    finally:
        upload.close()
    job.total_rows = job.processed_rows = count
    ImportJob.objects.filter(pk=job.pk).update(total_rows=count, processed_rows=count)
    if count == 0:
        _reject(job, actor, _("文件中没有专家数据：请在“专家名单”工作表中从第 2 行起填写。"), [])
        return job
    errors.extend(row_checks.check_duplicates(rows))
    if errors:
        _reject(
            job,
            actor,
            _(
                "共 %(rows)d 行，发现 %(n)d 处错误，未导入任何数据。请下载标出错误的文件修改后重新上传。"
            )
            % {"rows": count, "n": len(errors)},
            errors,
        )
        return job
    with transaction.atomic():
        _write(job, rows, actor)
        _finish(
            job,
            ImportJob.State.COMPLETED,
            message=_("已导入 %(n)d 位专家。") % {"n": len(rows)},
        )
        log_action(
            "experts.import.completed",
            actor=actor,
            obj=job,
            data={
                "file": job.file_name,
                "experts": job.created_count,
                "accounts": job.account_count,
                "without_email": job.no_email_count,
                "admitted_on": job.admit_on.isoformat() if job.admit_on else "",
                "pool_numbers": f"{job.first_pool_number}–{job.last_pool_number}"
                if job.first_pool_number
                else "",
            },
        )
        if job.account_ids:
            from zhiku.experts.tasks import import_job_send_activations_task

            transaction.on_commit(lambda: import_job_send_activations_task.enqueue(job_id=job.pk))
    return job


def import_job_send_activations(*, job: ImportJob) -> int:
    """E-mail every account the job opened a link to set its password; return how many were sent.

    One background task sends the whole batch over one mail connection. An account whose holder
    has already set a password is skipped, so a second run only reminds those who have not.
    """
    from django.core.mail import EmailMessage, get_connection
    from django.template.loader import render_to_string

    from zhiku.accounts.services import _build_set_password_link

    job = ImportJob.objects.get(pk=job.pk)
    users = User.objects.filter(pk__in=job.account_ids, is_active=True).order_by("pk")
    subject = _("【广东省质量发展智库】请设置您的登录密码")
    base = job.base_url.rstrip("/")
    sent = 0
    with get_connection() as connection:
        batch: list[EmailMessage] = []
        for user in users.iterator(chunk_size=BATCH):
            if user.has_usable_password():
                continue
            link = base + _build_set_password_link(user, None)
            body = render_to_string("accounts/email/activation.txt", {"user": user, "link": link})
            batch.append(EmailMessage(subject, body, None, [user.email], connection=connection))
            if len(batch) >= 100:
                connection.send_messages(batch)
                sent += len(batch)
                batch = []
                ImportJob.objects.filter(pk=job.pk).update(emails_sent=sent)
        if batch:
            connection.send_messages(batch)
            sent += len(batch)
    ImportJob.objects.filter(pk=job.pk).update(emails_sent=sent)
    with transaction.atomic():
        log_action(
            "experts.import.activation_sent",
            actor=job.created_by,
            obj=job,
            data={"emails": sent},
        )
    return sent

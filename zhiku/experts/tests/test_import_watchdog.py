"""An import whose worker died does not stay 处理中: run_deadlines marks it failed, it can be retried."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import Right, User
from zhiku.core.audit import verify_chain
from zhiku.core.errors import DomainError
from zhiku.core.models import AuditEntry
from zhiku.core.parameters import parameter_value
from zhiku.experts import services
from zhiku.experts.models import Expert, ImportJob
from zhiku.experts.plugin import _deadlines
from zhiku.experts.services import imports
from zhiku.experts.tests.factories import roster_file, roster_row

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
MINUTES = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def importer(make_user: Any) -> User:
    user: User = make_user("staff", username="importer", rights=(Right.REVIEW_APPLICATIONS,))
    return user


@pytest.fixture
def client_in(client: Client, importer: User) -> Client:
    client.force_login(importer)
    return client


@pytest.fixture
def roster(client_in: Client) -> bytes:
    template = client_in.get(reverse("experts:import_template")).content
    return roster_file(bytes(template), [roster_row(n) for n in range(1, 4)])


def _queued(importer: User, roster: bytes) -> ImportJob:
    """A job queued as the page queues it, its task not run (the worker has not taken it)."""
    return services.import_job_create(
        actor=importer,
        upload=SimpleUploadedFile("名单.xlsx", roster),
        admit_on=dt.date(2026, 11, 27),
    )


def _died_at(job: ImportJob, at: dt.datetime) -> ImportJob:
    """The state a worker killed while reading the rows leaves: running, last news at ``at``."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=at, heartbeat_at=at, processed_rows=500
    )
    job.refresh_from_db()
    return job


def test_a_running_import_without_progress_for_the_timeout_is_marked_failed(
    importer: User, roster: bytes
) -> None:
    job = _died_at(_queued(importer, roster), NOW - 31 * MINUTES)
    fresh = _died_at(_queued(importer, roster), NOW - 29 * MINUTES)
    entries = AuditEntry.objects.count()

    failed = services.import_jobs_fail_stalled(now=NOW, stalled_after=30 * MINUTES)

    assert [j.pk for j in failed] == [job.pk]
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.finished_at == NOW
    assert "30 分钟没有进展" in job.message and "重试" in job.message
    assert job.stored_file and (Path(imports.media_path(job.stored_file))).is_file()
    assert fresh.status == ImportJob.Status.RUNNING
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None and entry.action == "experts.import.stalled"
    assert entry.object_id == str(job.pk) and entry.data["minutes"] == 30
    assert AuditEntry.objects.count() == entries + 1
    assert Expert.objects.count() == 0
    # Idempotent: a second run finds nothing more to do.
    assert services.import_jobs_fail_stalled(now=NOW, stalled_after=30 * MINUTES) == []
    assert verify_chain().ok


def test_queued_and_finished_jobs_are_left_alone(importer: User, roster: bytes) -> None:
    queued = _queued(importer, roster)
    ImportJob.objects.filter(pk=queued.pk).update(created_at=NOW - dt.timedelta(days=2))
    assert services.import_jobs_fail_stalled(now=NOW, stalled_after=30 * MINUTES) == []
    queued.refresh_from_db()
    assert queued.status == ImportJob.Status.QUEUED


def test_the_deadline_step_reads_the_timeout_parameter(importer: User, roster: bytes) -> None:
    assert parameter_value("import_stall_minutes", NOW.date()) == 30
    job = _died_at(_queued(importer, roster), NOW - 45 * MINUTES)
    lines = list(_deadlines(NOW - 14 * MINUTES))  # 31 minutes after the last news
    assert len(lines) == 1 and f"#{job.pk}" in lines[0] and "30 分钟" in lines[0]
    assert list(_deadlines(NOW)) == []


def test_run_deadlines_marks_a_job_dead_for_hours_failed(importer: User, roster: bytes) -> None:
    job = _died_at(_queued(importer, roster), dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    out = io.StringIO()
    call_command("run_deadlines", "--no-digest", stdout=out)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert f"导入任务 #{job.pk}" in out.getvalue()


def test_the_job_page_offers_a_retry_that_imports_the_same_file(
    client_in: Client,
    importer: User,
    roster: bytes,
    catalogues: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = _died_at(_queued(importer, roster), NOW - 31 * MINUTES)
    services.import_jobs_fail_stalled(now=NOW, stalled_after=30 * MINUTES)
    page = client_in.get(reverse("experts:import_job_detail", args=[job.pk]))
    assert reverse("experts:import_job_retry", args=[job.pk]) in page.content.decode()
    assert "重试" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_in.post(reverse("experts:import_job_retry", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMPLETED, job.message
    assert job.created_count == 3 and Expert.objects.filter(import_job=job).count() == 3
    assert not job.stored_file
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    stalled = actions.index("experts.import.stalled")
    assert actions[stalled + 1 :][:2] == ["experts.import.retried", "experts.import.completed"]
    page = client_in.get(reverse("experts:import_job_detail", args=[job.pk]))
    assert reverse("experts:import_job_retry", args=[job.pk]) not in page.content.decode()


def test_a_retry_is_refused_for_another_users_job_or_without_the_file(
    importer: User, roster: bytes, make_user: Any
) -> None:
    job = _died_at(_queued(importer, roster), NOW - 31 * MINUTES)
    with pytest.raises(DomainError, match="处理中"):
        services.import_job_retry(actor=importer, job=job)
    services.import_jobs_fail_stalled(now=NOW, stalled_after=30 * MINUTES)
    other = make_user("staff", username="other", rights=(Right.REVIEW_APPLICATIONS,))
    with pytest.raises(DomainError, match="本人"):
        services.import_job_retry(actor=other, job=job)
    imports.media_path(job.stored_file).unlink()
    with pytest.raises(DomainError, match="原文件已删除"):
        services.import_job_retry(actor=importer, job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


def test_a_run_given_up_on_writes_nothing_when_it_comes_back(
    importer: User, roster: bytes, catalogues: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that was only slow, not dead, finds its job failed and leaves it so."""
    job = _queued(importer, roster)
    real_load = imports.row_checks.Lookups.load

    def given_up_on_meanwhile(today: dt.date) -> Any:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED)
        return real_load(today)

    monkeypatch.setattr(imports.row_checks.Lookups, "load", given_up_on_meanwhile)
    imports.import_job_run(job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert Expert.objects.count() == 0


def test_the_kept_upload_of_a_failed_job_is_purged_with_the_error_files(
    importer: User, roster: bytes
) -> None:
    job = _died_at(_queued(importer, roster), NOW - 31 * MINUTES)
    services.import_jobs_fail_stalled(now=NOW, stalled_after=30 * MINUTES)
    path = imports.media_path(job.stored_file)
    imports.import_files_purge(before=NOW)
    assert path.is_file()
    imports.import_files_purge(before=NOW + imports.ERROR_FILE_KEPT + MINUTES)
    job.refresh_from_db()
    assert not path.exists() and job.stored_file == ""

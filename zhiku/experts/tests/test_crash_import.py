"""Crash safety of an import: the worker killed (SIGKILL) while writing, all or nothing after.

A real ``manage.py db_worker`` runs the import against a database of its own and is killed at
the checkpoint inside the import's transaction, after every row was written and before the
commit. Restarted, the site holds nothing of the import and its audit chain verifies; the
scheduled ``run_deadlines`` marks the job failed once it had no progress for the timeout, and
the retry imports every row. Runs on SQLite, and on PostgreSQL when the suite does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zhiku.core.tests.crash_support import RELOAD, crash_site

ROWS = 40
SETUP = (
    RELOAD
    + f"""
import datetime as dt
from django.core.files.uploadedfile import SimpleUploadedFile
from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import make_account
from zhiku.experts import services, spreadsheets
from zhiku.experts.services.imports import catalogue_labels
from zhiku.experts.tests.factories import roster_file, roster_row

user = make_account("staff", username="importer", rights=(Right.REVIEW_APPLICATIONS,))
fields, industries = catalogue_labels()
template = spreadsheets.template_workbook(fields=fields, industries=industries)
content = roster_file(template, [roster_row(n) for n in range(1, {ROWS + 1})])
job = services.import_job_create(
    actor=user, upload=SimpleUploadedFile("名单.xlsx", content), admit_on=dt.date(2026, 11, 2)
)
result = job.pk
"""
)
RETRY = """
from zhiku.accounts.models import User
from zhiku.experts import services
from zhiku.experts.models import ImportJob

job = services.import_job_retry(
    actor=User.objects.get(username="importer"), job=ImportJob.objects.get(pk={pk})
)
result = job.status
"""
WORKER = ("db_worker", "--interval", "0.2", "--no-startup-delay")
WRITTEN = "experts.import.written"


# A transactional test: the test database is left without a transaction open, to be copied.
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_inside_the_import_leaves_nothing_and_the_retry_imports_all(
    tmp_path: Path,
) -> None:
    with crash_site(tmp_path) as site:
        job = site.python(SETUP)
        users = site.scalar("SELECT COUNT(*) FROM accounts_user")
        entries = site.scalar("SELECT COUNT(*) FROM core_auditentry")

        worker = site.start(*WORKER, pause=WRITTEN)
        site.reached(WRITTEN, worker)  # every row written, the transaction still open
        site.kill(worker)

        assert site.scalar("SELECT COUNT(*) FROM experts_expert") == 0
        for table in ("experts_expertfield", "experts_statuschange", "experts_employment"):
            assert site.scalar(f"SELECT COUNT(*) FROM {table}") == 0, table  # noqa: S608
        assert site.scalar("SELECT COUNT(*) FROM accounts_user") == users  # no account opened
        assert site.scalar("SELECT COUNT(*) FROM core_auditentry") == entries
        assert site.scalar("SELECT status FROM experts_importjob WHERE id = ?", (job,)) == "running"
        assert site.manage("audit_verify").returncode == 0

        worker = site.start(*WORKER)  # restarted: the dead run is not taken up again by itself
        # Its last news long ago: the scheduled step gives up on it.
        site.query(
            "UPDATE experts_importjob SET heartbeat_at = ?, started_at = ? WHERE id = ?",
            ("2026-01-01 00:00:00", "2026-01-01 00:00:00", job),
        )
        out = site.manage("run_deadlines", "--no-digest").stdout
        assert f"导入任务 #{job}" in out
        assert site.scalar("SELECT status FROM experts_importjob WHERE id = ?", (job,)) == "failed"
        assert site.scalar("SELECT COUNT(*) FROM experts_expert") == 0

        assert site.python(RETRY.format(pk=job)) == "queued"
        site.wait_until("SELECT status FROM experts_importjob WHERE id = ?", "completed", (job,))
        assert site.scalar("SELECT COUNT(*) FROM experts_expert") == ROWS
        assert (
            site.scalar("SELECT created_count FROM experts_importjob WHERE id = ?", (job,)) == ROWS
        )
        actions = [
            a
            for (a,) in site.query(
                "SELECT action FROM core_auditentry WHERE action LIKE ? ORDER BY seq",
                ("experts.import.%",),
            )
        ]
        assert actions[:4] == [
            "experts.import.started",
            "experts.import.stalled",
            "experts.import.retried",
            "experts.import.completed",
        ]
        assert site.manage("audit_verify").returncode == 0

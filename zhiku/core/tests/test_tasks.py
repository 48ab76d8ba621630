"""Background work: queued in the database, run by the worker that `make run` starts."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from zhiku.core.tasks import send_email

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db
def test_tests_run_tasks_immediately() -> None:
    result = send_email.enqueue(subject="主题", body="正文", recipients=["a@example.org"])

    assert result.status == "SUCCESSFUL"
    assert mail.outbox[0].subject == "主题"


@pytest.mark.django_db(transaction=True)
def test_database_worker_runs_a_queued_email() -> None:
    with override_settings(TASKS=DB_TASKS):
        from django_tasks_db.models import DBTaskResult

        send_email.using(backend="default").enqueue(
            subject="批量通知", body="正文", recipients=["b@example.org"]
        )
        assert mail.outbox == []
        assert DBTaskResult.objects.filter(status="READY").count() == 1

        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

        assert [m.subject for m in mail.outbox] == ["批量通知"]
        assert DBTaskResult.objects.get().status == "SUCCESSFUL"

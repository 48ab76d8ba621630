"""Jobs imported before 0008 keep their truth: e-mail counters become one row per account, and
their experts are linked to the job that entered them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("experts", "0007_normalise_protected_values")]
AFTER = [("experts", "0008_import_robustness")]
FINISHED = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_schema(transactional_db: None) -> Any:
    """The database as the previous release left it; put back to the newest schema afterwards."""
    apps = _migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _expert(apps: Any, n: int, reason: str, actor: Any) -> Any:
    expert = apps.get_model("experts", "Expert").objects.create(
        name=f"旧导入{n}",
        gender="male",
        birth_date=dt.date(1970, 1, 1),
        id_type="resident",
        id_number_token=f"token{n}",
        id_number_hash=f"hash{n}",
        id_number_masked="4****************1",
        organisation="广东质量研究院",
        org_type="research",
        region="guangzhou",
        status="active",
    )
    apps.get_model("experts", "StatusChange").objects.create(
        expert=expert,
        from_value="",
        to_value="active",
        actor=actor,
        at=FINISHED,
        effective_on=FINISHED.date(),
        reason=reason,
    )
    return expert


def test_old_jobs_get_an_email_row_per_account_and_their_experts_point_at_them(
    old_schema: Any,
) -> None:
    apps = old_schema
    User = apps.get_model("accounts", "User")
    importer = User.objects.create(username="importer", full_name="陈导入", role="staff")
    used = User.objects.create(username="a@example.org", role="expert", password="argon2$x")
    waiting = User.objects.create(username="b@example.org", role="expert", password="!unusable")
    done = User.objects.create(username="c@example.org", role="expert", password="!unusable")
    ImportJob = apps.get_model("experts", "ImportJob")
    stopped = ImportJob.objects.create(
        created_by=importer,
        created_at=FINISHED,
        finished_at=FINISHED,
        file_name="old.xlsx",
        status="completed",
        account_ids=[used.pk, waiting.pk],
        emails_sent=1,  # the task died after one e-mail
    )
    finished = ImportJob.objects.create(
        created_by=importer,
        created_at=FINISHED,
        finished_at=FINISHED,
        file_name="done.xlsx",
        status="completed",
        account_ids=[done.pk],
        emails_sent=1,
    )
    imported = _expert(
        apps, 1, f"批量导入并直接入库（导入任务 #{stopped.pk}，文件 old.xlsx）", importer
    )
    by_hand = _expert(apps, 2, "", importer)

    apps = _migrate(AFTER)

    ActivationEmail = apps.get_model("experts", "ActivationEmail")
    rows = dict(ActivationEmail.objects.values_list("user_id", "status"))
    assert rows == {used.pk: "sent", waiting.pk: "pending", done.pk: "sent"}
    jobs = apps.get_model("experts", "ImportJob").objects
    assert jobs.get(pk=stopped.pk).email_state == "incomplete"
    assert jobs.get(pk=finished.pk).email_state == "done"
    Expert = apps.get_model("experts", "Expert")
    assert Expert.objects.get(pk=imported.pk).import_job_id == stopped.pk
    assert Expert.objects.get(pk=by_hand.pk).import_job_id is None

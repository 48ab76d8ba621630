"""The exit requests of the previous release move into exits with their history: each becomes a
ground-2 case raised when and by whom the request was made; a request of an expert already
marked 已出库 by hand becomes a case that says so."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("experts", "0009_expert_status_hold"), ("exits", "0001_exit_cases")]
AFTER = [("experts", "0010_exit_requests_moved")]
ASKED = dt.datetime(2026, 9, 1, 1, 30, tzinfo=dt.UTC)
EXITED = dt.datetime(2026, 9, 20, 3, 0, tzinfo=dt.UTC)


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


def _expert(apps: Any, n: int, status: str) -> Any:
    return apps.get_model("experts", "Expert").objects.create(
        name=f"申请退出{n}",
        gender="male",
        birth_date=dt.date(1970, 1, 1),
        id_type="resident",
        id_number_token=f"token{n}",
        id_number_hash=f"hash{n}",
        id_number_masked="4****************1",
        organisation="广东质量研究院",
        org_type="research",
        region="guangzhou",
        status=status,
        pool_number=f"GDQ-2026-{n:04d}",
    )


def test_each_request_becomes_a_ground_2_case_with_its_date_reason_and_author(
    old_schema: Any,
) -> None:
    user_model = old_schema.get_model("accounts", "User")
    asker = user_model.objects.create(username="asker", role="expert", full_name="申请人")
    staff = user_model.objects.create(username="clerk", role="staff", full_name="周办理")
    waiting = _expert(old_schema, 1, "active")
    gone = _expert(old_schema, 2, "exited")
    ExitRequest = old_schema.get_model("experts", "ExitRequest")
    ExitRequest.objects.create(
        expert=waiting,
        reason="工作调动到外省。",
        submitted_by=asker,
        submitted_at=ASKED,
        submitted_on=ASKED.date(),
    )
    ExitRequest.objects.create(
        expert=gone,
        reason="退休。",
        submitted_by=asker,
        submitted_at=ASKED,
        submitted_on=ASKED.date(),
    )
    old_schema.get_model("experts", "StatusChange").objects.create(
        expert=gone,
        from_value="active",
        to_value="exited",
        actor=staff,
        at=EXITED,
        effective_on=EXITED.date(),
        reason="本人申请",
    )

    apps = _migrate(AFTER)

    ExitCase = apps.get_model("exits", "ExitCase")
    open_case = ExitCase.objects.get(expert_id=waiting.pk)
    assert (open_case.ground, open_case.source, open_case.status) == ("request", "expert", "raised")
    assert (open_case.facts, open_case.raised_by_id, open_case.raised_at) == (
        "工作调动到外省。",
        asker.pk,
        ASKED,
    )
    changes = list(open_case.changes.values_list("from_value", "to_value", "actor_id", "at"))
    assert changes == [("", "raised", asker.pk, ASKED)]
    closed = ExitCase.objects.get(expert_id=gone.pk)
    assert (closed.status, closed.exited_on, closed.announcement_id) == (
        "exited",
        EXITED.date(),
        None,
    )
    last = closed.changes.order_by("pk").last()
    assert (last.to_value, last.actor_id) == ("exited", staff.pk)
    assert "未经出库案件办理" in last.reason
    assert "exitrequest" not in {
        m._meta.model_name for m in apps.get_app_config("experts").get_models()
    }

"""The four change tables move onto the shared transition shape without losing a row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("core", "0002_workdays_calendar_and_policy_settings"),
    ("accounts", "0001_initial"),
    ("experts", "0003_import_jobs_and_list_indexes"),
]
AFTER = [
    ("core", "0003_transitions_parameters_request_id"),
    ("accounts", "0002_transitions_and_edit_parameters_right"),
    ("experts", "0004_transitions_and_status_fields"),
]


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


def test_every_change_row_survives_the_move_to_the_transition_shape(old_schema: Any) -> None:
    apps = old_schema
    now = timezone.now()
    User = apps.get_model("accounts", "User")
    admin = User.objects.create(username="sa", full_name="安管", role="security_admin")
    staff = User.objects.create(username="st", full_name="员工", role="staff")
    apps.get_model("accounts", "RightGrant").objects.create(
        user=staff, right="edit_policy", granted_by=admin, granted_at=now
    )
    AccountChange = apps.get_model("accounts", "AccountChange")
    AccountChange.objects.create(
        user=staff,
        kind="right_granted",
        from_value="",
        to_value="edit_policy",
        actor=admin,
        at=now,
        reason="负责政策参数",
    )
    AccountChange.objects.create(
        user=staff, kind="created", from_value="", to_value="staff", actor=None, at=now, reason=""
    )
    CalendarChange = apps.get_model("core", "CalendarChange")
    CalendarChange.objects.create(
        kind="day_set",
        year=2027,
        day=dt.date(2027, 1, 1),
        from_value="",
        to_value="holiday",
        actor=staff,
        at=now,
        reason="国办发明电〔2026〕1号",
    )
    PolicyChange = apps.get_model("core", "PolicyChange")
    PolicyChange.objects.create(
        key="age_limit",
        value=63,
        effective_from=dt.date(2027, 1, 1),
        reason="理事会决议",
        actor=staff,
        at=now,
    )
    PolicyChange.objects.create(
        key="age_limit",
        value=60,
        effective_from=dt.date(2028, 1, 1),
        reason="再次决议",
        actor=staff,
        at=now,
    )
    Expert = apps.get_model("experts", "Expert")
    expert = Expert.objects.create(
        name="迁移测试",
        gender="male",
        birth_date=dt.date(1970, 1, 1),
        id_type="resident",
        id_number_token="t",
        id_number_hash="h",
        id_number_masked="m",
        organisation="单位",
        org_type="university",
        region="guangzhou",
        status="active",
    )
    StatusChange = apps.get_model("experts", "StatusChange")
    StatusChange.objects.create(
        expert=expert,
        from_status="",
        to_status="applicant",
        actor=staff,
        at=now,
        on=dt.date(2026, 1, 4),
        reason="工作人员录入",
    )
    StatusChange.objects.create(
        expert=expert,
        from_status="applicant",
        to_status="active",
        actor=staff,
        at=now,
        on=dt.date(2026, 1, 5),
        reason="批准入库",
    )

    apps = _migrate(AFTER)

    accounts = apps.get_model("accounts", "AccountChange").objects.order_by("id")
    assert [(c.kind, c.from_value, c.to_value, c.reason) for c in accounts] == [
        ("right_granted", "", "edit_parameters", "负责政策参数"),
        ("created", "", "staff", ""),
    ]
    grant = apps.get_model("accounts", "RightGrant").objects.get()
    assert grant.right == "edit_parameters"
    day = apps.get_model("core", "CalendarChange").objects.get()
    assert (day.kind, day.day, day.to_value, day.actor_id, day.reason) == (
        "day_set",
        dt.date(2027, 1, 1),
        "holiday",
        staff.pk,
        "国办发明电〔2026〕1号",
    )
    parameters = apps.get_model("core", "ParameterChange").objects.order_by("effective_on")
    assert [(p.key, p.from_value, p.to_value, p.effective_on, p.reason) for p in parameters] == [
        ("age_limit", None, 63, dt.date(2027, 1, 1), "理事会决议"),
        ("age_limit", 63, 60, dt.date(2028, 1, 1), "再次决议"),
    ]
    statuses = apps.get_model("experts", "StatusChange").objects.order_by("effective_on")
    assert [(s.from_value, s.to_value, s.effective_on, s.reason) for s in statuses] == [
        ("", "applicant", dt.date(2026, 1, 4), "工作人员录入"),
        ("applicant", "active", dt.date(2026, 1, 5), "批准入库"),
    ]

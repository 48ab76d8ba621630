"""`manage.py run_deadlines` asks every plugin for its deadline step and what falls due: a later
app (exits) adds its own without editing core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from zhiku.core import plugins
from zhiku.core.errors import DomainError
from zhiku.core.models import AuditEntry
from zhiku.core.workdays import add_workdays

NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
CLOSED: list[dt.datetime] = []


def _step(now: dt.datetime) -> Iterator[str]:
    if not CLOSED:
        CLOSED.append(now)
        yield "出库公告已发布（插件）"


def _due(today: dt.date, until: dt.date) -> list[plugins.DueItem]:
    return [
        plugins.DueItem("出库核实期限（插件）", add_workdays(today, 2), "/workspace/"),
        plugins.DueItem("远期事项（插件）", add_workdays(today, 9), "/workspace/"),
    ]


@pytest.fixture
def exits_app() -> Iterator[None]:
    """A plugin for an installed app that has none (the portal), standing in for a later app."""
    CLOSED.clear()
    plugins.register(
        plugins.Plugin(
            app="zhiku.portal",
            deadlines=_step,
            due=[
                plugins.DueSource(
                    "core:dashboard", lambda t, u: [i for i in _due(t, u) if i.due <= u]
                )
            ],
        )
    )
    try:
        yield
    finally:
        plugins.unregister("zhiku.portal")


def run() -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("run_deadlines", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_plugin_adds_its_deadline_step_and_its_due_items_without_editing_core(
    exits_app: None, make_user: Any
) -> None:
    staff = make_user("staff", username="clerk", email="clerk@example.org")
    make_user("auditor", username="auditor", email="auditor@example.org")
    assert "出库公告已发布（插件）" in run()
    [digest] = mail.outbox
    assert digest.to == ["clerk@example.org"]
    assert "2026-11-18　出库核实期限（插件）" in digest.body
    assert "远期事项" not in digest.body
    entry = AuditEntry.objects.get(action="core.deadline_digest.sent")
    assert entry.object_id == str(staff.pk) and entry.data == {"day": "2026-11-16", "items": 1}
    # Safe to repeat: the step has nothing left to do and the digest went today.
    assert run().strip() == ""
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failing_step_is_named_and_the_command_fails_after_the_others_ran(
    make_user: Any,
) -> None:
    def broken(now: dt.datetime) -> Iterator[str]:
        raise DomainError("2027 年的工作日历尚未录入")
        yield ""  # pragma: no cover

    plugins.register(plugins.Plugin(app="zhiku.portal", deadlines=broken))
    try:
        err = StringIO()
        with (
            time_machine.travel(NOW, tick=False),
            pytest.raises(CommandError, match=r"zhiku\.portal"),
        ):
            call_command("run_deadlines", stdout=StringIO(), stderr=err)
        assert "2027 年的工作日历尚未录入" in err.getvalue()
    finally:
        plugins.unregister("zhiku.portal")

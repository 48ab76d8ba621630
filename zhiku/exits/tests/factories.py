"""Helpers of the exits tests: experts in the pool (with an account when asked), attendance
written directly (the activities' services are tested on their own), cases moved to a step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from zhiku.accounts.tests.factories import make_account
from zhiku.activities.choices import ActivityKind, AttendanceStatus
from zhiku.activities.models import Activity, Attendance
from zhiku.exits import services
from zhiku.exits.choices import Ground
from zhiku.exits.models import ExitCase
from zhiku.experts.models import Expert
from zhiku.experts.tests.factories import make_expert


def expert_with_account(username: str, **kwargs: Any) -> Expert:
    """An expert of the pool who can sign in (user name and e-mail as given)."""
    user = make_account("expert", username=username, full_name=kwargs.get("name", username))
    kwargs.setdefault("email", f"{username}@example.org")
    return make_expert(user=user, **kwargs)


def absence(
    expert: Expert, start: dt.date, *, status: str = AttendanceStatus.UNEXCUSED, by: Any = None
) -> Attendance:
    """An activity that began on ``start`` and the expert's attendance at it."""
    by = by or make_account("staff", username="recorder")
    activity = Activity.objects.create(
        kind=ActivityKind.ASSESSMENT,
        title=f"评估活动 {start.isoformat()} {Activity.objects.count() + 1}",
        start_date=start,
        end_date=start,
        place="广州",
        experts_needed=1,
        created_by=by,
        created_at=timezone.now(),
    )
    return Attendance.objects.create(
        activity=activity,
        expert=expert,
        source="drawn",
        status=status,
        recorded_by=by,
        recorded_at=timezone.now(),
    )


def notified_case(
    actor: Any, expert: Expert, ground: str = Ground.REQUEST, **kwargs: Any
) -> ExitCase:
    """A case raised, verified and told in writing (the PDF made), ready to be announced."""
    case = services.exit_case_raise(actor=actor, expert=expert, ground=ground, facts="事实。")
    case = services.exit_case_verify(
        actor=actor, case=case, checked="已核实。", finding="情形属实。", **kwargs
    )
    return services.exit_case_notify(actor=actor, case=case)

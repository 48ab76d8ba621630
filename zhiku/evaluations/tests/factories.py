"""Helpers of the evaluations tests: closed activities with attendance written directly (the
activities' own services are tested on their own), scores, training sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from zhiku.accounts.models import User
from zhiku.accounts.tests.factories import make_account
from zhiku.activities.choices import ActivityKind, ActivityStatus, AttendanceStatus, Source
from zhiku.activities.models import Activity, Attendance
from zhiku.evaluations import services
from zhiku.evaluations.choices import TrainingAttendance, TrainingTopic
from zhiku.evaluations.models import Evaluation, TrainingInvitee, TrainingSession
from zhiku.experts.models import Expert
from zhiku.experts.tests.factories import make_expert


def expert_with_account(username: str, **kwargs: Any) -> Expert:
    """An expert of the pool who can sign in (user name and e-mail as given)."""
    user = make_account("expert", username=username, full_name=kwargs.get("name", username))
    kwargs.setdefault("email", f"{username}@example.org")
    return make_expert(user=user, **kwargs)


def closed_activity(
    staff: User,
    start: dt.date,
    experts: dict[Expert, str] | list[Expert],
    *,
    title: str = "",
    kind: str = ActivityKind.ASSESSMENT,
) -> Activity:
    """A closed activity that began on ``start``, run by ``staff``, with each expert's
    attendance (出席 unless a status is given)."""
    activity = Activity.objects.create(
        kind=kind,
        title=title or f"评估活动 {start.isoformat()} {Activity.objects.count() + 1}",
        start_date=start,
        end_date=start,
        place="广州市天河区",
        experts_needed=max(1, len(experts)),
        status=ActivityStatus.CLOSED,
        created_by=staff,
        created_at=timezone.now(),
        closed_at=timezone.now(),
    )
    activity.staff.add(staff)
    marks = (
        experts if isinstance(experts, dict) else dict.fromkeys(experts, AttendanceStatus.ATTENDED)
    )
    for expert, status in marks.items():
        Attendance.objects.create(
            activity=activity,
            expert=expert,
            source=Source.DRAWN,
            status=status,
            recorded_by=staff,
            recorded_at=timezone.now(),
        )
    return activity


def score(
    staff: User, activity: Activity, expert: Expert, scores: tuple[int, int, int, int], **kw: Any
) -> Evaluation:
    """Score an expert through the service (attitude, professional, knowledge, expression)."""
    names = ("attitude", "professional", "knowledge", "expression")
    return services.evaluation_record(
        actor=staff,
        activity=activity,
        expert=expert,
        scores=dict(zip(names, scores, strict=True)),
        **kw,
    )


def held_training(
    staff: User,
    day: dt.date,
    attended: list[Expert],
    absent: list[Expert] = (),  # type: ignore[assignment]
    *,
    title: str = "",
) -> TrainingSession:
    """A session held on ``day`` (rows written directly), with who attended and who did not."""
    session = TrainingSession.objects.create(
        topic=TrainingTopic.POLICY,
        title=title or f"质量政策培训 {day.isoformat()}",
        date=day,
        place="广州市越秀区",
        status="held",
        created_by=staff,
        created_at=timezone.now(),
    )
    for expert, mark in [
        *[(e, TrainingAttendance.ATTENDED) for e in attended],
        *[(e, TrainingAttendance.ABSENT) for e in absent],
    ]:
        TrainingInvitee.objects.create(
            session=session,
            expert=expert,
            invited_by=staff,
            invited_at=timezone.now(),
            email_status="queued",
            attendance=mark,
            recorded_by=staff,
            recorded_at=timezone.now(),
        )
    return session


def served_activity(
    staff: User,
    approver: User,
    experts: list[Expert],
    *,
    start: dt.date,
    invited_at: dt.datetime,
    title: str = "广东省质量发展形势座谈研讨会",
) -> Activity:
    """A seminar run through the activities app's own services: designated, approved by another
    member of staff, accepted by link, closed, each expert's attendance recorded as 出席. The
    clock must stand on or after ``start``; ``invited_at`` before it."""
    from zhiku.activities import services as activities
    from zhiku.activities.choices import AnsweredVia, DesignationReason
    from zhiku.activities.models import Invitation
    from zhiku.activities.services.links import link_token

    activity = activities.activity_create(
        actor=staff,
        data=activities.ActivityData(
            kind=ActivityKind.SEMINAR,
            title=title,
            start_date=start,
            end_date=start,
            place="广州市越秀区",
            experts_needed=len(experts),
            commissioning_units=["广东省质量发展促进会"],
            staff=[staff],
        ),
    )
    designation = activities.designation_create(
        actor=staff,
        activity=activity,
        reason=DesignationReason.SEMINAR,
        justification="座谈研讨质量政策（第五条第（三）项）。",
        experts=experts,
        now=invited_at,
    )
    activities.designation_approve(actor=approver, designation=designation, now=invited_at)
    for invitation in Invitation.objects.filter(activity=activity):
        activities.invitation_accept(
            invitation=invitation,
            via=AnsweredVia.LINK,
            token=link_token(invitation),
            no_conflict=True,
            confidentiality=True,
            now=invited_at,
        )
    activities.activity_close(actor=staff, activity=activity, reason="座谈会已召开")
    for expert in experts:
        activities.attendance_record(
            actor=staff, activity=activity, expert=expert, status=AttendanceStatus.ATTENDED
        )
    return activity

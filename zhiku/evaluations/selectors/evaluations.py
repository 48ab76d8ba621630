"""Reads of evaluations: what waits to be scored, an activity's scoring sheet, an expert's scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from zhiku.accounts.models import Right, User
from zhiku.activities.choices import ActivityStatus, AttendanceStatus
from zhiku.activities.models import Activity, Attendance
from zhiku.evaluations.choices import AssessmentStatus
from zhiku.evaluations.models import Assessment, AssessmentResult, Evaluation
from zhiku.experts.models import Expert


def activities_to_score(user: User, *, since: dt.date | None = None) -> QuerySet[Activity]:
    """Closed activities with experts who attended: those the user is in charge of (all of
    them for staff holding 组织随机抽取), each with how many attended and how many are scored."""
    qs = Activity.objects.filter(status=ActivityStatus.CLOSED)
    if not user.has_right(Right.RUN_DRAWS):
        qs = qs.filter(staff=user)
    if since is not None:
        qs = qs.filter(start_date__gte=since)
    return (
        qs.annotate(
            attended=Count(
                "attendance",
                filter=Q(attendance__status=AttendanceStatus.ATTENDED),
                distinct=True,
            ),
            scored=Count("evaluations", distinct=True),
        )
        .filter(attended__gt=0)
        .order_by("-start_date", "-pk")
    )


def unscored(user: User, since: dt.date) -> list[Activity]:
    """The user's closed activities since ``since`` with someone who attended and is not scored."""
    return [a for a in activities_to_score(user, since=since) if a.scored < a.attended]  # type: ignore[attr-defined]


@dataclass
class SheetRow:
    """One expert who attended an activity, with their opinion and their scores if any."""

    attendance: Attendance
    evaluation: Evaluation | None
    frozen_by: Assessment | None

    @property
    def expert(self) -> Expert:
        return self.attendance.expert


def scoring_sheet(activity: Activity) -> list[SheetRow]:
    """Every expert who attended ``activity``, in pool-number order, with their evaluation and
    the confirmed assessment (if any) that froze it."""
    attended = (
        Attendance.objects.filter(activity=activity, status=AttendanceStatus.ATTENDED)
        .select_related("expert")
        .order_by("expert__pool_number", "pk")
    )
    evaluations = {e.expert_id: e for e in Evaluation.objects.filter(activity=activity)}
    frozen = frozen_results(activity.start_date)
    return [
        SheetRow(
            attendance=a,
            evaluation=evaluations.get(a.expert_id),
            frozen_by=frozen.get(a.expert_id),
        )
        for a in attended
    ]


def frozen_results(day: dt.date, expert: Expert | None = None) -> dict[int, Assessment]:
    """expert id -> a confirmed assessment whose period includes ``day`` and holds a result of
    that expert: their evaluations of that day are frozen with it."""
    qs = AssessmentResult.objects.filter(
        assessment__status=AssessmentStatus.CONFIRMED,
        assessment__period_start__lte=day,
        assessment__period_end__gte=day,
    ).select_related("assessment")
    if expert is not None:
        qs = qs.filter(expert=expert)
    return {r.expert_id: r.assessment for r in qs.order_by("assessment__confirmed_at")}


def evaluations_of(expert: Expert) -> QuerySet[Evaluation]:
    """The expert's evaluations, latest activity first."""
    return (
        Evaluation.objects.filter(expert=expert)
        .select_related("activity")
        .order_by("-activity__start_date", "-pk")
    )

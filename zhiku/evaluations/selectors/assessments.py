"""Reads of assessments: what a period holds for each expert (the figures an assessment
freezes), the lists, an expert's own results, and the 不合格 results awaiting an exit review."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, Min, OuterRef, QuerySet

from zhiku.activities.choices import AttendanceStatus
from zhiku.activities.models import Attendance
from zhiku.evaluations import rules
from zhiku.evaluations.choices import (
    DIMENSIONS,
    AssessmentStatus,
    Grade,
    TrainingAttendance,
    TrainingStatus,
)
from zhiku.evaluations.models import (
    Assessment,
    AssessmentResult,
    Evaluation,
    TrainingInvitee,
)
from zhiku.exits.models import ExitCase
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert, StatusChange

IN_POOL = (Status.ACTIVE, Status.SUSPENDED)


@dataclass
class PeriodRecord:
    """What one period holds for one expert."""

    evaluations: list[rules.Scored] = field(default_factory=list)
    attended: int = 0
    excused: int = 0
    unexcused: int = 0
    trainings_invited: int = 0
    trainings_attended: int = 0

    @property
    def recorded(self) -> int:
        return self.attended + self.excused + self.unexcused


def period_records(start: dt.date, end: dt.date) -> dict[int, PeriodRecord]:
    """expert id -> the period's evaluations, attendance and training, for every expert who
    is in the pool (admitted by ``end``) or has a record in the period. Activities count by
    their start date, training by its day; cancelled sessions do not count."""
    records: dict[int, PeriodRecord] = defaultdict(PeriodRecord)
    for row in Evaluation.objects.filter(activity__start_date__range=(start, end)).values(
        "expert_id", "scale_max", *DIMENSIONS
    ):
        records[row["expert_id"]].evaluations.append(
            rules.Scored({d: row[d] for d in DIMENSIONS}, row["scale_max"])
        )
    for expert_id, status in Attendance.objects.filter(
        activity__start_date__range=(start, end)
    ).values_list("expert_id", "status"):
        r = records[expert_id]
        if status == AttendanceStatus.ATTENDED:
            r.attended += 1
        elif status == AttendanceStatus.EXCUSED:
            r.excused += 1
        elif status == AttendanceStatus.UNEXCUSED:
            r.unexcused += 1
    for expert_id, attendance in (
        TrainingInvitee.objects.filter(session__date__range=(start, end))
        .exclude(session__status=TrainingStatus.CANCELLED)
        .values_list("expert_id", "attendance")
    ):
        r = records[expert_id]
        r.trainings_invited += 1
        if attendance == TrainingAttendance.ATTENDED:
            r.trainings_attended += 1
    admitted_later = (
        StatusChange.objects.filter(to_value=Status.ACTIVE)
        .values("expert_id")
        .annotate(first=Min("effective_on"))
        .filter(first__gt=end)
        .values("expert_id")
    )
    pool = Expert.objects.filter(status__in=IN_POOL).exclude(pk__in=admitted_later)
    for expert_id in pool.values_list("pk", flat=True):
        records[expert_id]
    return dict(records)


def assessments() -> QuerySet[Assessment]:
    return Assessment.objects.select_related("created_by", "confirmed_by").order_by(
        "-period_end", "-pk"
    )


def results_of(assessment: Assessment) -> QuerySet[AssessmentResult]:
    return assessment.results.select_related("expert", "graded_by").order_by(
        "expert__pool_number", "expert__name", "pk"
    )


def confirmed_results_of(expert: Expert) -> QuerySet[AssessmentResult]:
    """The expert's results in confirmed assessments, latest period first, with responses."""
    return (
        AssessmentResult.objects.filter(
            expert=expert, assessment__status=AssessmentStatus.CONFIRMED
        )
        .select_related("assessment")
        .prefetch_related("responses")
        .order_by("-assessment__period_end", "-pk")
    )


def exit_reviews_pending() -> QuerySet[AssessmentResult]:
    """Results graded 不合格 in confirmed assessments on which staff have not yet decided
    whether to open an exit case (art. 8(3) or 8(8)). A case raised on the expert since the
    confirmation (from the exit cases' own pages) counts as the decision; so does an expert
    who has left the pool since."""
    case_since = ExitCase.objects.filter(
        expert=OuterRef("expert"), raised_at__gte=OuterRef("assessment__confirmed_at")
    )
    return (
        AssessmentResult.objects.filter(
            assessment__status=AssessmentStatus.CONFIRMED, grade=Grade.FAIL, exit_review=""
        )
        .exclude(expert__status=Status.EXITED)
        .exclude(Exists(case_since))
        .select_related("assessment", "expert")
        .order_by("assessment__confirmed_at", "expert__pool_number", "pk")
    )

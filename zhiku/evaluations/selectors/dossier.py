"""The dossier (综合考核档案, art. 11): everything on record about one expert's service, gathered
for one page and one PDF.

Activities still open are left out: their names are confidential until they close (the
activities app's rule), and a dossier goes to any member of staff holding 导出数据. Objections
name no objector (as the expert's own letter does not).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from zhiku.activities.choices import ActivityStatus
from zhiku.activities.models import Activity, Attendance, Fee, Invitation
from zhiku.activities.selectors import yearly_fee_totals
from zhiku.core.models import AuditEntry
from zhiku.core.selectors import AuditRow, audit_row
from zhiku.evaluations.models import AssessmentResult, Evaluation, TrainingInvitee
from zhiku.evaluations.selectors.assessments import confirmed_results_of
from zhiku.evaluations.selectors.training import trainings_of
from zhiku.exits.models import ExitCase
from zhiku.experts.models import Expert, StatusChange
from zhiku.recruitment.models import Application, Certificate, NoticeEntry, Objection

# The audit actions on an expert that change the profile (views and lookups are left out).
PROFILE_ACTIONS = (
    "experts.expert.created",
    "experts.expert.updated",
    "experts.status.changed",
    "experts.status.hold_changed",
    "experts.age_override.recorded",
    "experts.employment.added",
    "experts.employment.removed",
    "experts.conflict.declared",
    "experts.conflict.withdrawn",
    "experts.unfamiliar_fields.changed",
    "experts.change_request.submitted",
    "experts.change_request.confirmed",
    "experts.change_request.rejected",
    "experts.admission_exception.recorded",
    "experts.legacy_import.reviewed",
)
PROFILE_CHANGES_SHOWN = 200


@dataclass
class ServiceLine:
    """One closed activity the expert was invited to (drawn or designated), and what followed."""

    activity: Activity
    invitation: Invitation | None
    attendance: Attendance | None
    evaluation: Evaluation | None
    fees: list[Fee] = field(default_factory=list)

    @property
    def fee_total(self) -> Decimal:
        return sum((f.amount for f in self.fees), Decimal("0"))


@dataclass
class Dossier:
    expert: Expert
    fields: list[str]
    status_changes: list[StatusChange]
    applications: list[Application]
    notice_entries: list[NoticeEntry]
    certificates: list[Certificate]
    services: list[ServiceLine]
    evaluations: list[Evaluation]
    assessments: list[AssessmentResult]
    trainings: list[TrainingInvitee]
    fees: list[Fee]
    fee_totals: list[tuple[int, Decimal]]
    objections: list[Objection]
    exit_cases: list[ExitCase]
    profile_changes: list[AuditRow]

    @property
    def attended(self) -> int:
        return sum(1 for s in self.services if s.attendance and s.attendance.status == "attended")

    @property
    def unexcused(self) -> int:
        return sum(1 for s in self.services if s.attendance and s.attendance.status == "unexcused")

    @property
    def trainings_attended(self) -> int:
        return sum(1 for t in self.trainings if t.attendance == "attended")


def _fields(expert: Expert) -> list[str]:
    links = sorted(
        expert.field_links.select_related("field__parent"),
        key=lambda link: (not link.is_primary, link.field.code),
    )
    return [
        f"{link.field.code} {link.field}" + ("（主要）" if link.is_primary else "")
        for link in links
    ]


def _services(expert: Expert) -> tuple[list[ServiceLine], list[Evaluation], list[Fee]]:
    invitations = {
        i.activity_id: i
        for i in Invitation.objects.filter(expert=expert, activity__status=ActivityStatus.CLOSED)
        .select_related("activity")
        .order_by("sent_at", "pk")
    }
    attendance = {
        a.activity_id: a
        for a in Attendance.objects.filter(
            expert=expert, activity__status=ActivityStatus.CLOSED
        ).select_related("activity")
    }
    evaluations = list(
        Evaluation.objects.filter(expert=expert)
        .select_related("activity")
        .order_by("activity__start_date", "pk")
    )
    by_activity = {e.activity_id: e for e in evaluations}
    fees = list(
        Fee.objects.filter(expert=expert, removed_at__isnull=True)
        .select_related("activity")
        .order_by("paid_on", "pk")
    )
    fees_by: dict[int, list[Fee]] = defaultdict(list)
    for fee in fees:
        fees_by[fee.activity_id].append(fee)
    activities = {i.activity_id: i.activity for i in invitations.values()}
    activities.update({a.activity_id: a.activity for a in attendance.values()})
    lines = [
        ServiceLine(
            activity=activity,
            invitation=invitations.get(pk),
            attendance=attendance.get(pk),
            evaluation=by_activity.get(pk),
            fees=fees_by.get(pk, []),
        )
        for pk, activity in sorted(
            activities.items(), key=lambda item: (item[1].start_date, item[0])
        )
    ]
    return lines, evaluations, fees


def _exit_cases(expert: Expert) -> list[ExitCase]:
    return list(
        ExitCase.objects.filter(expert=expert)
        .select_related("announcement")
        .order_by("raised_at", "pk")
    )


def profile_changes(expert: Expert) -> list[AuditRow]:
    entries = (
        AuditEntry.objects.filter(
            object_type=Expert._meta.label_lower,
            object_id=str(expert.pk),
            action__in=PROFILE_ACTIONS,
        )
        .select_related("actor")
        .order_by("seq")[:PROFILE_CHANGES_SHOWN]
    )
    return [audit_row(e) for e in entries]


def dossier_of(expert: Expert) -> Dossier:
    """Everything on record about ``expert``'s service (closed activities only)."""
    services, evaluations, fees = _services(expert)
    return Dossier(
        expert=expert,
        fields=_fields(expert),
        status_changes=list(expert.status_changes.select_related("actor").order_by("at", "pk")),
        applications=list(
            Application.objects.filter(expert=expert).select_related("call").order_by("pk")
        ),
        notice_entries=list(
            NoticeEntry.objects.filter(application__expert=expert)
            .select_related("notice", "announcement")
            .order_by("pk")
        ),
        certificates=list(Certificate.objects.filter(expert=expert).order_by("issued_on")),
        services=services,
        evaluations=evaluations,
        assessments=list(confirmed_results_of(expert)),
        trainings=list(trainings_of(expert).order_by("session__date", "pk")),
        fees=fees,
        fee_totals=yearly_fee_totals(fees),
        objections=list(
            Objection.objects.filter(entry__application__expert=expert).order_by(
                "received_on", "pk"
            )
        ),
        exit_cases=_exit_cases(expert),
        profile_changes=profile_changes(expert),
    )

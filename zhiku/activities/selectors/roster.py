"""Reads of who serves an activity (its roster), their invitations, attendance and fees, the
designations waiting for approval, and each expert's own record (the expert area, the exits)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from zhiku.accounts.models import Right, Role, User
from zhiku.activities.choices import (
    LEFT_OUTCOMES,
    AttendanceStatus,
    DesignationStatus,
    DrawStatus,
    InvitationStatus,
    Outcome,
    Source,
)
from zhiku.activities.models import (
    Activity,
    Attendance,
    Candidate,
    DesignatedExpert,
    Designation,
    Fee,
    Invitation,
)
from zhiku.activities.selectors.draws import may_see_names
from zhiku.experts.models import Expert


@dataclass
class RosterEntry:
    """One expert drawn or designated for an activity, and what became of them."""

    expert: Expert
    source: str  # Source
    outcome: str  # Outcome
    reason: str
    invitation: Invitation | None
    label: str = ""  # the draw's label (pool number) for a candidate
    round: int | None = None
    attendance: Attendance | None = None
    fees: list[Fee] = field(default_factory=list)

    @property
    def designated(self) -> bool:
        return self.source == Source.DESIGNATED

    @property
    def confirmed(self) -> bool:
        return self.outcome == Outcome.CONFIRMED

    def get_outcome_display(self) -> str:
        return str(Outcome(self.outcome).label)

    def get_source_display(self) -> str:
        return str(Source(self.source).label)

    @property
    def fee_total(self) -> Decimal:
        return sum((f.amount for f in self.fees if not f.is_removed), Decimal("0"))


def roster(activity: Activity, *, confirmed_only: bool = False) -> list[RosterEntry]:
    """The candidates of the activity's draws (cancelled draws left out) and the experts of its
    approved designations, drawn first (by round and rank), each with invitation, attendance and
    fees."""
    candidates = (
        Candidate.objects.filter(draw__activity=activity)
        .exclude(draw__status=DrawStatus.CANCELLED)
        .select_related("expert", "round", "invitation")
        .order_by("round__number", "rank")
    )
    designees = (
        DesignatedExpert.objects.filter(
            designation__activity=activity, designation__status=DesignationStatus.APPROVED
        )
        .select_related("expert", "invitation")
        .order_by("designation__designated_at", "pk")
    )
    entries = [
        RosterEntry(
            expert=c.expert,
            source=Source.DRAWN,
            outcome=c.outcome,
            reason=c.outcome_reason,
            invitation=getattr(c, "invitation", None),
            label=c.label,
            round=c.round.number,
        )
        for c in candidates
    ] + [
        RosterEntry(
            expert=d.expert,
            source=Source.DESIGNATED,
            outcome=d.outcome,
            reason=d.outcome_reason,
            invitation=getattr(d, "invitation", None),
        )
        for d in designees
    ]
    if confirmed_only:
        entries = [e for e in entries if e.confirmed]
    attendance = {a.expert_id: a for a in activity.attendance.all()}
    fees: dict[int, list[Fee]] = defaultdict(list)
    for fee in activity.fees.order_by("paid_on", "pk"):
        fees[fee.expert_id].append(fee)
    for e in entries:
        e.attendance = attendance.get(e.expert.pk)
        e.fees = fees.get(e.expert.pk, [])
    return entries


@dataclass
class RosterCounts:
    drawn: int = 0
    designated: int = 0
    confirmed: int = 0
    pending: int = 0
    left: int = 0


def roster_counts(activity: Activity) -> RosterCounts:
    """What those who may not see the names see: counts only."""
    counts = RosterCounts()
    for e in roster(activity):
        if e.designated:
            counts.designated += 1
        else:
            counts.drawn += 1
        if e.outcome == Outcome.CONFIRMED:
            counts.confirmed += 1
        elif e.outcome == Outcome.PENDING:
            counts.pending += 1
        elif e.outcome in LEFT_OUTCOMES:
            counts.left += 1
    return counts


def confirmed_experts(activity: Activity) -> dict[int, str]:
    """expert id -> source, for everyone confirmed to serve the activity."""
    return {e.expert.pk: e.source for e in roster(activity, confirmed_only=True)}


# --- designations --------------------------------------------------------------------------------


def may_see_designation(user: User, designation: Designation) -> bool:
    """The names of a designation: those who see the activity's names, and the approvers (who
    must know whom they approve)."""
    if may_see_names(user, designation.activity):
        return True
    return user.role == Role.STAFF and user.has_right(Right.APPROVE_DESIGNATIONS)


def designations_pending() -> QuerySet[Designation]:
    return (
        Designation.objects.filter(status=DesignationStatus.PENDING)
        .select_related("activity", "designated_by")
        .annotate(expert_count=Count("members"))
        .order_by("designated_at", "pk")
    )


def designations_of(activity: Activity) -> QuerySet[Designation]:
    return (
        activity.designations.select_related("designated_by", "decided_by")
        .prefetch_related("members__expert")
        .order_by("designated_at", "pk")
    )


# --- what waits for staff ------------------------------------------------------------------------


def activities_of(user: User) -> QuerySet[Activity]:
    return Activity.objects.filter(staff=user)


def invitations_awaiting(user: User) -> QuerySet[Invitation]:
    """Invitations of the user's open activities still waiting for an answer."""
    return Invitation.objects.filter(
        activity__staff=user, activity__status="open", status=InvitationStatus.SENT
    ).select_related("activity", "expert")


def attendance_to_record(user: User) -> list[Activity]:
    """The user's activities closed within a year that have begun, with someone confirmed but no
    attendance recorded."""
    today = timezone.localdate()
    out = []
    for activity in Activity.objects.filter(
        staff=user,
        status="closed",
        start_date__lte=today,
        closed_at__gte=timezone.now() - dt.timedelta(days=365),
    ).order_by("closed_at"):
        recorded = set(activity.attendance.values_list("expert_id", flat=True))
        if set(confirmed_experts(activity)) - recorded:
            out.append(activity)
    return out


# --- an expert's own record ----------------------------------------------------------------------


def invitations_of_expert(expert: Expert) -> QuerySet[Invitation]:
    return expert.invitations.select_related("activity").order_by("-sent_at", "-pk")


def fees_of_expert(expert: Expert) -> list[Fee]:
    return list(
        expert.fees.filter(removed_at__isnull=True).select_related("activity").order_by("-paid_on")
    )


def yearly_fee_totals(fees: list[Fee]) -> list[tuple[int, Decimal]]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for fee in fees:
        totals[fee.paid_on.year] += fee.amount
    return sorted(totals.items(), reverse=True)


def unexcused_absences(expert: Expert, since: dt.date | None = None) -> int:
    """How many times the expert was absent without leave after accepting (art. 8(6)): the count
    the exits issue reads. ``since``: count only activities starting on or after that day."""
    qs = Attendance.objects.filter(expert=expert, status=AttendanceStatus.UNEXCUSED)
    if since is not None:
        qs = qs.filter(activity__start_date__gte=since)
    return qs.count()


def unexcused_absence_counts(since: dt.date | None = None) -> dict[int, int]:
    """expert id -> unexcused absences, for every expert with at least one."""
    qs = Attendance.objects.filter(status=AttendanceStatus.UNEXCUSED)
    if since is not None:
        qs = qs.filter(activity__start_date__gte=since)
    return dict(Counter(qs.values_list("expert_id", flat=True)))


# --- fees ------------------------------------------------------------------------------------------


def fees_of_year(year: int) -> QuerySet[Fee]:
    return (
        Fee.objects.filter(paid_on__year=year, removed_at__isnull=True)
        .select_related("activity", "expert", "recorded_by")
        .order_by("paid_on", "pk")
    )


@dataclass
class FeeTotal:
    expert: Expert
    count: int
    total: Decimal


def fee_totals(year: int) -> list[FeeTotal]:
    """Each expert's fees paid in ``year``: number of payments and total, largest first."""
    rows = (
        Fee.objects.filter(paid_on__year=year, removed_at__isnull=True)
        .values("expert")
        .annotate(n=Count("pk"), total=Sum("amount"))
    )
    experts = Expert.objects.in_bulk([r["expert"] for r in rows])
    out = [FeeTotal(experts[r["expert"]], r["n"], r["total"]) for r in rows]
    return sorted(out, key=lambda t: (-t.total, t.expert.pool_number or ""))


def fee_years() -> list[int]:
    years = {d.year for d in Fee.objects.filter(removed_at__isnull=True).dates("paid_on", "year")}
    return sorted(years, reverse=True)


def designated_pairs(activity_ids: set[int]) -> set[tuple[int, int]]:
    """(activity id, expert id) of the approved designations of these activities (exports mark
    designated experts as such)."""
    return set(
        DesignatedExpert.objects.filter(
            designation__activity_id__in=activity_ids,
            designation__status=DesignationStatus.APPROVED,
        ).values_list("designation__activity_id", "expert_id")
    )

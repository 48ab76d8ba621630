"""Statistics beyond the draws themselves: how answers came in (the share staff recorded on the
experts' behalf), designations, the spread of participation (its Gini coefficient), and the
history fair rotation weighs."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from zhiku.activities import rotation
from zhiku.activities.choices import (
    AnsweredVia,
    DesignationStatus,
    DrawStatus,
    InvitationStatus,
    Outcome,
)
from zhiku.activities.models import Candidate, DesignatedExpert, Designation, Draw, Invitation
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert

ANSWERED = (InvitationStatus.ACCEPTED, InvitationStatus.DECLINED, InvitationStatus.WITHDRAWN)


@dataclass
class AnswerStatistics:
    year: int
    sent: int = 0
    answered: int = 0  # by the expert or by staff for them (not lapsed)
    on_behalf: int = 0  # of those, recorded by staff
    accepted: int = 0
    lapsed: int = 0
    withdrawn: int = 0
    declined: Counter[str] = field(default_factory=Counter)  # by DeclineReason

    @property
    def on_behalf_percent(self) -> float:
        return 100.0 * self.on_behalf / self.answered if self.answered else 0.0


def answer_statistics() -> list[AnswerStatistics]:
    """Invitations by year sent: answers, lapses, declines by reason, and how many answers staff
    recorded on the experts' behalf (so invented declines would show)."""
    years: dict[int, AnswerStatistics] = {}
    rows = Invitation.objects.values_list(
        "sent_at", "status", "answered_via", "withdrawn_via", "decline_reason"
    )
    for sent_at, status, via, withdrawn_via, reason in rows:
        year = sent_at.year
        y = years.setdefault(year, AnswerStatistics(year))
        y.sent += 1
        if status in ANSWERED:
            y.answered += 1
            if AnsweredVia.STAFF in (via, withdrawn_via):
                y.on_behalf += 1
        if status in (InvitationStatus.ACCEPTED, InvitationStatus.WITHDRAWN):
            y.accepted += 1
        if status == InvitationStatus.WITHDRAWN:
            y.withdrawn += 1
        if status == InvitationStatus.LAPSED:
            y.lapsed += 1
        if status == InvitationStatus.DECLINED:
            y.declined[reason] += 1
    return sorted(years.values(), key=lambda s: -s.year)


@dataclass
class DesignationStatistics:
    year: int
    statuses: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)  # approved ones, by reason
    experts: int = 0  # experts of approved designations


def designation_statistics() -> list[DesignationStatistics]:
    years: dict[int, DesignationStatistics] = {}
    for d in Designation.objects.prefetch_related("members"):
        y = years.setdefault(d.designated_at.year, DesignationStatistics(d.designated_at.year))
        y.statuses[d.status] += 1
        if d.status == DesignationStatus.APPROVED:
            y.reasons[d.reason] += 1
            y.experts += len(d.members.all())
    return sorted(years.values(), key=lambda s: -s.year)


@dataclass
class Participation:
    year: int
    experts: int  # active experts of the pool, the zeros included
    total: int
    gini: float
    spread: list[tuple[int, int]]  # (participations, experts)
    designated: int  # participations by designation


def participation(year: int) -> Participation:
    """Each active expert's participations in activities starting in ``year`` (confirmed, drawn
    or designated), the spread and its Gini coefficient. The experts who took part are counted
    one by one; those who did not only by their number (a pool may hold a million)."""
    active = Expert.objects.filter(status=Status.ACTIVE).count()
    drawn = (
        Candidate.objects.filter(
            outcome=Outcome.CONFIRMED,
            draw__activity__start_date__year=year,
            expert__status=Status.ACTIVE,
        )
        .exclude(draw__status=DrawStatus.CANCELLED)
        .values_list("expert_id", flat=True)
    )
    designated = list(
        DesignatedExpert.objects.filter(
            outcome=Outcome.CONFIRMED,
            designation__status=DesignationStatus.APPROVED,
            designation__activity__start_date__year=year,
            expert__status=Status.ACTIVE,
        ).values_list("expert_id", flat=True)
    )
    counts: Counter[int] = Counter(drawn)
    counts.update(designated)
    values = [0] * (active - len(counts)) + list(counts.values())
    spread = rotation.spread(counts)
    if active > len(counts):
        spread = [(0, active - len(counts)), *spread]
    return Participation(
        year=year,
        experts=active,
        total=sum(values),
        gini=rotation.gini(values),
        spread=spread,
        designated=len(designated),
    )


def rotation_history(
    *, today: dt.date, window_days: int, exclude_activity: int | None
) -> rotation.History:
    """The past draws fair rotation weighs: drawn or completed, opened within ``window_days``
    up to ``today``, other activities only; per stratum its places and labels, and who served."""
    history = rotation.History()
    draws = Draw.objects.filter(
        status__in=(DrawStatus.DRAWN, DrawStatus.COMPLETED),
        opened_on__gte=today - dt.timedelta(days=window_days),
        opened_on__lte=today,
    ).order_by("opened_at", "pk")
    if exclude_activity is not None:
        draws = draws.exclude(activity_id=exclude_activity)
    confirmed: dict[int, list[str]] = {}
    for draw_id, label in Candidate.objects.filter(
        draw__in=draws, outcome=Outcome.CONFIRMED
    ).values_list("draw_id", "label"):
        confirmed.setdefault(draw_id, []).append(label)
    for draw in draws.only("pk", "strata", "labels"):
        history.add_draw(
            ((int(s["places"]), draw.labels.get(s["key"], [])) for s in draw.strata),
            confirmed.get(draw.pk, []),
        )
    return history

"""Reads of activities and draws: lists, queues, what a person may see, statistics."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhiku.accounts.models import Role, User
from zhiku.activities.choices import ActivityStatus, DrawStatus, Outcome
from zhiku.activities.models import Activity, Candidate, Draw, Round


def activity_list(*, status: str = "", kind: str = "", q: str = "") -> QuerySet[Activity]:
    qs = Activity.objects.prefetch_related("organisations")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(organisations__name__icontains=q)).distinct()
    return qs.annotate(
        draw_count=Count("draws", distinct=True),
        cancelled_count=Count("draws", filter=Q(draws__status=DrawStatus.CANCELLED), distinct=True),
    ).order_by("-start_date", "-pk")


def may_see_names(user: User, activity: Activity) -> bool:
    """Whether ``user`` sees the names of the activity's candidates and confirmed experts.

    Confidential until the activity closes: while it is open, only its assigned staff and the
    supervisor of its draws see them (others with access see counts); once it is closed, all
    staff do.
    """
    if user.role == Role.STAFF:
        return not activity.is_open or activity.staff.filter(pk=user.pk).exists()
    if user.role == Role.SUPERVISOR:
        return activity.draws.filter(supervisor=user).exists()
    return False


def draw_rounds(draw: Draw) -> list[Round]:
    """The rounds of a draw with their candidates (and experts), in order."""
    rounds = list(
        draw.rounds.order_by("number")
        .select_related("actor")
        .prefetch_related(
            Prefetch(
                "candidates",
                queryset=Candidate.objects.select_related("expert").order_by("rank"),
            )
        )
    )
    names = draw.stratum_names()
    for rnd in rounds:
        for c in rnd.candidates.all():
            c.stratum_name = names.get(c.stratum, c.stratum)  # type: ignore[attr-defined]
    return rounds


def wanted_by_stratum(draw: Draw, confirmed: Sequence[Candidate]) -> dict[str, int]:
    """Each stratum's places not yet filled by a confirmed candidate."""
    wanted = {s["key"]: int(s["places"]) for s in draw.strata}
    for c in confirmed:
        wanted[c.stratum] -= 1
    return {key: max(0, n) for key, n in wanted.items()}


def remaining_labels(draw: Draw, wanted: Mapping[str, int]) -> int:
    """How many frozen labels of strata that still want someone were never drawn."""
    drawn = set(draw.candidates.values_list("label", flat=True))
    return sum(
        1
        for key, labels in draw.labels.items()
        if wanted.get(key, 0) > 0
        for label in labels
        if label not in drawn
    )


@dataclass
class DrawState:
    """Where a drawn draw stands: filled, pending answers, a gap to top up, or exhausted."""

    confirmed: int
    pending: int
    left: int
    shortfall: int  # places not confirmed
    remaining: int  # frozen labels of wanting strata never drawn
    next_round: int

    @property
    def can_top_up(self) -> bool:
        return self.pending == 0 and self.shortfall > 0 and self.remaining > 0

    @property
    def exhausted(self) -> bool:
        """No label left to draw, and a gap even if everyone still to answer accepts."""
        return self.missing > 0 and self.remaining == 0

    @property
    def missing(self) -> int:
        return max(0, self.shortfall - self.pending)


def draw_state(draw: Draw) -> DrawState:
    candidates = list(draw.candidates.all())
    confirmed = [c for c in candidates if c.outcome == Outcome.CONFIRMED]
    wanted = wanted_by_stratum(draw, confirmed)
    return DrawState(
        confirmed=len(confirmed),
        pending=sum(1 for c in candidates if c.outcome == Outcome.PENDING),
        left=sum(1 for c in candidates if c.has_left),
        shortfall=sum(wanted.values()),
        remaining=remaining_labels(draw, wanted),
        next_round=draw.rounds.count() + 1,
    )


def draw_queue(queue: str) -> list[Draw]:
    """Draws of open activities waiting: a witness value, a lottery result, invitations to send,
    answers, or a top-up."""
    active = Draw.objects.filter(activity__status=ActivityStatus.OPEN).select_related("activity")
    if queue == "lottery":
        return list(
            active.filter(status=DrawStatus.OPENED)
            .exclude(lottery_name="")
            .filter(lottery_value="")
        )
    drawn = active.filter(status=DrawStatus.DRAWN)
    if queue == "answers":
        return list(drawn.filter(candidates__outcome=Outcome.PENDING).distinct())
    if queue == "invite":
        return list(
            drawn.filter(
                candidates__outcome=Outcome.PENDING, candidates__invitation__isnull=True
            ).distinct()
        )
    if queue == "topup":
        return [
            d
            for d in drawn.exclude(candidates__outcome=Outcome.PENDING)
            if draw_state(d).can_top_up
        ]
    if queue == "witness":
        return list(active.filter(status=DrawStatus.OPENED, witness_value=""))
    return list(Draw.objects.select_related("activity", "supervisor"))


QUEUES = {
    "witness": _("等待监督人录入见证值"),
    "lottery": _("等待录入开奖结果"),
    "invite": _("候选专家尚未发出邀请"),
    "answers": _("等待候选专家答复"),
    "topup": _("待补充抽取"),
}


def supervisor_waiting(user: User) -> QuerySet[Draw]:
    """Draws this supervisor must witness: opened, no witness value yet."""
    return Draw.objects.filter(
        supervisor=user, status=DrawStatus.OPENED, witness_value=""
    ).select_related("activity", "opened_by")


def supervisor_witnessed(user: User) -> QuerySet[Draw]:
    return (
        Draw.objects.filter(supervisor=user)
        .exclude(witness_value="")
        .select_related("activity")
        .order_by("-witness_at")
    )


def public_draws() -> tuple[QuerySet[Draw], QuerySet[Draw]]:
    """(announcements of draws under way, published records)."""
    announced = Draw.objects.filter(
        status__in=(DrawStatus.OPENED, DrawStatus.DRAWN)
    ).select_related("activity")
    published = (
        Draw.objects.filter(published_at__isnull=False)
        .select_related("activity")
        .order_by("-published_at")
    )
    return announced, published


@dataclass
class YearStatistics:
    year: int
    opened: int = 0
    completed: int = 0
    cancelled: int = 0
    under_way: int = 0
    rounds: int = 0
    topups: int = 0
    places: int = 0
    confirmed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    exhausted: int = 0
    cancellations: list[Draw] = field(default_factory=list)


def draw_statistics(*, year: int | None = None) -> list[YearStatistics]:
    """Draws by year of opening: outcomes, rounds, top-ups, and every cancellation with its reason."""
    qs = Draw.objects.select_related("activity").prefetch_related("rounds", "candidates")
    if year is not None:
        qs = qs.filter(opened_on__year=year)
    years: dict[int, YearStatistics] = {}
    for draw in qs.order_by("opened_at"):
        y = years.setdefault(draw.opened_on.year, YearStatistics(draw.opened_on.year))
        y.opened += 1
        if draw.status == DrawStatus.COMPLETED:
            y.completed += 1
        elif draw.status == DrawStatus.CANCELLED:
            y.cancelled += 1
            y.cancellations.append(draw)
        else:
            y.under_way += 1
        rounds = list(draw.rounds.all())
        y.rounds += len(rounds)
        y.topups += max(0, len(rounds) - 1)
        if rounds and rounds[-1].unfilled_total and draw.status != DrawStatus.CANCELLED:
            y.exhausted += 1
        if draw.status != DrawStatus.CANCELLED:
            y.places += draw.places
        outcomes = Counter(c.outcome for c in draw.candidates.all())
        y.outcomes.update(outcomes)
        if draw.status != DrawStatus.CANCELLED:
            y.confirmed += outcomes[Outcome.CONFIRMED]
    return sorted(years.values(), key=lambda s: -s.year)


def reason_rows(draw: Draw) -> list[tuple[str, str, list[Any]]]:
    """The excluded experts of an opened draw grouped by reason: (code, label, exclusions)."""
    from zhiku.activities.choices import Reason

    exclusions = list(draw.exclusions.select_related("expert").order_by("expert__pool_number"))
    out = []
    for code, label in Reason.choices:
        rows = [e for e in exclusions if code in e.reasons]
        if rows:
            out.append((code, str(label), rows))
    return out


def today_draws(on: dt.date) -> QuerySet[Draw]:
    return Draw.objects.filter(opened_on=on)

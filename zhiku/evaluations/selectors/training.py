"""Reads of training: the staff's list, a session with its invitees and materials, what waits
for attendance, and an expert's own sessions."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from zhiku.evaluations.choices import TrainingAttendance, TrainingStatus
from zhiku.evaluations.models import TrainingInvitee, TrainingMaterial, TrainingSession
from zhiku.experts.models import Expert


def sessions(*, status: str = "") -> QuerySet[TrainingSession]:
    qs = TrainingSession.objects.annotate(
        invited=Count("invitees", distinct=True),
        attended=Count(
            "invitees",
            filter=Q(invitees__attendance=TrainingAttendance.ATTENDED),
            distinct=True,
        ),
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-date", "-pk")


def invitees_of(session: TrainingSession) -> QuerySet[TrainingInvitee]:
    return session.invitees.select_related("expert", "recorded_by").order_by(
        "expert__pool_number", "expert__name", "pk"
    )


def materials_of(session: TrainingSession, *, removed: bool = False) -> QuerySet[TrainingMaterial]:
    qs = session.materials.select_related("file", "added_by", "removed_by")
    return qs if removed else qs.filter(removed_at__isnull=True)


def attendance_waiting(today: dt.date) -> QuerySet[TrainingSession]:
    """Planned sessions whose day has come and whose attendance is not recorded yet."""
    return (
        TrainingSession.objects.filter(status=TrainingStatus.SCHEDULED, date__lte=today)
        .annotate(invited=Count("invitees"))
        .filter(invited__gt=0)
        .order_by("date", "pk")
    )


def trainings_of(expert: Expert) -> QuerySet[TrainingInvitee]:
    """The sessions the expert was invited to, latest first, with their materials."""
    return (
        TrainingInvitee.objects.filter(expert=expert)
        .select_related("session")
        .order_by("-session__date", "-pk")
    )


def material_for_expert(expert: Expert, pk: int) -> TrainingMaterial | None:
    """A material of a session the expert was invited to (None for any other)."""
    return (
        TrainingMaterial.objects.filter(
            pk=pk, removed_at__isnull=True, session__invitees__expert=expert
        )
        .select_related("file")
        .first()
    )

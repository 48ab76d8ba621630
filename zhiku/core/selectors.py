from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhiku.core.models import AuditEntry, CalendarChange, PolicyChange


def audit_entries(
    *,
    actor: str = "",
    action: str = "",
    object: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries matching the auditor's filters, newest first; dates are Asia/Shanghai days."""
    qs = AuditEntry.objects.select_related("actor").order_by("-seq")
    if actor:
        qs = qs.filter(Q(actor_label__icontains=actor) | Q(actor__username__iexact=actor))
    if action:
        qs = qs.filter(action__startswith=action)
    if object:
        qs = qs.filter(Q(object_repr__icontains=object) | Q(object_type=object))
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(
            at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return qs


def calendar_changes(year: int) -> QuerySet[CalendarChange]:
    """Changes made to one year of the working-day calendar, newest first."""
    return CalendarChange.objects.filter(year=year).select_related("actor").order_by("-at", "-id")


def policy_history(key: str) -> QuerySet[PolicyChange]:
    """Every change ever made to one policy setting, latest effective date first."""
    return (
        PolicyChange.objects.filter(key=key)
        .select_related("actor")
        .order_by("-effective_from", "-id")
    )

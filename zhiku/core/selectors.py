from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from zhiku.core import plugins
from zhiku.core.models import AuditEntry, CalendarChange, ParameterChange
from zhiku.core.parameters import Parameter, all_parameters, parameter


def audit_entries(
    *,
    actor: str = "",
    action: str = "",
    object: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries matching the auditor's filters, newest first; dates are Asia/Shanghai days.

    ``action`` is one action code, or the start of several ("accounts." for every account action).
    """
    qs = AuditEntry.objects.select_related("actor").order_by("-seq")
    if actor:
        qs = qs.filter(Q(actor_label__icontains=actor) | Q(actor__username__iexact=actor))
    if action.endswith("."):
        qs = qs.filter(action__startswith=action)
    elif action:
        qs = qs.filter(action=action)
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


def parameter_history(key: str) -> QuerySet[ParameterChange]:
    """Every change ever made to one parameter, latest effective date first."""
    return (
        ParameterChange.objects.filter(key=key)
        .select_related("actor")
        .order_by("-effective_on", "-id")
    )


def audit_filters_shown(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Return the auditor's filters as the export and its audit entry record them."""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in filters.items() if v}


@dataclass(frozen=True)
class AuditRow:
    """One audit entry in words: the action, the object and each change and datum by its label."""

    entry: AuditEntry
    action: str
    object_type: str
    changes: list[tuple[str, str, str]]
    data: list[tuple[str, str]]

    @property
    def size(self) -> int:
        return len(self.changes) + len(self.data)


def object_type_label(object_type: str) -> str:
    """Return the Chinese name of an audited object's model (``experts.expert`` -> 专家)."""
    if not object_type:
        return ""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)


def audit_row(entry: AuditEntry) -> AuditRow:
    """Return ``entry`` as people read it, with the labels the apps' plugins declare."""
    action = entry.action

    def label(key: str) -> str:
        return plugins.field_label(key, action=action) or key

    return AuditRow(
        entry=entry,
        action=plugins.action_label(action),
        object_type=object_type_label(entry.object_type),
        changes=[
            (
                label(key),
                plugins.value_label(key, pair[0], action=action),
                plugins.value_label(key, pair[1], action=action),
            )
            for key, pair in entry.changes.items()
        ],
        data=[
            (label(key), plugins.value_label(key, v, action=action))
            for key, v in entry.data.items()
        ],
    )


@dataclass(frozen=True)
class ParameterRow:
    """A parameter as staff see it on a date: its value then, the change in force, what is next."""

    parameter: Parameter
    today_value: str
    in_force: ParameterChange | None
    scheduled: list[tuple[dt.date, str]]


def parameter_overview(today: dt.date) -> list[ParameterRow]:
    """Every parameter with its value in force ``today`` and the changes scheduled after it."""
    declared = all_parameters()
    # One query for every parameter: each history is latest first, so the first change that
    # has taken effect is the one in force and the later ones are scheduled.
    histories: dict[str, list[ParameterChange]] = {key: [] for key in declared}
    for change in ParameterChange.objects.order_by("-effective_on", "-id"):
        histories.setdefault(change.key, []).append(change)
    rows = []
    for key, p in declared.items():
        history = histories[key]
        in_force = next((c for c in history if c.effective_on <= today), None)
        rows.append(
            ParameterRow(
                parameter=p,
                today_value=p.display(p.default if in_force is None else p.load(in_force.value)),
                in_force=in_force,
                scheduled=[
                    (c.effective_on, p.display(p.load(c.value)))
                    for c in reversed(history)
                    if c.effective_on > today
                ],
            )
        )
    return rows


def parameter_timeline(key: str, today: dt.date) -> list[tuple[ParameterChange, str, str]]:
    """Every change of one parameter with its value shown and whether it is past, in force or
    scheduled on ``today``."""
    p = parameter(key)
    history = list(parameter_history(key))
    in_force = next((c for c in history if c.effective_on <= today), None)
    return [
        (
            c,
            p.display(p.load(c.value)),
            "scheduled" if c.effective_on > today else ("in_force" if c == in_force else "past"),
        )
        for c in history
    ]

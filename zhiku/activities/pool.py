"""The eligible pool (候选池) of a draw: who meets its conditions, who must recuse and why.

One SQL query does it: the experts of the pool that meet the conditions, each with one column
per recusal rule (set-based subqueries, no loop over model objects), so a pool of a million
experts is read once. Experts who do not meet the conditions are counted, not listed; those who
meet them but must recuse are listed with every reason that applies; the rest are eligible and
their pool numbers become the draw's labels, by stratum.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils.translation import gettext as _

from zhiku.activities.choices import (
    LIVE_DESIGNATION_STATUSES,
    DesignationStatus,
    DrawStatus,
    FieldMatch,
    Outcome,
    Reason,
)
from zhiku.activities.models import Candidate, DesignatedExpert, OrganisationAlias
from zhiku.activities.orgnames import OrganisationMatches, org_key
from zhiku.experts.choices import OUTSIDE_GUANGDONG, OrgType, Region, Status, TitleLevel
from zhiku.experts.models import (
    Conflict,
    Employment,
    Expert,
    ExpertField,
    ExpertiseField,
    Unavailability,
)

ALL = "all"  # the one stratum of a draw without strata

# Statuses read: the active are drawn from, the suspended and exited are listed as excluded.
POOL_STATUSES = (Status.ACTIVE, Status.SUSPENDED, Status.EXITED)


@dataclass(frozen=True)
class Stratum:
    key: str  # an organisation type, or "all"
    name: str
    places: int

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "places": self.places}


def strata_from(places: int, by_org_type: Mapping[str, int] | None) -> list[Stratum]:
    """The strata of a draw: one per organisation type with its places, or one of all."""
    if not by_org_type:
        return [Stratum(ALL, _("全部"), places)]
    return [
        Stratum(code, str(OrgType(code).label), int(n))
        for code, n in by_org_type.items()
        if int(n) > 0
    ]


@dataclass(frozen=True)
class Conditions:
    """What an expert must have (设定条件). Empty tuples mean "any"."""

    fields: tuple[str, ...] = ()  # codes of the expertise catalogue
    field_match: str = FieldMatch.ANY
    title_levels: tuple[str, ...] = ()
    org_types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    out_of_province: bool = True  # experts from outside Guangdong allowed (art. 3)

    def as_json(self) -> dict[str, Any]:
        return {
            "fields": list(self.fields),
            "field_match": self.field_match,
            "title_levels": list(self.title_levels),
            "org_types": list(self.org_types),
            "regions": list(self.regions),
            "out_of_province": self.out_of_province,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Conditions:
        return cls(
            fields=tuple(data.get("fields", ())),
            field_match=data.get("field_match", FieldMatch.ANY),
            title_levels=tuple(data.get("title_levels", ())),
            org_types=tuple(data.get("org_types", ())),
            regions=tuple(data.get("regions", ())),
            out_of_province=bool(data.get("out_of_province", True)),
        )

    def describe(self) -> list[str]:
        """The conditions in words, one line each (for pages, the sheet and the record)."""
        lines = []
        if self.fields:
            names = dict(
                ExpertiseField.objects.filter(code__in=self.fields).values_list("code", "name")
            )
            shown = "、".join(f"{c} {names.get(c, '')}".strip() for c in self.fields)
            how = FieldMatch(self.field_match).label
            lines.append(_("专业领域：%(f)s（%(how)s）") % {"f": shown, "how": how})
        if self.title_levels:
            shown = "、".join(str(TitleLevel(t).label) for t in self.title_levels)
            lines.append(_("职称级别：%(t)s") % {"t": shown})
        if self.org_types:
            shown = "、".join(str(OrgType(t).label) for t in self.org_types)
            lines.append(_("单位类型：%(t)s") % {"t": shown})
        if self.regions:
            shown = "、".join(str(Region(r).label) for r in self.regions)
            lines.append(_("所在地区：%(r)s") % {"r": shown})
        lines.append(_("省外专家：可以抽取") if self.out_of_province else _("省外专家：不抽取"))
        return lines


@dataclass(frozen=True)
class Recusal:
    """The recusal rules of one draw, as they stood on the day it was opened (回避情形)."""

    activity_id: int | None
    start: dt.date
    end: dt.date
    on: dt.date  # the day the rules apply (years are counted back from it)
    organisations: tuple[str, ...] = ()  # the names the activity lists
    keys: frozenset[str] = frozenset()  # their keys and those of their aliases
    years: int = 3  # parameter recusal_years
    rest_days: int = 0  # parameter rotation_rest_days (0: off)
    yearly_cap: int = 0  # parameter rotation_yearly_cap (0: off)

    def as_json(self) -> dict[str, Any]:
        return {
            "activity": self.activity_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "on": self.on.isoformat(),
            "organisations": list(self.organisations),
            "keys": sorted(self.keys),
            "years": self.years,
            "rest_days": self.rest_days,
            "yearly_cap": self.yearly_cap,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recusal:
        return cls(
            activity_id=data.get("activity"),
            start=dt.date.fromisoformat(data["start"]),
            end=dt.date.fromisoformat(data["end"]),
            on=dt.date.fromisoformat(data["on"]),
            organisations=tuple(data.get("organisations", ())),
            keys=frozenset(data.get("keys", ())),
            years=int(data.get("years", 3)),
            rest_days=int(data.get("rest_days", 0)),
            yearly_cap=int(data.get("yearly_cap", 0)),
        )

    @property
    def cutoff(self) -> dt.date:
        """Work that ended on or after this day is "within the years" (29 Feb → 28 Feb)."""
        try:
            return self.on.replace(year=self.on.year - self.years)
        except ValueError:
            return self.on.replace(year=self.on.year - self.years, day=28)


def organisation_keys(names: Iterable[str]) -> frozenset[str]:
    """The keys of ``names`` and of every name the alias table joins to one of them."""
    keys = {org_key(n) for n in names} - {""}
    if not keys:
        return frozenset()
    pairs = [
        (org_key(a), org_key(c))
        for a, c in OrganisationAlias.objects.values_list("alias", "canonical")
    ]
    # Aliases form groups around a canonical name: join whole groups, to a fixed point.
    changed = True
    while changed:
        changed = False
        for a, c in pairs:
            if (a in keys) != (c in keys):
                keys |= {a, c}
                changed = True
    return frozenset(keys - {""})


def _field_ids(codes: Sequence[str]) -> dict[str, set[int]]:
    """Each selected field's id and, for a top-level field, its sub-fields' ids."""
    out: dict[str, set[int]] = {code: set() for code in codes}
    rows = ExpertiseField.objects.filter(Q(code__in=codes) | Q(parent__code__in=codes)).values_list(
        "pk", "code", "parent__code"
    )
    for pk, code, parent_code in rows:
        for c in (code, parent_code):
            if c in out:
                out[c].add(pk)
    return out


def meeting_conditions(conditions: Conditions, strata: Sequence[Stratum]) -> QuerySet[Expert]:
    """The pool's experts (with a pool number, active, suspended or exited) meeting the conditions."""
    qs = Expert.objects.filter(pool_number__isnull=False, status__in=POOL_STATUSES)
    if conditions.title_levels:
        qs = qs.filter(title_level__in=conditions.title_levels)
    org_types = set(conditions.org_types)
    stratum_types = {s.key for s in strata if s.key != ALL}
    if stratum_types:
        org_types = (org_types & stratum_types) if org_types else stratum_types
    if org_types or conditions.org_types:
        qs = qs.filter(org_type__in=sorted(org_types))
    if conditions.regions:
        qs = qs.filter(region__in=conditions.regions)
    if not conditions.out_of_province:
        qs = qs.exclude(region__in=sorted(OUTSIDE_GUANGDONG))
    if conditions.fields:
        ids = _field_ids(conditions.fields)
        if conditions.field_match == FieldMatch.ALL:
            for code in conditions.fields:
                qs = qs.filter(
                    pk__in=ExpertField.objects.filter(field_id__in=ids[code]).values("expert_id")
                )
        else:
            every = set().union(*ids.values())
            qs = qs.filter(
                pk__in=ExpertField.objects.filter(field_id__in=every).values("expert_id")
            )
    return qs


def _in(subquery: QuerySet[Any]) -> ExpressionWrapper:
    return ExpressionWrapper(Q(pk__in=subquery), output_field=BooleanField())


def _in_any(*subqueries: QuerySet[Any]) -> ExpressionWrapper:
    q = Q()
    for subquery in subqueries:
        q |= Q(pk__in=subquery)
    return ExpressionWrapper(q, output_field=BooleanField())


def _first_id(subquery: QuerySet[Any]) -> Subquery:
    """The first matching row's id, or NULL: a correlated scalar subquery. Unlike EXISTS, which
    PostgreSQL may turn into a hash of the whole table (every employment of a million experts,
    each name tested), it runs per expert meeting the conditions, through the expert_id index."""
    return Subquery(subquery.order_by().values("pk")[:1])


@contextmanager
def without_jit() -> Iterator[None]:
    """Run the pool's query without PostgreSQL's JIT compilation: for a query run once, compiling
    its expressions costs more than it saves (hundreds of milliseconds at a million experts)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def recusal_columns(
    conditions: Conditions,
    recusal: Recusal,
    *,
    in_where: bool = False,
    designation_id: int | None = None,
) -> dict[str, Any]:
    """One column per recusal rule in force (name -> expression): true, or an id, when it applies.

    In a SELECT list the organisation rules are correlated scalar subqueries (see ``_first``);
    in a WHERE clause (``in_where``) they are EXISTS, which PostgreSQL plans as anti-joins.
    ``designation_id``: a designation being checked, which must not count as its own reason.
    """
    _first = Exists if in_where else _first_id
    columns: dict[str, Any] = {}
    if recusal.keys:
        columns["r_org_now"] = OrganisationMatches("organisation", recusal.keys)
        columns["r_emp_now"] = _first(
            Employment.objects.filter(expert_id=OuterRef("pk"), end__isnull=True).filter(
                OrganisationMatches("organisation", recusal.keys)
            )
        )
        if recusal.years > 0:
            columns["r_emp_recent"] = _first(
                Employment.objects.filter(expert_id=OuterRef("pk"), end__gte=recusal.cutoff).filter(
                    OrganisationMatches("organisation", recusal.keys)
                )
            )
        columns["r_conflict"] = _first(
            Conflict.objects.filter(
                expert_id=OuterRef("pk"),
                kind=Conflict.Kind.ORGANISATION,
                withdrawn_at__isnull=True,
            ).filter(OrganisationMatches("party", recusal.keys))
        )
    if conditions.fields:
        # Declared unfamiliar: a selected field, the top-level field above it, or (for a
        # selected top-level field) any field below it (art. 12(3)).
        wanted = ExpertiseField.objects.filter(
            Q(code__in=conditions.fields) | Q(parent__code__in=conditions.fields)
        )
        unfamiliar = set(wanted.values_list("pk", flat=True)) | {
            p for p in wanted.values_list("parent_id", flat=True) if p is not None
        }
        through = Expert.unfamiliar_fields.through
        columns["r_unfamiliar"] = _in(
            through.objects.filter(expertisefield_id__in=sorted(unfamiliar)).values("expert_id")
        )
    columns["r_unavailable"] = _in(
        Unavailability.objects.filter(start__lte=recusal.end, end__gte=recusal.start).values(
            "expert_id"
        )
    )
    # Who serves: confirmed candidates of draws not cancelled, and confirmed experts of approved
    # designations (art. 19) — both count for overlaps and rotation.
    served = Candidate.objects.exclude(draw__status=DrawStatus.CANCELLED)
    others = served.filter(outcome=Outcome.CONFIRMED)
    designated = DesignatedExpert.objects.filter(
        designation__status=DesignationStatus.APPROVED, outcome=Outcome.CONFIRMED
    )
    if recusal.activity_id is not None:
        named = DesignatedExpert.objects.filter(
            designation__activity_id=recusal.activity_id,
            designation__status__in=LIVE_DESIGNATION_STATUSES,
        )
        if designation_id is not None:
            named = named.exclude(designation_id=designation_id)
        columns["r_drawn"] = _in_any(
            served.filter(draw__activity_id=recusal.activity_id).values("expert_id"),
            named.values("expert_id"),
        )
        others = others.exclude(draw__activity_id=recusal.activity_id)
        designated = designated.exclude(designation__activity_id=recusal.activity_id)
    columns["r_overlap"] = _in_any(
        others.filter(
            draw__activity__start_date__lte=recusal.end,
            draw__activity__end_date__gte=recusal.start,
        ).values("expert_id"),
        designated.filter(
            designation__activity__start_date__lte=recusal.end,
            designation__activity__end_date__gte=recusal.start,
        ).values("expert_id"),
    )
    if recusal.rest_days > 0:
        since = recusal.start - dt.timedelta(days=recusal.rest_days)
        columns["r_rest"] = _in_any(
            others.filter(
                draw__activity__end_date__gte=since, draw__activity__start_date__lt=recusal.start
            ).values("expert_id"),
            designated.filter(
                designation__activity__end_date__gte=since,
                designation__activity__start_date__lt=recusal.start,
            ).values("expert_id"),
        )
    if recusal.yearly_cap > 0:
        year = recusal.start.year
        counts: Counter[int] = Counter(
            others.filter(draw__activity__start_date__year=year).values_list("expert_id", flat=True)
        )
        counts.update(
            designated.filter(designation__activity__start_date__year=year).values_list(
                "expert_id", flat=True
            )
        )
        capped = sorted(e for e, n in counts.items() if n >= recusal.yearly_cap)
        columns["r_cap"] = ExpressionWrapper(Q(pk__in=capped), output_field=BooleanField())
    return columns


# Column -> the reason it records.
COLUMN_REASON = {
    "r_org_now": Reason.WORKS_FOR,
    "r_emp_now": Reason.WORKS_FOR,
    "r_emp_recent": Reason.WORKED_FOR,
    "r_conflict": Reason.CONFLICT,
    "r_unfamiliar": Reason.UNFAMILIAR,
    "r_unavailable": Reason.UNAVAILABLE,
    "r_drawn": Reason.ALREADY_DRAWN,
    "r_overlap": Reason.OVERLAPPING,
    "r_rest": Reason.ROTATION_REST,
    "r_cap": Reason.ROTATION_CAP,
}
STATUS_REASON = {Status.SUSPENDED: Reason.SUSPENDED, Status.EXITED: Reason.EXITED}


@dataclass
class Excluded:
    expert_id: int
    label: str
    reasons: tuple[str, ...]


@dataclass
class Pool:
    """The outcome of applying a draw's conditions and recusal rules to the pool."""

    strata: list[Stratum]
    labels: dict[str, list[str]]  # stratum key -> eligible pool numbers, ascending
    expert_ids: dict[str, int]  # pool number -> expert id (eligible ones)
    excluded: list[Excluded] = field(default_factory=list)
    meeting: int = 0  # active experts meeting the conditions (eligible or recused)
    not_meeting: int = 0  # active experts of the pool who do not meet them (counted only)

    @property
    def label_count(self) -> int:
        return sum(len(v) for v in self.labels.values())

    def stratum_rows(self) -> list[dict[str, Any]]:
        """Each stratum's places, eligible count and the places that cannot be filled."""
        return [
            {
                "key": s.key,
                "name": s.name,
                "places": s.places,
                "eligible": len(self.labels[s.key]),
                "unfilled": max(0, s.places - len(self.labels[s.key])),
            }
            for s in self.strata
        ]

    def reason_counts(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for e in self.excluded:
            counts.update(e.reasons)
        return {r: counts[r] for r in Reason.values if counts[r]}

    def by_reason(self) -> list[tuple[str, str, list[Excluded]]]:
        """(code, label, excluded experts) for each reason that excluded someone."""
        out = []
        for code, label in Reason.choices:
            rows = [e for e in self.excluded if code in e.reasons]
            if rows:
                out.append((code, str(label), rows))
        return out

    def counts_json(self) -> dict[str, Any]:
        return {
            "meeting": self.meeting,
            "not_meeting": self.not_meeting,
            "eligible": {key: len(v) for key, v in self.labels.items()},
            "reasons": self.reason_counts(),
        }


def compute_pool(conditions: Conditions, strata: Sequence[Stratum], recusal: Recusal) -> Pool:
    """Apply the conditions and the recusal rules in one query; split eligible from excluded."""
    columns = recusal_columns(conditions, recusal)
    query = (
        meeting_conditions(conditions, strata)
        .annotate(**columns)
        .values_list("pk", "pool_number", "org_type", "status", *columns)
        .order_by()
    )
    sql, params = query.query.sql_with_params()
    with without_jit():
        # The compiled statement run bare: no per-value converters on tens of thousands of rows
        # (booleans come back as 0/1 on SQLite, ids or NULL from the subqueries).
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        # Active experts all have a pool number (admission gives it): the count reads one index.
        active = Expert.objects.filter(status=Status.ACTIVE).count()
    by_type = {s.key for s in strata} != {ALL}
    labels: dict[str, list[str]] = {s.key: [] for s in strata}
    expert_ids: dict[str, int] = {}
    excluded: list[Excluded] = []
    meeting = 0
    names = list(columns)
    for pk, pool_number, org_type, status, *flags in rows:
        # A boolean column, or a subquery's first id (None: nothing found).
        reasons = [COLUMN_REASON[n] for n, flag in zip(names, flags, strict=True) if flag]
        if status in STATUS_REASON:
            reasons.append(STATUS_REASON[status])
        else:
            meeting += 1
        if reasons:
            ordered = tuple(r for r in Reason.values if r in reasons)
            excluded.append(Excluded(pk, pool_number, ordered))
            continue
        labels[org_type if by_type else ALL].append(pool_number)
        expert_ids[pool_number] = pk
    for values in labels.values():
        values.sort()
    excluded.sort(key=lambda e: e.label)
    return Pool(
        strata=list(strata),
        labels=labels,
        expert_ids=expert_ids,
        excluded=excluded,
        meeting=meeting,
        not_meeting=active - meeting,
    )


def eligible_ids(
    conditions: Conditions, strata: Sequence[Stratum], recusal: Recusal
) -> QuerySet[Any]:
    """Only the eligible experts' ids, every rule in the WHERE clause (the benchmark's bare query)."""
    qs = meeting_conditions(conditions, strata).filter(status=Status.ACTIVE)
    for expression in recusal_columns(conditions, recusal, in_where=True).values():
        qs = qs.exclude(expression)
    return qs.values_list("pk", flat=True).order_by()


def recusal_of(
    expert_ids: Sequence[int], recusal: Recusal, *, designation_id: int | None = None
) -> dict[int, tuple[str, ...]]:
    """Why each of these experts must not serve the activity (designation, art. 19): the same
    recusal rules as a draw's (no conditions), and anyone not in the pool. Only those with a
    reason are returned."""
    columns = recusal_columns(Conditions(), recusal, designation_id=designation_id)
    rows = (
        Expert.objects.filter(pk__in=list(expert_ids))
        .annotate(**columns)
        .values_list("pk", "status", *columns)
    )
    out: dict[int, tuple[str, ...]] = {}
    names = list(columns)
    for pk, status, *flags in rows:
        reasons = [COLUMN_REASON[n] for n, flag in zip(names, flags, strict=True) if flag]
        if status != Status.ACTIVE:
            reasons.append(STATUS_REASON.get(Status(status), Reason.NOT_IN_POOL))
        if reasons:
            out[pk] = tuple(r for r in Reason.values if r in reasons)
    return out

"""Reads of the expert registry."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.models import Count, F, Min, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhiku.accounts.models import User
from zhiku.core.models import AuditEntry
from zhiku.core.selectors import audit_row
from zhiku.experts.choices import OUTSIDE_GUANGDONG, Status
from zhiku.experts.models import (
    ActivationEmail,
    ChangeRequest,
    Expert,
    ExpertField,
    ExpertiseField,
    ImportJob,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Age bands for the staff list: (code, label, lowest age, highest age) in full years.
AGE_BANDS: list[tuple[str, StrOrPromise, int | None, int | None]] = [
    ("-44", _("45 周岁以下"), None, 44),
    ("45-54", _("45–54 周岁"), 45, 54),
    ("55-60", _("55–60 周岁"), 55, 60),
    ("61-65", _("61–65 周岁"), 61, 65),
    ("66-", _("66 周岁及以上"), 66, None),
]


# Orders of the staff list: (code, label, order). A whitelist: nothing else reaches order_by.
# Every order ends with the primary key, so pages never overlap or skip.
SORTS: list[tuple[str, StrOrPromise, tuple[Any, ...]]] = [
    ("pool_number", _("专家编号"), (F("pool_number").asc(nulls_last=True), "name", "pk")),
    ("-pool_number", _("专家编号（倒序）"), (F("pool_number").desc(nulls_last=True), "name", "pk")),
    ("name", _("姓名"), ("name", "pk")),
    ("-name", _("姓名（倒序）"), ("-name", "-pk")),
    ("age", _("年龄（从小到大）"), ("-birth_date", "pk")),
    ("-age", _("年龄（从大到小）"), ("birth_date", "pk")),
    ("organisation", _("工作单位"), ("organisation", "name", "pk")),
    ("-organisation", _("工作单位（倒序）"), ("-organisation", "name", "pk")),
]


def latest_birth_date_aged(age: int, today: date) -> date:
    """Return the latest birth date of someone at least ``age`` full years old on ``today``."""
    try:
        return today.replace(year=today.year - age)
    except ValueError:  # today is 29 February and that year is common: 28 February has aged
        return date(today.year - age, 2, 28)


def age_limit_split(born_by: date, today: date) -> tuple[QuerySet[Expert], QuerySet[Expert]]:
    """Split the pool's experts born on or before ``born_by`` (over the general limit on the
    day it stands for) in two: those the general limit applies to, read in SQL alone, and the
    few that need the art. 6 rules in Python — a statutory retirement age above the general
    limit (an exception category may raise their limit) or a reviewer's age override."""
    from zhiku.experts import eligibility

    limit = eligibility.rules_on(today).age_limit
    born = Expert.objects.filter(
        status__in=(Status.ACTIVE, Status.SUSPENDED), birth_date__lte=born_by
    )
    special = Q(statutory_retirement_age__gt=limit) | ~Q(age_override_reason="")
    return born.exclude(special), born.filter(special)


def age_limit_special(experts: QuerySet[Expert], today: date) -> list[tuple[Expert, date]]:
    """Each of ``experts`` (the few `age_limit_split` leaves to Python) with the first day over
    the limit that applies to them; one with a reviewer's age override is left out."""
    from zhiku.experts import eligibility

    rules = eligibility.rules_on(today)
    out = []
    for expert in experts.prefetch_related("employments"):
        profile = expert.eligibility_profile()
        if profile.age_override_reason.strip():
            continue
        out.append((expert, eligibility.over_age_since(profile, rules)))
    return out


def _over_age_parts(today: date) -> tuple[QuerySet[Expert], list[tuple[Expert, date]], int]:
    """The experts `over_age_experts` returns, in two parts: those the general limit applies to
    (a query; the limit comes with it) and the few checked in Python, each with its day."""
    from zhiku.experts import eligibility

    limit = eligibility.rules_on(today).age_limit
    # The exceptions only raise the limit: nobody younger than the general limit can fail.
    plain, special = age_limit_split(latest_birth_date_aged(limit + 1, today), today)
    checked = [(e, since) for e, since in age_limit_special(special, today) if since <= today]
    return plain, checked, limit


def over_age_experts(today: date) -> list[tuple[Expert, date]]:
    """Return the experts of the pool (在库, 暂停) who fail art. 6(5) on ``today``, oldest first,
    each with the first day they were over the limit that applies to them. An age override
    recorded by a reviewer counts as passing."""
    from zhiku.experts.eligibility import over_limit_from

    plain, checked, limit = _over_age_parts(today)
    out = [(expert, over_limit_from(expert.birth_date, limit)) for expert in plain] + checked
    return sorted(out, key=lambda pair: (pair[0].birth_date, pair[0].pk))


def over_age_summary(today: date) -> tuple[int, date | None]:
    """How many experts `over_age_experts` returns on ``today`` and the earliest day one of
    them went over their limit, counted in SQL (the staff dashboard reads this on every visit;
    the list itself is for the pages that show it)."""
    from zhiku.experts.eligibility import over_limit_from

    plain, checked, limit = _over_age_parts(today)
    found = plain.aggregate(count=Count("pk"), oldest=Min("birth_date"))
    days = [since for _e, since in checked]
    if found["oldest"] is not None:  # the general limit's first day grows with the birth date
        days.append(over_limit_from(found["oldest"], limit))
    return found["count"] + len(checked), min(days) if days else None


def over_age_filter(today: date) -> Q:
    """A filter on experts for those `over_age_experts` returns on ``today``: a subquery for
    the many the general limit applies to, ids for the few checked in Python."""
    plain, checked, _limit = _over_age_parts(today)
    return Q(pk__in=plain.values("pk")) | Q(pk__in=[e.pk for e, _since in checked])


def legacy_imports_unreviewed() -> QuerySet[Expert]:
    """Experts an import admitted whose art. 6 conditions no reviewer has gone through yet."""
    return Expert.objects.filter(
        legacy_import=True,
        legacy_reviewed_at__isnull=True,
        status__in=(Status.ACTIVE, Status.SUSPENDED),
    )


def expert_search(
    *,
    today: date,
    q: str = "",
    field: ExpertiseField | None = None,
    title_level: str = "",
    region: str = "",
    org_type: str = "",
    status: str = "",
    age_band: str = "",
    eligibility: str = "",
    sort: str = "",
) -> QuerySet[Expert]:
    """Return the experts matching every given filter, in the order ``sort`` names (one of
    ``SORTS``; by pool number then name when empty or unknown)."""
    qs = Expert.objects.all()
    if eligibility == "over_age":
        qs = qs.filter(over_age_filter(today))
    elif eligibility == "unverified_import":
        qs = qs.filter(pk__in=legacy_imports_unreviewed().values("pk"))
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(organisation__icontains=q) | Q(pool_number__icontains=q)
        )
    if field is not None:
        ids = [field.pk, *field.children.values_list("pk", flat=True)]
        experts_in_field = ExpertField.objects.filter(field_id__in=ids).values("expert_id")
        if title_level or (region and region not in ("guangdong", "outside")):
            # At 100,000 experts: with an indexed filter beside it, SQLite should walk
            # that index and test each row against the field's list; on the bare primary key
            # it would fetch every expert of the field first (2.4x slower). "pk + 0" says so.
            qs = qs.alias(_pk=F("pk") + 0).filter(_pk__in=experts_in_field)
        else:
            # A subquery, not a join + DISTINCT: each expert once, no sort of wide rows.
            qs = qs.filter(pk__in=experts_in_field)
    if title_level:
        qs = qs.filter(title_level=title_level)
    if region == "guangdong":
        qs = qs.exclude(region__in=OUTSIDE_GUANGDONG)
    elif region == "outside":
        qs = qs.filter(region__in=OUTSIDE_GUANGDONG)
    elif region:
        qs = qs.filter(region=region)
    if org_type:
        qs = qs.filter(org_type=org_type)
    if status:
        qs = qs.filter(status=status)
    for code, _label, low, high in AGE_BANDS:
        if code != age_band:
            continue
        if high is not None:
            qs = qs.filter(birth_date__gt=latest_birth_date_aged(high + 1, today))
        if low is not None:
            qs = qs.filter(birth_date__lte=latest_birth_date_aged(low, today))
    # Admitted experts by pool number first, then applicants (no number), alike on every database.
    order = next((o for code, _label, o in SORTS if code == sort), SORTS[0][2])
    return qs.order_by(*order)


# The staff list's count at scale. Counting the experts that match a field (a join) and other
# filters reads every index entry of both sides: at 1,000,000 experts that alone took most of
# the page's time (bench/experts.py). Where the table is this large, on PostgreSQL, and the
# planner expects this many matches, the page shows the planner's estimate, said to be one;
# a pool of realistic size, SQLite, and any small result are counted exactly.
ESTIMATE_FROM_TABLE_ROWS = 200_000
ESTIMATE_FROM_MATCHES = 1_000


def expert_count_estimate(qs: QuerySet[Expert]) -> int | None:
    """Return the database's estimate of ``qs.count()`` where counting would be slow, else None
    (count exactly). PostgreSQL only: its statistics (``ANALYZE``) give both figures."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Expert._meta.db_table]
        )
        row = cursor.fetchone()
        if row is None or row[0] < ESTIMATE_FROM_TABLE_ROWS:
            return None
        sql, params = qs.order_by().values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    rows = int(plan[0]["Plan"]["Plan Rows"])
    return rows if rows >= ESTIMATE_FROM_MATCHES else None


def expert_history(expert: Expert) -> QuerySet[AuditEntry]:
    """Return the audit entries about ``expert``: every change, reveal and request, and for an
    imported expert the entry of the import that entered them (one entry per file, not per
    expert: a 20,000-row import writes one)."""
    about = Q(object_type=Expert._meta.label_lower, object_id=str(expert.pk))
    if expert.import_job_id is not None:
        about |= Q(
            object_type=ImportJob._meta.label_lower,
            object_id=str(expert.import_job_id),
            action="experts.import.completed",
        )
    return AuditEntry.objects.filter(about).select_related("actor")


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor: str
    action: str
    code: str
    changes: list[tuple[str, str, str]]
    data: list[tuple[str, str]]


def _import_job(entry: AuditEntry) -> list[tuple[str, str]]:
    """Name the import job an entry is about, so that the history points at it."""
    if entry.object_type != ImportJob._meta.label_lower:
        return []
    return [(str(_("导入任务")), f"#{entry.object_id}")]


def expert_history_rows(
    expert: Expert, *, limit: int = 100, hide: Iterable[str] = ()
) -> list[HistoryRow]:
    """Return the audit entries about ``expert`` in words a member of staff reads, without the
    actions in ``hide`` (who saw protected data: shown only to holders of the reveal right)."""
    rows = []
    for entry in expert_history(expert).exclude(action__in=list(hide))[:limit]:
        # The labels and the words for codes are the ones the audit page uses (the plugins').
        row = audit_row(entry)
        rows.append(
            HistoryRow(
                at=entry.at,
                actor=entry.actor_label,
                action=row.action,
                code=entry.action,
                changes=row.changes,
                data=_import_job(entry) + list(row.data),
            )
        )
    return rows


@dataclass(frozen=True)
class AccountState:
    """Whether an expert can sign in: their account, whether its activation link was used."""

    username: str  # empty: no account yet
    email: str  # where a link would go: the account's address, else the profile's
    password_set: bool
    last_login: datetime | None
    last_invited: datetime | None  # the last set-password e-mail sent to this account

    @property
    def can_invite(self) -> bool:
        return bool(self.email) and not self.password_set


def account_state(expert: Expert) -> AccountState:
    """Return what the profile page says about the expert's account (item: 开通登录)."""
    user = expert.user
    if user is None:
        return AccountState("", expert.email, False, None, None)
    invited = (
        AuditEntry.objects.filter(
            action="accounts.activation.sent",
            object_type=User._meta.label_lower,
            object_id=str(user.pk),
        )
        .order_by("-seq")
        .values_list("at", flat=True)
        .first()
    )
    return AccountState(
        user.username, user.email, user.has_usable_password(), user.last_login, invited
    )


def expert_of(user: User) -> Expert | None:
    """Return the profile linked to an expert account, if there is one."""
    return Expert.objects.filter(user=user).first()


def pending_change_requests() -> QuerySet[ChangeRequest]:
    return ChangeRequest.objects.filter(status=ChangeRequest.Status.PENDING).select_related(
        "expert", "submitted_by"
    )


def import_jobs_of(user: User) -> QuerySet[ImportJob]:
    """Return the imports ``user`` started, newest first (nobody sees another's)."""
    return ImportJob.objects.filter(created_by=user).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class ImportEmails:
    """The activation e-mails an import owes, counted from their rows (never a running tally)."""

    sent: int
    failed: int
    pending: int
    not_needed: int
    sending: bool  # queued or going out, and the sender gave news lately: the page keeps polling
    stalled: bool  # queued or going out, but no news for a while: the sending stopped
    failures: list[tuple[str, str]]  # (address, why), the first few

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.pending + self.not_needed

    @property
    def resendable(self) -> int:
        """How many a resend would mail: those that failed or were never sent."""
        return 0 if self.sending else self.failed + self.pending


FAILURES_SHOWN = 50
# A sending that has given no news for this long has stopped (its worker died): the page stops
# waiting for it and offers to send again.
EMAIL_STALLED = timedelta(minutes=10)


def import_job_emails(job: ImportJob, *, now: datetime) -> ImportEmails:
    """Return the true counts of a job's activation e-mails and whether they are still going."""
    counts = dict(
        ActivationEmail.objects.filter(job=job)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    waiting = job.email_state in (ImportJob.EmailState.QUEUED, ImportJob.EmailState.SENDING)
    fresh = job.email_updated_at is not None and job.email_updated_at >= now - EMAIL_STALLED
    failed = counts.get(ActivationEmail.Status.FAILED, 0)
    failures = (
        list(
            ActivationEmail.objects.filter(job=job, status=ActivationEmail.Status.FAILED)
            .order_by("pk")
            .values_list("user__email", "error")[:FAILURES_SHOWN]
        )
        if failed
        else []
    )
    return ImportEmails(
        sent=counts.get(ActivationEmail.Status.SENT, 0),
        failed=failed,
        pending=counts.get(ActivationEmail.Status.PENDING, 0),
        not_needed=counts.get(ActivationEmail.Status.NOT_NEEDED, 0),
        sending=waiting and fresh,
        stalled=waiting and not fresh,
        failures=failures,
    )

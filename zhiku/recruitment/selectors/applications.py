"""Reads of recruitment: calls on the portal, queues for staff, what an application lacks, what changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.parameters import parameter_snapshot
from zhiku.experts import eligibility
from zhiku.experts.choices import SpecialCategory, TitleLevel
from zhiku.recruitment import rules
from zhiku.recruitment.models import (
    Application,
    ApplicationDocument,
    ApplicationStatusChange,
    Call,
    DeliberationRound,
    DocumentKind,
    RoundItem,
    Vote,
)


def call_phase(call: Call, now: dt.datetime) -> str:
    return rules.call_phase(
        published=call.status == Call.Status.PUBLISHED,
        opens_on=call.opens_on,
        closes_on=call.closes_on,
        now=now,
    )


def public_calls(now: dt.datetime) -> tuple[list[Call], list[Call]]:
    """Return the published calls open at ``now`` (and those still to open), and the past ones."""
    calls = list(
        Call.objects.filter(status=Call.Status.PUBLISHED)
        .prefetch_related("fields_sought")
        .order_by("-opens_on", "-pk")
    )
    current = [c for c in calls if call_phase(c, now) in (rules.OPEN, rules.UPCOMING)]
    past = [c for c in calls if call_phase(c, now) == rules.CLOSED]
    return current, past


def rules_on(day: dt.date) -> rules.RoundRule:
    """Return the council round rule in force on ``day`` (the parameters)."""
    snapshot = parameter_snapshot(day)
    return rules.RoundRule(
        quorum_numerator=snapshot["council_quorum_numerator"],
        quorum_denominator=snapshot["council_quorum_denominator"],
        majority_percent=snapshot["council_majority_percent"],
    )


def eligibility_of(application: Application, day: dt.date) -> eligibility.Result | None:
    """Return the art. 6 check of an application's current data on ``day`` (None without a birth date)."""
    profile = application.eligibility_profile()
    if profile is None:
        return None
    return eligibility.check(profile, on=day, rules=eligibility.rules_on(day))


def required_kinds(application: Application) -> list[str]:
    return rules.required_documents(
        application.call.required_documents,
        senior_manager=application.senior_manager,
        has_senior_certificates=bool(application.senior_certificates.strip()),
        has_title=application.title_level != TitleLevel.NONE,
    )


@dataclass(frozen=True)
class DocumentSlot:
    """One kind of document on the application page: whether it is required, and what is there."""

    kind: str
    label: str
    required: bool
    documents: list[ApplicationDocument]


def document_slots(application: Application) -> list[DocumentSlot]:
    required = required_kinds(application)
    documents = list(application.active_documents())
    kinds = [
        k for k in DocumentKind.values if k in required or k in application.call.required_documents
    ]
    kinds += [k for k in DocumentKind.values if k not in kinds]
    return [
        DocumentSlot(
            kind=k,
            label=str(DocumentKind(k).label),
            required=k in required,
            documents=[d for d in documents if d.kind == k],
        )
        for k in kinds
    ]


REQUIRED_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_type",
    "email",
    "organisation",
    "org_type",
    "education",
    "region",
    "primary_field",
)


def field_label(name: str) -> str:
    """Return the label of an Application field."""
    field = Application._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def missing_items(application: Application) -> list[str]:
    """Return what the application still lacks before it can be submitted, in words."""
    missing = []
    for name in REQUIRED_FIELDS:
        if getattr(application, name) in ("", None):
            missing.append(field_label(name))
    if not application.id_number_token:
        missing.append(_("证件号码"))
    if not application.mobile_token:
        missing.append(_("手机号码"))
    out = []
    if missing:
        out.append(_("请填写：%(f)s") % {"f": "、".join(missing)})
    if not application.employments.exists():
        out.append(_("请至少填写一段工作经历"))
    present = set(application.active_documents().values_list("kind", flat=True))
    lacking = [str(DocumentKind(k).label) for k in required_kinds(application) if k not in present]
    if lacking:
        out.append(_("请上传：%(d)s") % {"d": "、".join(lacking)})
    return out


def _shown(application: Application, name: str) -> str:
    value = getattr(application, name)
    field = Application._meta.get_field(name)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if value in (None, ""):
        return ""
    if getattr(field, "choices", None):
        return str(getattr(application, f"get_{name}_display")())
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


SNAPSHOT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_type",
    "email",
    "address",
    "organisation",
    "org_type",
    "position",
    "senior_manager",
    "title",
    "title_level",
    "senior_certificates",
    "education",
    "degree",
    "region",
    "primary_field",
    "achievements",
    "ethics_declared",
    "health_declared",
)


def application_snapshot(application: Application) -> dict[str, list[str]]:
    """Return what the application says now: {key: [label, value shown]} (numbers masked)."""
    out: dict[str, list[str]] = {}
    for name in SNAPSHOT_FIELDS:
        label = field_label(name)
        out[name] = [label, _shown(application, name)]
        if name == "id_type":
            out["id_number"] = [_("证件号码"), application.id_number_masked]
            out["mobile"] = [_("手机号码"), application.mobile_masked]
    out["special_categories"] = [
        _("特殊类别"),
        "、".join(str(SpecialCategory(c).label) for c in application.special_categories),
    ]
    out["other_fields"] = [
        _("其他专业领域"),
        "、".join(str(f) for f in application.other_fields.select_related("parent")),
    ]
    out["industries"] = [_("行业"), "、".join(str(i) for i in application.industries.all())]
    out["employment"] = [
        _("工作经历"),
        "\n".join(
            f"{e.organisation}{('（' + e.position + '）') if e.position else ''} "
            f"{e.start.isoformat()}–{e.end.isoformat() if e.end else _('至今')}"
            f"{'' if e.in_field else _('（非本行业）')}"
            for e in application.employments.order_by("start", "pk")
        ),
    ]
    for kind in DocumentKind.values:
        files = [
            f"{d.file.original_name}（{d.file.sha256[:8]}）"
            for d in application.active_documents().filter(kind=kind)
        ]
        out[f"document:{kind}"] = [str(DocumentKind(kind).label), "\n".join(files)]
    return out


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def snapshot_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Return what differs between two snapshots, in the order of the later one."""
    out = []
    for key, (label, value) in after.items():
        old = before.get(key, [label, ""])[1]
        if old != value:
            out.append(Change(label, old, value))
    return out


def changes_since_last_submission(application: Application) -> list[Change] | None:
    """For the reviewer: what the latest submission changed against the one before (None: first)."""
    latest = list(application.submissions.order_by("-number")[:2])
    if len(latest) < 2:
        return None
    return snapshot_changes(latest[1].snapshot, latest[0].snapshot)


def changes_since_submitted(application: Application) -> list[Change] | None:
    """For the applicant correcting a return: what they changed since they last submitted."""
    last = application.submissions.order_by("-number").first()
    if last is None:
        return None
    return snapshot_changes(last.snapshot, application_snapshot(application))


def history(application: Application) -> QuerySet[ApplicationStatusChange]:
    return application.status_changes.select_related("actor").order_by("at", "pk")


# --- staff queues ------------------------------------------------------------------------


def applications_for_staff(*, status: str = "", call: Call | None = None) -> QuerySet[Application]:
    qs = (
        Application.objects.exclude(status=Application.Status.DRAFT)
        .select_related("call", "user", "primary_field")
        .order_by("submitted_at", "pk")
    )
    if status:
        qs = qs.filter(status=status)
    if call is not None:
        qs = qs.filter(call=call)
    return qs


def waiting_since(status: str) -> tuple[int, dt.date | None]:
    """Return how many applications are in ``status`` and the day the oldest entered it."""
    apps = Application.objects.filter(status=status)
    count = apps.count()
    if not count:
        return 0, None
    first = (
        ApplicationStatusChange.objects.filter(application__status=status, to_value=status)
        .values("application")
        .annotate(since=Min("at"))
        .aggregate(oldest=Min("since"))["oldest"]
    )
    return count, timezone.localtime(first).date() if first else None


def proposed_list() -> QuerySet[Application]:
    """The applications the council passed: the proposed list (拟入库名单) the notice publishes."""
    return (
        Application.objects.filter(status=Application.Status.APPROVED)
        .select_related("call", "primary_field", "expert")
        .prefetch_related(
            Prefetch(
                "round_items",
                queryset=RoundItem.objects.filter(
                    outcome=RoundItem.Outcome.APPROVED
                ).select_related("round"),
            )
        )
        .order_by("decided_at", "pk")
    )


# --- rounds ------------------------------------------------------------------------------


def open_rounds() -> QuerySet[DeliberationRound]:
    return DeliberationRound.objects.filter(status=DeliberationRound.Status.OPEN).order_by(
        "opened_at"
    )


def voters_of(round_: DeliberationRound) -> set[int]:
    return set(
        Vote.objects.filter(item__round=round_).values_list("member_id", flat=True).distinct()
    )


def members_not_voted(round_: DeliberationRound) -> list[User]:
    voted = voters_of(round_)
    return [m for m in round_.members.order_by("pk") if m.pk not in voted]


def rounds_of_member(member: User) -> QuerySet[DeliberationRound]:
    return (
        DeliberationRound.objects.filter(members=member)
        .annotate(
            my_votes=Count("items__votes", filter=Q(items__votes__member=member)),
            item_count=Count("items", distinct=True),
        )
        .order_by("-opened_at")
    )


def my_votes(round_: DeliberationRound, member: User) -> dict[int, Vote]:
    return {v.item_id: v for v in Vote.objects.filter(item__round=round_, member=member)}


def votes_table(
    round_: DeliberationRound, items: list[RoundItem]
) -> list[tuple[User, list[Vote | None]]]:
    """Every member of a round with their vote on each item, in the items' order (None: did not
    vote). Shown only once the round has closed."""
    votes: dict[tuple[int, int], Vote] = {
        (v.member_id, v.item_id): v for v in Vote.objects.filter(item__round=round_)
    }
    return [
        (m, [votes.get((m.pk, item.pk)) for item in items]) for m in round_.members.order_by("pk")
    ]

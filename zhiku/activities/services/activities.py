"""Writes of activities and of the organisation alias table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import Right, Role, User
from zhiku.activities.choices import (
    ActivityKind,
    ActivityStatus,
    DrawStatus,
    InvitationStatus,
    OrganisationRole,
)
from zhiku.activities.errors import ActivityError
from zhiku.activities.models import (
    Activity,
    ActivityChange,
    Draw,
    DrawChange,
    InvolvedOrganisation,
    OrganisationAlias,
)
from zhiku.activities.orgnames import org_key
from zhiku.activities.services.invitations import invitations_cancel
from zhiku.core.audit import diff, log_action
from zhiku.core.errors import AccessDenied
from zhiku.core.permissions import STAFF
from zhiku.core.transitions import transition_record
from zhiku.experts import crypto

MAX_EXPERTS = 200


@dataclass
class ActivityData:
    """What staff enter for an activity (forms build it; services check it)."""

    kind: str
    title: str
    start_date: dt.date
    end_date: dt.date
    place: str
    experts_needed: int
    commissioning_units: Sequence[str] = ()
    assessed_units: Sequence[str] = ()
    staff: Sequence[User] = field(default_factory=list)
    note: str = ""


def require_in_charge(actor: User, activity: Activity) -> None:
    """Staff assigned to the activity, or holding 组织随机抽取, may change it."""
    STAFF.require(actor)
    if actor.has_right(Right.RUN_DRAWS):
        return
    if not activity.staff.filter(pk=actor.pk).exists():
        raise AccessDenied(
            _("只有本活动的负责工作人员或持有“组织随机抽取”权限的工作人员可以办理此项操作。")
        )


def _clean_names(names: Sequence[str]) -> list[str]:
    """Names stripped, blanks dropped, the same organisation (by key) kept once."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in names:
        name = " ".join(raw.split())
        key = org_key(name)
        if not name:
            continue
        if not key:
            raise ActivityError(
                _("“%(n)s”不是单位名称：请填写单位全称。") % {"n": name}, field="assessed_units"
            )
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def _check(data: ActivityData) -> tuple[list[str], list[str]]:
    if data.kind not in ActivityKind.values:
        raise ActivityError(_("请选择活动类型。"), field="kind")
    if not data.title.strip():
        raise ActivityError(_("请填写活动名称。"), field="title")
    if data.end_date < data.start_date:
        raise ActivityError(_("结束日期不能早于开始日期。"), field="end_date")
    if not data.place.strip():
        raise ActivityError(_("请填写活动地点。"), field="place")
    if not 1 <= data.experts_needed <= MAX_EXPERTS:
        raise ActivityError(
            _("所需专家人数须在 1 至 %(max)d 之间。") % {"max": MAX_EXPERTS},
            field="experts_needed",
        )
    for person in data.staff:
        if person.role != Role.STAFF or not person.is_active:
            raise ActivityError(
                _("%(p)s 不是在职的工作人员，不能负责活动。") % {"p": person}, field="staff"
            )
    commissioning = _clean_names(data.commissioning_units)
    if not commissioning:
        raise ActivityError(_("请填写委托单位。"), field="commissioning_units")
    return commissioning, _clean_names(data.assessed_units)


def _snapshot(activity: Activity) -> dict[str, Any]:
    return {
        "kind": activity.kind,
        "title": activity.title,
        "start_date": activity.start_date.isoformat(),
        "end_date": activity.end_date.isoformat(),
        "place": activity.place,
        "experts_needed": activity.experts_needed,
        "note": activity.note,
        "commissioning_units": activity.commissioning_units(),
        "assessed_units": activity.assessed_units(),
        "staff": sorted(u.username for u in activity.staff.all()),
    }


def _set_organisations(activity: Activity, commissioning: list[str], assessed: list[str]) -> None:
    activity.organisations.all().delete()
    InvolvedOrganisation.objects.bulk_create(
        [
            InvolvedOrganisation(activity=activity, role=OrganisationRole.COMMISSIONING, name=n)
            for n in commissioning
        ]
        + [
            InvolvedOrganisation(activity=activity, role=OrganisationRole.ASSESSED, name=n)
            for n in assessed
        ]
    )


@transaction.atomic
def activity_create(*, actor: User, data: ActivityData) -> Activity:
    """Create an activity (open), with its organisations and the staff assigned to it."""
    STAFF.require(actor)
    commissioning, assessed = _check(data)
    activity = Activity.objects.create(
        kind=data.kind,
        title=data.title.strip(),
        start_date=data.start_date,
        end_date=data.end_date,
        place=data.place.strip(),
        experts_needed=data.experts_needed,
        note=data.note.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    activity.staff.set(list(data.staff) or [actor])
    _set_organisations(activity, commissioning, assessed)
    transition_record(
        ActivityChange,
        action="activities.activity.created",
        subject=activity,
        actor=actor,
        from_value="",
        to_value=ActivityStatus.OPEN,
        activity=activity,
        data=_snapshot(activity),
    )
    return activity


@transaction.atomic
def activity_update(*, actor: User, activity: Activity, data: ActivityData) -> Activity:
    """Change an open activity. While a draw is under way its dates and organisations, which the
    draw's recusal used, cannot change."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_in_charge(actor, activity)
    if not activity.is_open:
        raise ActivityError(_("活动已结束，不能再修改。"))
    commissioning, assessed = _check(data)
    before = _snapshot(activity)
    active = activity.draws.filter(status__in=(DrawStatus.OPENED, DrawStatus.DRAWN)).first()
    if active is not None:
        keys = lambda names: sorted(org_key(n) for n in names)  # noqa: E731
        moved = (
            data.start_date != activity.start_date
            or data.end_date != activity.end_date
            or keys(commissioning) != keys(before["commissioning_units"])
            or keys(assessed) != keys(before["assessed_units"])
        )
        if moved:
            raise ActivityError(
                _(
                    "抽取 %(code)s 正在进行，其回避规则依据当时的活动日期和涉及单位；"
                    "如需修改这些内容，请先取消该抽取。"
                )
                % {"code": active.code}
            )
    for name in ("kind", "start_date", "end_date", "experts_needed"):
        setattr(activity, name, getattr(data, name))
    activity.title = data.title.strip()
    activity.place = data.place.strip()
    activity.note = data.note.strip()
    activity.save()
    activity.staff.set(list(data.staff) or [actor])
    _set_organisations(activity, commissioning, assessed)
    changes = diff(before, _snapshot(activity))
    if changes:
        log_action("activities.activity.updated", actor=actor, obj=activity, changes=changes)
    return activity


@transaction.atomic
def activity_close(*, actor: User, activity: Activity, reason: str = "") -> Activity:
    """Close an activity whose work is done: each drawn draw is completed and its secret, which
    lets anyone check every round, is revealed. A draw still awaiting its randomness must be
    completed or cancelled first: no draw is dropped silently."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_in_charge(actor, activity)
    if not activity.is_open:
        raise ActivityError(_("活动已于 %(at)s 结束。") % {"at": _local(activity.closed_at)})
    waiting = activity.draws.filter(status=DrawStatus.OPENED).first()
    if waiting is not None:
        raise ActivityError(
            _(
                "抽取 %(code)s 尚在等待随机数（见证值或开奖结果），活动不能结束："
                "请先完成该抽取，或说明原因后取消。"
            )
            % {"code": waiting.code}
        )
    now = timezone.now()
    for draw in activity.draws.select_for_update().filter(status=DrawStatus.DRAWN):
        draw.secret = crypto.decrypt(draw.secret_token)
        draw.status = DrawStatus.COMPLETED
        draw.finished_at = now
        draw.save(update_fields=["secret", "status", "finished_at"])
        transition_record(
            DrawChange,
            action="activities.draw.completed",
            subject=draw,
            actor=actor,
            from_value=DrawStatus.DRAWN,
            to_value=DrawStatus.COMPLETED,
            draw=draw,
            kind=DrawChange.Kind.COMPLETED,
            data={"secret": draw.secret, "rounds": draw.rounds.count()},
        )
    # Invitations still waiting for an answer stop: the activity's work is done.
    invitations_cancel(
        activity.invitations.filter(status=InvitationStatus.SENT),
        actor=actor,
        reason=_("活动已结束"),
        now=now,
    )
    for draw in activity.draws.select_for_update().filter(status=DrawStatus.CANCELLED, secret=""):
        # A cancelled draw's secret is revealed too, so that its rounds can be checked.
        draw.secret = crypto.decrypt(draw.secret_token)
        draw.save(update_fields=["secret"])
    activity.status = ActivityStatus.CLOSED
    activity.closed_at = now
    activity.save(update_fields=["status", "closed_at"])
    transition_record(
        ActivityChange,
        action="activities.activity.closed",
        subject=activity,
        actor=actor,
        from_value=ActivityStatus.OPEN,
        to_value=ActivityStatus.CLOSED,
        reason=reason.strip(),
        activity=activity,
    )
    return activity


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@transaction.atomic
def alias_add(*, actor: User, alias: str, canonical: str, note: str = "") -> OrganisationAlias:
    """Record that ``alias`` names the organisation ``canonical`` (recusal then finds both)."""
    STAFF.require(actor)
    alias, canonical = " ".join(alias.split()), " ".join(canonical.split())
    if not alias or not org_key(alias):
        raise ActivityError(_("请填写别名。"), field="alias")
    if not canonical or not org_key(canonical):
        raise ActivityError(_("请填写规范名称。"), field="canonical")
    if org_key(alias) == org_key(canonical):
        raise ActivityError(
            _("“%(a)s”与“%(c)s”按规则已视为同一单位，无需登记别名。")
            % {"a": alias, "c": canonical},
            field="alias",
        )
    if OrganisationAlias.objects.filter(alias=alias, canonical=canonical).exists():
        raise ActivityError(_("该别名已登记。"), field="alias")
    item = OrganisationAlias.objects.create(
        alias=alias,
        canonical=canonical,
        note=note.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    log_action(
        "activities.alias.added",
        actor=actor,
        obj=item,
        data={"alias": alias, "canonical": canonical, "note": item.note},
    )
    return item


@transaction.atomic
def alias_remove(*, actor: User, item: OrganisationAlias) -> None:
    STAFF.require(actor)
    log_action(
        "activities.alias.removed",
        actor=actor,
        obj=item,
        data={"alias": item.alias, "canonical": item.canonical},
    )
    item.delete()


def draw_of(activity: Activity) -> Draw | None:
    """The activity's draw under way, if any."""
    return activity.draws.filter(status__in=(DrawStatus.OPENED, DrawStatus.DRAWN)).first()


# Where a list of names was shown (the audit entry says which page).
ROSTER_PAGES = (
    "activity",
    "draw",
    "invitation",
    "letter",
    "designation",
    "supervisor",
    "sheet",
    "record",
)


def roster_viewed(*, actor: User, activity: Activity, page: str, draw: Draw | None = None) -> None:
    """Put a view of an open activity's names (candidates, confirmed or designated experts) in the
    audit trail: they are confidential until the activity closes."""
    if not activity.is_open:
        return
    data: dict[str, Any] = {"page": page}
    if draw is not None:
        data["draw"] = draw.code
    log_action("activities.roster.viewed", actor=actor, obj=activity, data=data)

"""Designation (指定, art. 19): for work a draw cannot staff with competent experts, the activity's
staff name experts with a reason category and a written justification; another member of staff
holding 批准指定专家 approves it — nobody approves their own. Recusal applies as to a draw.
Seminars (座谈研讨, art. 5(3)) may invite their experts this way with the reason 座谈研讨.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.activities import pool as pools
from zhiku.activities.choices import (
    ActivityKind,
    DesignationReason,
    DesignationStatus,
    DrawStatus,
    Reason,
)
from zhiku.activities.errors import DesignationError
from zhiku.activities.models import (
    Activity,
    DesignatedExpert,
    Designation,
    DesignationChange,
)
from zhiku.activities.services.activities import require_in_charge
from zhiku.activities.services.draws import recusal_for
from zhiku.activities.services.sending import invite_at_once
from zhiku.core.errors import AccessDenied
from zhiku.core.permissions import DESIGNATION_APPROVER
from zhiku.core.transitions import transition_record
from zhiku.experts.models import Expert

MIN_JUSTIFICATION = 10  # characters: a reason a reader can check, not a word
MAX_EXPERTS = 50


def _recused_message(experts: Sequence[Expert], found: dict[int, tuple[str, ...]]) -> str:
    lines = [
        _("%(e)s：%(r)s") % {"e": str(e), "r": "、".join(str(Reason(r).label) for r in found[e.pk])}
        for e in experts
        if e.pk in found
    ]
    return "；".join(lines)


def _check_recusal(
    activity: Activity, experts: Sequence[Expert], today: dt.date, designation_id: int | None
) -> None:
    waiting = activity.draws.filter(status=DrawStatus.OPENED).first()
    if waiting is not None:
        # Round 1 takes the frozen labels as they are: a designated expert could be drawn too.
        # After it, top-up rounds skip designated experts (disqualified, already named).
        raise DesignationError(
            _(
                "抽取 %(code)s 已冻结名单、正在等待随机数：请在第 1 轮抽取后再指定专家"
                "（此后的补充抽取会跳过被指定的专家）。"
            )
            % {"code": waiting.code}
        )
    found = pools.recusal_of(
        [e.pk for e in experts], recusal_for(activity, today), designation_id=designation_id
    )
    if found:
        raise DesignationError(
            _("以下专家须回避或不能参加，不能指定：%(list)s。")
            % {"list": _recused_message(experts, found)},
            field="experts",
        )


@transaction.atomic
def designation_create(
    *,
    actor: User,
    activity: Activity,
    reason: str,
    justification: str,
    experts: Sequence[Expert],
    now: dt.datetime | None = None,
) -> Designation:
    """Propose named experts for an activity (待批准): the reason, the justification, recusal."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_in_charge(actor, activity)
    if not activity.is_open:
        raise DesignationError(_("活动已结束，不能再指定专家。"))
    if reason not in DesignationReason.values:
        raise DesignationError(_("请选择指定的理由。"), field="reason")
    if reason == DesignationReason.SEMINAR and activity.kind != ActivityKind.SEMINAR:
        raise DesignationError(
            _(
                "“座谈研讨”只适用于座谈研讨活动（第五条第（三）项）；其他活动请选择第十九条所列的理由。"
            ),
            field="reason",
        )
    justification = justification.strip()
    if len(justification) < MIN_JUSTIFICATION:
        raise DesignationError(
            _(
                "请写明指定的书面说明（至少 %(n)d 个字）：为何随机抽取的专家难以胜任，所指定的专家为何合适。"
            )
            % {"n": MIN_JUSTIFICATION},
            field="justification",
        )
    unique = list({e.pk: e for e in experts}.values())
    if not unique:
        raise DesignationError(_("请填写要指定的专家编号。"), field="experts")
    if len(unique) > MAX_EXPERTS:
        raise DesignationError(
            _("一次最多指定 %(n)d 位专家。") % {"n": MAX_EXPERTS}, field="experts"
        )
    now = now or timezone.now()
    _check_recusal(activity, unique, timezone.localdate(now), None)
    designation = Designation.objects.create(
        activity=activity,
        reason=reason,
        justification=justification,
        designated_by=actor,
        designated_at=now,
    )
    DesignatedExpert.objects.bulk_create(
        [DesignatedExpert(designation=designation, expert=e) for e in unique]
    )
    transition_record(
        DesignationChange,
        action="activities.designation.proposed",
        subject=designation,
        actor=actor,
        from_value="",
        to_value=DesignationStatus.PENDING,
        at=now,
        designation=designation,
        data={
            "activity": activity.pk,
            "designation_reason": reason,
            "justification": justification,
            "experts": [e.pool_number for e in unique],
        },
    )
    return designation


def _locked(designation: Designation) -> Designation:
    return (
        Designation.objects.select_for_update()
        .select_related("activity", "designated_by")
        .get(pk=designation.pk)
    )


def _pending(designation: Designation, doing: str) -> None:
    if designation.status != DesignationStatus.PENDING:
        raise DesignationError(
            _("本项指定当前状态为“%(s)s”，不能%(doing)s。")
            % {"s": designation.get_status_display(), "doing": doing}
        )


def _not_own(actor: User, designation: Designation) -> None:
    if designation.designated_by_id == actor.pk:
        raise AccessDenied(
            _(
                "您是本项指定的提出人，不能处理自己的指定：请由另一位持有“批准指定专家”权限的工作人员批准或不予批准。"
            )
        )


@transaction.atomic
def designation_approve(
    *, actor: User, designation: Designation, note: str = "", now: dt.datetime | None = None
) -> Designation:
    """Approve another's designation; recusal is checked again, then the experts are invited."""
    DESIGNATION_APPROVER.require(actor)
    designation = _locked(designation)
    _not_own(actor, designation)
    _pending(designation, _("批准"))
    if not designation.activity.is_open:
        raise DesignationError(_("活动已结束，不能再批准指定。"))
    now = now or timezone.now()
    experts = [m.expert for m in designation.members.select_related("expert")]
    _check_recusal(designation.activity, experts, timezone.localdate(now), designation.pk)
    designation.status = DesignationStatus.APPROVED
    designation.decided_by = actor
    designation.decided_at = now
    designation.decision_note = note.strip()
    designation.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    transition_record(
        DesignationChange,
        action="activities.designation.approved",
        subject=designation,
        actor=actor,
        from_value=DesignationStatus.PENDING,
        to_value=DesignationStatus.APPROVED,
        reason=designation.decision_note,
        at=now,
        designation=designation,
        data={"designated_by": designation.designated_by.username},
    )
    invite_at_once(designation.activity, now=now)
    return designation


@transaction.atomic
def designation_refuse(
    *, actor: User, designation: Designation, note: str, now: dt.datetime | None = None
) -> Designation:
    """Refuse another's designation, with the reason the proposer sees."""
    DESIGNATION_APPROVER.require(actor)
    designation = _locked(designation)
    _not_own(actor, designation)
    _pending(designation, _("不予批准"))
    note = note.strip()
    if not note:
        raise DesignationError(_("请写明不予批准的理由。"), field="note")
    now = now or timezone.now()
    designation.status = DesignationStatus.REFUSED
    designation.decided_by = actor
    designation.decided_at = now
    designation.decision_note = note
    designation.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    transition_record(
        DesignationChange,
        action="activities.designation.refused",
        subject=designation,
        actor=actor,
        from_value=DesignationStatus.PENDING,
        to_value=DesignationStatus.REFUSED,
        reason=note,
        at=now,
        designation=designation,
    )
    return designation


@transaction.atomic
def designation_withdraw(
    *, actor: User, designation: Designation, reason: str, now: dt.datetime | None = None
) -> Designation:
    """The activity's staff withdraw a designation not yet decided."""
    designation = _locked(designation)
    require_in_charge(actor, designation.activity)
    _pending(designation, _("撤回"))
    reason = reason.strip()
    if not reason:
        raise DesignationError(_("请写明撤回的原因。"), field="reason")
    now = now or timezone.now()
    designation.status = DesignationStatus.WITHDRAWN
    designation.decided_at = now
    designation.decision_note = reason
    designation.save(update_fields=["status", "decided_at", "decision_note"])
    transition_record(
        DesignationChange,
        action="activities.designation.withdrawn",
        subject=designation,
        actor=actor,
        from_value=DesignationStatus.PENDING,
        to_value=DesignationStatus.WITHDRAWN,
        reason=reason,
        at=now,
        designation=designation,
    )
    return designation

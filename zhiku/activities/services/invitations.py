"""Invitations and answers (邀请与答复): each candidate of a round and each approved designated
expert is invited — a PDF letter, an e-mail and a text message with a personal link — and
answers by a deadline: accepts with the declarations of art. 13(2)(3), declines with a reason,
or lets the deadline pass (counted as declined). An expert who accepted may withdraw with a
reason. The answer fills in the candidate's outcome, so top-up rounds say who left and why.

Answers reach the system three ways, each marked: through the personal link, in the expert
area, or recorded by the activity's staff on the expert's behalf after a call — with who and
how they reached the expert, so that a decline cannot be invented to force a new draw.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import Role, User
from zhiku.activities.choices import (
    AnsweredVia,
    DeclineReason,
    DesignationStatus,
    DrawStatus,
    InvitationStatus,
    Outcome,
    WithdrawReason,
)
from zhiku.activities.errors import InvitationError
from zhiku.activities.models import (
    Activity,
    Candidate,
    CandidateChange,
    DesignatedExpert,
    Invitation,
    InvitationChange,
)
from zhiku.activities.services.links import token_hash
from zhiku.core.errors import AccessDenied
from zhiku.core.permissions import STAFF
from zhiku.core.transitions import transition_record
from zhiku.experts.choices import Status as ExpertStatus

NO_ANSWER_REASON = "未在答复期限内答复"


# --- the deadline ------------------------------------------------------------------------------


def is_past_deadline(invitation: Invitation, now: dt.datetime) -> bool:
    return timezone.localdate(now) > invitation.deadline


# --- declarations (art. 13(2)(3)) --------------------------------------------------------------


def declarations(activity: Activity) -> tuple[str, str]:
    """The two declarations an expert makes on accepting: no conflict of interest with the
    organisations involved (art. 13(2)), and the confidentiality commitment (art. 13(3))."""
    units = _("委托单位：%(c)s；被评单位：%(a)s") % {
        "c": "、".join(activity.commissioning_units()) or "—",
        "a": "、".join(activity.assessed_units()) or "—",
    }
    conflict = _(
        "本人与本次活动涉及的单位（%(units)s）不存在利害关系，也没有其他可能影响公正履行职责的因素；"
        "如发现存在，将立即告知质促会并回避（《管理办法》第十三条第（二）项）。"
    ) % {"units": units}
    confidentiality = _(
        "本人承诺对本次活动涉及的技术、专项情况以及评估内容、过程和结果严格保密，"
        "未经同意不泄露、不复制、不对外提供（《管理办法》第十三条第（三）项、第八条第（七）项）。"
    )
    return conflict, confidentiality


# --- who may answer ----------------------------------------------------------------------------


def require_roster_staff(actor: User, activity: Activity) -> None:
    """Only the activity's assigned staff see (and so may act on) the names while it is open."""
    STAFF.require(actor)
    if not activity.staff.filter(pk=actor.pk).exists():
        raise AccessDenied(_("只有本活动的负责工作人员可以查看专家名单，并代专家记录答复。"))


def _check_answerer(
    invitation: Invitation, *, via: str, actor: User | None, token: str, contact_note: str
) -> None:
    if via == AnsweredVia.LINK:
        if not token or token_hash(token) != invitation.token_hash:
            raise InvitationError(_("链接无效。"))
    elif via == AnsweredVia.AREA:
        if actor is None or actor.role != Role.EXPERT or invitation.expert.user_id != actor.pk:
            raise AccessDenied(_("只能答复发给您本人的邀请。"))
    elif via == AnsweredVia.STAFF:
        if actor is None:
            raise AccessDenied(_("请先登录。"))
        require_roster_staff(actor, invitation.activity)
        if not contact_note.strip():
            raise InvitationError(
                _("代专家记录答复时，请写明联系方式和时间（如：2026-05-07 10:20 电话联系本人）。"),
                field="contact_note",
            )
    else:
        raise InvitationError(_("答复方式不正确。"))


# --- outcomes of candidates and designated experts ---------------------------------------------


def _set_outcome(
    invitation: Invitation,
    *,
    outcome: str,
    reason: str,
    actor: User | None,
    now: dt.datetime,
) -> None:
    """Mirror an answer on the candidate (a transition the draw record reads) or designee."""
    if invitation.candidate_id is not None:
        candidate = (
            Candidate.objects.select_for_update()
            .select_related("round")
            .get(pk=invitation.candidate_id)
        )
        before = candidate.outcome
        candidate.outcome = outcome
        candidate.outcome_reason = "" if outcome == Outcome.CONFIRMED else reason
        candidate.outcome_at = now
        candidate.save(update_fields=["outcome", "outcome_reason", "outcome_at"])
        transition_record(
            CandidateChange,
            action="activities.candidate.outcome_recorded",
            subject=candidate.draw,
            actor=actor,
            from_value=before,
            to_value=outcome,
            reason=candidate.outcome_reason,
            at=now,
            candidate=candidate,
            data={
                "label": candidate.label,
                "round": candidate.round.number,
                "invitation": invitation.code,
            },
        )
    else:
        assert invitation.designee_id is not None
        DesignatedExpert.objects.filter(pk=invitation.designee_id).update(
            outcome=outcome,
            outcome_reason="" if outcome == Outcome.CONFIRMED else reason,
            outcome_at=now,
        )


def _still_open(invitation: Invitation) -> None:
    """Refuse an answer when the draw or the designation it belongs to is no longer current."""
    if not invitation.activity.is_open:
        raise InvitationError(_("活动已结束，不能再答复。"))
    if invitation.candidate_id is not None:
        status = Candidate.objects.filter(pk=invitation.candidate_id).values_list(
            "draw__status", flat=True
        )[0]
        if status != DrawStatus.DRAWN:
            raise InvitationError(_("本次抽取已结束或已取消，邀请不再有效。"))
    elif not DesignatedExpert.objects.filter(
        pk=invitation.designee_id or 0, designation__status=DesignationStatus.APPROVED
    ).exists():
        raise InvitationError(_("本项指定已不再有效，邀请不再有效。"))


def _locked(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update()
        .select_related("activity", "expert")
        .get(pk=invitation.pk)
    )


def change_record(
    invitation: Invitation,
    *,
    action: str,
    before: str,
    via: str,
    actor: User | None,
    now: dt.datetime,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    transition_record(
        InvitationChange,
        action=action,
        subject=invitation,
        actor=actor,
        from_value=before,
        to_value=invitation.status,
        reason=reason,
        at=now,
        invitation=invitation,
        via=via,
        data={
            "invitation": invitation.code,
            "activity": invitation.activity_id,
            "via": via,
            # Who answers by a personal link has not signed in: the entry names the expert.
            "expert": str(invitation.expert),
            **(data or {}),
        },
    )


def _open_for_answer(invitation: Invitation, now: dt.datetime) -> None:
    if invitation.status == InvitationStatus.LAPSED or (
        invitation.status == InvitationStatus.SENT and is_past_deadline(invitation, now)
    ):
        raise InvitationError(
            _("答复期限（%(d)s 24:00）已过，视为拒绝。如有疑问，请联系质促会。")
            % {"d": invitation.deadline.isoformat()}
        )
    if invitation.status != InvitationStatus.SENT:
        raise InvitationError(
            _("邀请 %(c)s 当前状态为“%(s)s”，不能再答复。")
            % {"c": invitation.code, "s": invitation.get_status_display()}
        )
    _still_open(invitation)


def invitation_accept(
    *,
    invitation: Invitation,
    via: str,
    actor: User | None = None,
    token: str = "",
    no_conflict: bool,
    confidentiality: bool,
    contact_note: str = "",
    now: dt.datetime | None = None,
) -> Invitation:
    """Accept: only with the declaration of no conflict and the confidentiality commitment."""
    now = now or timezone.now()
    # An answer after the deadline is refused, and the invitation stays lapsed.
    invitations_lapse(now=now, activity=invitation.activity)
    with transaction.atomic():
        return _accept(
            invitation,
            via=via,
            actor=actor,
            token=token,
            no_conflict=no_conflict,
            confidentiality=confidentiality,
            contact_note=contact_note,
            now=now,
        )


def _accept(
    invitation: Invitation,
    *,
    via: str,
    actor: User | None,
    token: str,
    no_conflict: bool,
    confidentiality: bool,
    contact_note: str,
    now: dt.datetime,
) -> Invitation:
    invitation = _locked(invitation)
    _check_answerer(invitation, via=via, actor=actor, token=token, contact_note=contact_note)
    _open_for_answer(invitation, now)
    if invitation.expert.status != ExpertStatus.ACTIVE:
        # Suspended, or left the pool (an exit case), since the invitation went out: the place
        # is not theirs to take; the invitation lapses and a top-up round fills it.
        raise InvitationError(
            _("%(e)s 当前为“%(s)s”，不参加智库活动，不能接受邀请。如有疑问，请联系质促会。")
            % {"e": invitation.expert, "s": invitation.expert.get_status_display()}
        )
    if not no_conflict:
        raise InvitationError(
            _("接受邀请须声明与本次活动涉及的单位不存在利害关系；如存在，请选择拒绝并说明。"),
            field="no_conflict",
        )
    if not confidentiality:
        raise InvitationError(_("接受邀请须签署保密承诺。"), field="confidentiality")
    conflict, secrecy = declarations(invitation.activity)
    text = f"{conflict}\n{secrecy}"
    if via == AnsweredVia.STAFF:
        assert actor is not None
        text = (
            _("（工作人员 %(s)s 代为记录：专家在联系中口头作出以下声明和承诺。%(c)s）")
            % {"s": actor.full_name, "c": contact_note.strip()}
            + "\n"
            + text
        )
    before = invitation.status
    invitation.status = InvitationStatus.ACCEPTED
    invitation.answered_at = now
    invitation.answered_via = via
    invitation.recorded_by = actor if via == AnsweredVia.STAFF else None
    invitation.contact_note = contact_note.strip() if via == AnsweredVia.STAFF else ""
    invitation.no_conflict_declared = True
    invitation.confidentiality_signed = True
    invitation.declaration = text
    invitation.save()
    _set_outcome(invitation, outcome=Outcome.CONFIRMED, reason="", actor=actor, now=now)
    change_record(
        invitation,
        action="activities.invitation.accepted",
        before=before,
        via=via,
        actor=actor if via != AnsweredVia.LINK else None,
        now=now,
        data={"contact_note": invitation.contact_note} if invitation.contact_note else {},
    )
    return invitation


def invitation_decline(
    *,
    invitation: Invitation,
    via: str,
    reason: str,
    note: str = "",
    actor: User | None = None,
    token: str = "",
    contact_note: str = "",
    now: dt.datetime | None = None,
) -> Invitation:
    """Decline with a reason. 专业不熟悉 is the expert's right (art. 12(3)): never held against them."""
    now = now or timezone.now()
    invitations_lapse(now=now, activity=invitation.activity)
    with transaction.atomic():
        return _decline(
            invitation,
            via=via,
            reason=reason,
            note=note,
            actor=actor,
            token=token,
            contact_note=contact_note,
            now=now,
        )


def _decline(
    invitation: Invitation,
    *,
    via: str,
    reason: str,
    note: str,
    actor: User | None,
    token: str,
    contact_note: str,
    now: dt.datetime,
) -> Invitation:
    invitation = _locked(invitation)
    _check_answerer(invitation, via=via, actor=actor, token=token, contact_note=contact_note)
    _open_for_answer(invitation, now)
    if reason not in DeclineReason.values:
        raise InvitationError(_("请选择拒绝的原因。"), field="reason")
    if reason == DeclineReason.OTHER and not note.strip():
        raise InvitationError(_("选择“其他”时，请简要说明原因。"), field="note")
    before = invitation.status
    invitation.status = InvitationStatus.DECLINED
    invitation.answered_at = now
    invitation.answered_via = via
    invitation.recorded_by = actor if via == AnsweredVia.STAFF else None
    invitation.contact_note = contact_note.strip() if via == AnsweredVia.STAFF else ""
    invitation.decline_reason = reason
    invitation.note = note.strip()
    invitation.save()
    # The draw record carries the reason's category only; the expert's words stay here.
    label = str(DeclineReason(reason).label)
    _set_outcome(invitation, outcome=Outcome.DECLINED, reason=label, actor=actor, now=now)
    change_record(
        invitation,
        action="activities.invitation.declined",
        before=before,
        via=via,
        actor=actor if via != AnsweredVia.LINK else None,
        now=now,
        reason=label,
        data={"decline_reason": reason, "contact_note": invitation.contact_note},
    )
    return invitation


@transaction.atomic
def invitation_withdraw(
    *,
    invitation: Invitation,
    via: str,
    actor: User,
    reason: str,
    note: str,
    contact_note: str = "",
    now: dt.datetime | None = None,
) -> Invitation:
    """An expert who accepted leaves, with a reason (a conflict found since, above all); a
    drawn place is then filled by a top-up round."""
    now = now or timezone.now()
    invitation = _locked(invitation)
    if via not in (AnsweredVia.AREA, AnsweredVia.STAFF):
        raise InvitationError(_("确认后退出请登录专家个人空间办理，或联系质促会工作人员。"))
    _check_answerer(invitation, via=via, actor=actor, token="", contact_note=contact_note)
    if invitation.status != InvitationStatus.ACCEPTED:
        raise InvitationError(
            _("邀请 %(c)s 当前状态为“%(s)s”，只有已接受的邀请可以退出。")
            % {"c": invitation.code, "s": invitation.get_status_display()}
        )
    _still_open(invitation)
    if reason not in WithdrawReason.values:
        raise InvitationError(_("请选择退出的原因。"), field="reason")
    if not note.strip():
        raise InvitationError(_("请说明退出的具体情况。"), field="note")
    before = invitation.status
    invitation.status = InvitationStatus.WITHDRAWN
    invitation.withdrawn_at = now
    invitation.withdrawn_via = via
    invitation.withdraw_reason = reason
    invitation.withdraw_note = note.strip()
    if via == AnsweredVia.STAFF:
        invitation.recorded_by = actor
        invitation.contact_note = contact_note.strip()
    invitation.save()
    label = str(WithdrawReason(reason).label)
    _set_outcome(invitation, outcome=Outcome.WITHDREW, reason=label, actor=actor, now=now)
    change_record(
        invitation,
        action="activities.invitation.withdrawn",
        before=before,
        via=via,
        actor=actor,
        now=now,
        reason=label,
        data={"withdraw_reason": reason, "contact_note": contact_note.strip()},
    )
    return invitation


# --- lapse and cancellation --------------------------------------------------------------------


def _lapse(invitation: Invitation, now: dt.datetime) -> None:
    before = invitation.status
    invitation.status = InvitationStatus.LAPSED
    invitation.answered_at = now
    invitation.answered_via = AnsweredVia.DEADLINE
    invitation.save(update_fields=["status", "answered_at", "answered_via"])
    _set_outcome(
        invitation, outcome=Outcome.NO_ANSWER, reason=NO_ANSWER_REASON, actor=None, now=now
    )
    change_record(
        invitation,
        action="activities.invitation.lapsed",
        before=before,
        via=AnsweredVia.DEADLINE,
        actor=None,
        now=now,
        reason=NO_ANSWER_REASON,
        data={"deadline": invitation.deadline.isoformat()},
    )


@transaction.atomic
def invitations_lapse(*, now: dt.datetime, activity: Activity | None = None) -> int:
    """Mark every unanswered invitation whose deadline has passed as lapsed (counted as
    declined). Idempotent: run by ``manage.py run_deadlines`` (the app's deadline step) and
    whenever a page or a top-up round needs the answers to be current."""
    overdue = Invitation.objects.filter(
        status=InvitationStatus.SENT, deadline__lt=timezone.localdate(now)
    )
    if activity is not None:
        overdue = overdue.filter(activity=activity)
    count = 0
    for invitation in overdue.select_for_update().select_related("activity", "expert"):
        _lapse(invitation, now)
        count += 1
    return count


def invitations_cancel(
    invitations: QuerySet[Invitation], *, actor: User | None, reason: str, now: dt.datetime
) -> int:
    """Cancel invitations (their links stop): a draw cancelled, an activity closed."""
    count = 0
    for invitation in invitations.select_for_update().select_related("activity", "expert"):
        before = invitation.status
        invitation.status = InvitationStatus.CANCELLED
        invitation.save(update_fields=["status"])
        change_record(
            invitation,
            action="activities.invitation.cancelled",
            before=before,
            via="",
            actor=actor,
            now=now,
            reason=reason,
        )
        count += 1
    return count


def answered_by(invitation: Invitation | None) -> str:
    """How the draw record says who answered: "expert", "staff" or "deadline"."""
    from zhiku.activities.choices import ANSWERED_BY

    if invitation is None:
        return "staff"  # outcomes recorded by hand before invitations existed
    via = invitation.withdrawn_via or invitation.answered_via
    return ANSWERED_BY.get(AnsweredVia(via), "staff") if via else "staff"

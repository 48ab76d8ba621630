"""Sending invitations (发出邀请函): right after a round is drawn or a designation approved, each
candidate or designated expert without one gets an invitation — a PDF letter (rendered on
demand), an e-mail and a text message with a personal link — and an answer deadline in working
days. Each delivery is logged (the SMS log among them)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.activities.choices import (
    DeliveryChannel,
    DeliveryStatus,
    DesignationStatus,
    DrawStatus,
    Outcome,
    Source,
)
from zhiku.activities.errors import InvitationError
from zhiku.activities.models import Activity, Candidate, DesignatedExpert, Invitation
from zhiku.activities.models.invitations import Delivery
from zhiku.activities.services.invitations import change_record
from zhiku.activities.services.links import new_nonce, personal_link, token_for, token_hash
from zhiku.core import sms
from zhiku.core.errors import DomainError
from zhiku.core.masking import mask
from zhiku.core.parameters import parameter_value
from zhiku.core.workdays import add_workdays
from zhiku.experts import crypto


def answer_deadline(sent_on: dt.date, *, workdays: int, activity_start: dt.date) -> dt.date:
    """The last day to answer: ``workdays`` working days after the day sent (that day not
    counted), but not after the eve of the activity, and never before the day sent.

    Answers are taken until 24:00 (Asia/Shanghai) of that day. Raises CalendarNotConfigured
    when the working-day calendar of a year it crosses is not entered (never guessed).
    """
    due = add_workdays(sent_on, workdays)
    return max(sent_on, min(due, activity_start - dt.timedelta(days=1)))


# --- sending -----------------------------------------------------------------------------------


def _waiting(activity: Activity) -> tuple[list[Candidate], list[DesignatedExpert]]:
    """Who should have an invitation and has none: pending candidates of the activity's draw
    under way, pending experts of its approved designations."""
    candidates = list(
        Candidate.objects.filter(
            draw__activity=activity,
            draw__status=DrawStatus.DRAWN,
            outcome=Outcome.PENDING,
            invitation__isnull=True,
        ).select_related("expert", "draw")
    )
    designees = list(
        DesignatedExpert.objects.filter(
            designation__activity=activity,
            designation__status=DesignationStatus.APPROVED,
            outcome=Outcome.PENDING,
            invitation__isnull=True,
        ).select_related("expert", "designation")
    )
    return candidates, designees


def waiting_count(activity: Activity) -> int:
    candidates, designees = _waiting(activity)
    return len(candidates) + len(designees)


def sms_text(invitation: Invitation, link: str) -> str:
    return _(
        "【广东省质量发展智库】%(name)s专家您好：质促会诚邀您参加“%(title)s”（%(start)s），"
        "请于 %(deadline)s 24:00 前答复：%(link)s 逾期未答复视为拒绝。"
    ) % {
        "name": invitation.expert.name,
        "title": invitation.activity.title,
        "start": invitation.activity.start_date.isoformat(),
        "deadline": invitation.deadline.isoformat(),
        "link": link,
    }


def email_text(invitation: Invitation, link: str) -> tuple[str, str]:
    body = render_to_string(
        "activities/email/invitation.txt",
        {"invitation": invitation, "activity": invitation.activity, "link": link},
    )
    subject, _sep, text = body.partition("\n")
    return subject.strip(), text.lstrip("\n")


def _deliver(invitation: Invitation, now: dt.datetime) -> None:
    """Send the text message now (the pluggable sender) and queue the e-mail; log each."""
    from zhiku.activities.tasks import invitation_email_send

    link = personal_link(invitation)
    expert = invitation.expert
    if expert.mobile_token:
        number = crypto.decrypt(expert.mobile_token)
        try:
            sms.send_sms(number, sms_text(invitation, link))
        except sms.SmsError as exc:
            status, detail = DeliveryStatus.FAILED, str(exc)[:300]
        else:
            status, detail = DeliveryStatus.SENT, ""
        Delivery.objects.create(
            invitation=invitation,
            channel=DeliveryChannel.SMS,
            status=status,
            to_masked=mask(number),
            at=now,
            detail=detail,
        )
    else:
        Delivery.objects.create(
            invitation=invitation,
            channel=DeliveryChannel.SMS,
            status=DeliveryStatus.SKIPPED,
            at=now,
            detail=_("专家档案中没有手机号码"),
        )
    if expert.email:
        delivery = Delivery.objects.create(
            invitation=invitation,
            channel=DeliveryChannel.EMAIL,
            status=DeliveryStatus.QUEUED,
            to_masked=_mask_email(expert.email),
            at=now,
        )
        invitation_email_send.enqueue(delivery_id=delivery.pk)
    else:
        Delivery.objects.create(
            invitation=invitation,
            channel=DeliveryChannel.EMAIL,
            status=DeliveryStatus.SKIPPED,
            at=now,
            detail=_("专家档案中没有电子邮箱"),
        )


def _mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:2]}***@{domain}"


def placeholder_code(nonce: str) -> str:
    """The unique code an invitation holds until its number is known (within the field's 24
    characters: PostgreSQL refuses a longer value where SQLite would store it)."""
    return f"pending-{nonce[:16]}"


def _invite(
    *,
    activity: Activity,
    expert_id: int,
    candidate: Candidate | None,
    designee: DesignatedExpert | None,
    deadline: dt.date,
    actor: User | None,
    now: dt.datetime,
) -> Invitation:
    nonce = new_nonce()
    invitation = Invitation.objects.create(
        code=placeholder_code(nonce),
        activity=activity,
        expert_id=expert_id,
        source=Source.DRAWN if candidate is not None else Source.DESIGNATED,
        candidate=candidate,
        designee=designee,
        token_hash=f"pending-{nonce}",
        token_nonce=nonce,
        sent_at=now,
        sent_by=actor,
        deadline=deadline,
    )
    invitation.code = f"YQ-{timezone.localdate(now).year}-{invitation.pk:04d}"
    invitation.token_hash = token_hash(token_for(invitation.pk, nonce))
    invitation.save(update_fields=["code", "token_hash"])
    invitation = Invitation.objects.select_related("activity", "expert").get(pk=invitation.pk)
    _deliver(invitation, now)
    change_record(
        invitation,
        action="activities.invitation.sent",
        before="",
        via="",
        actor=actor,
        now=now,
        data={"deadline": deadline.isoformat(), "source": invitation.source},
    )
    return invitation


def _send(activity: Activity, *, actor: User | None, now: dt.datetime) -> list[Invitation]:
    candidates, designees = _waiting(activity)
    if not candidates and not designees:
        return []
    workdays = int(parameter_value("invitation_answer_workdays", timezone.localdate(now)))
    deadline = answer_deadline(
        timezone.localdate(now), workdays=workdays, activity_start=activity.start_date
    )
    sent = [
        _invite(
            activity=activity,
            expert_id=c.expert_id,
            candidate=c,
            designee=None,
            deadline=deadline,
            actor=actor,
            now=now,
        )
        for c in candidates
    ]
    sent += [
        _invite(
            activity=activity,
            expert_id=d.expert_id,
            candidate=None,
            designee=d,
            deadline=deadline,
            actor=actor,
            now=now,
        )
        for d in designees
    ]
    return sent


@transaction.atomic
def invitations_send(
    *, actor: User, activity: Activity, now: dt.datetime | None = None
) -> list[Invitation]:
    """Invite everyone of the activity who should have an invitation and has none."""
    from zhiku.activities.services.activities import require_in_charge

    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_in_charge(actor, activity)
    if not activity.is_open:
        raise InvitationError(_("活动已结束，不能再发出邀请。"))
    sent = _send(activity, actor=actor, now=now or timezone.now())
    if not sent:
        raise InvitationError(_("没有需要发出邀请的专家：候选专家和已批准指定的专家均已收到邀请。"))
    return sent


def invite_at_once(activity: Activity, *, now: dt.datetime) -> str:
    """Invite right after a round is drawn or a designation approved, by the system. Returns
    "" or why nothing went out (the calendar of a year not entered): the round or the approval
    stands, the pages then offer to send by hand."""
    try:
        with transaction.atomic():
            _send(activity, actor=None, now=now)
    except DomainError as exc:
        return str(exc)
    return ""


def mark_email(delivery: Delivery, *, sent: bool, detail: str = "") -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT if sent else DeliveryStatus.FAILED,
        detail=detail[:300],
        at=timezone.now(),
    )

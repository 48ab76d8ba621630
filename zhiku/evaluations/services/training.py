"""Training (培训, art. 10): plan a session, invite experts (by e-mail), add materials, record
who attended, or cancel it with a reason.

A session is planned (已安排) until its attendance is first recorded (已举行), which may be done
from its day on; it may be cancelled (已取消) only before that. Invitations go to experts of the
pool (在库) only, each once; the invited are e-mailed when invited, when the session changes
and when it is cancelled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import diff, log_action
from zhiku.core.http import site_url
from zhiku.core.permissions import STAFF
from zhiku.core.tasks import send_email
from zhiku.core.transitions import transition_record
from zhiku.core.uploads import stored_file_create
from zhiku.evaluations.choices import (
    EmailStatus,
    TrainingAttendance,
    TrainingStatus,
    TrainingTopic,
)
from zhiku.evaluations.errors import TrainingError
from zhiku.evaluations.models import (
    TrainingChange,
    TrainingInvitee,
    TrainingMaterial,
    TrainingSession,
)
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert

MATERIAL_PURPOSE = "training_material"


@dataclass
class TrainingData:
    """What staff enter for a session (forms build it; the services check it)."""

    topic: str
    title: str
    date: dt.date
    place: str = ""
    online_link: str = ""
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    description: str = ""


def _check(data: TrainingData) -> None:
    if data.topic not in TrainingTopic.values:
        raise TrainingError(_("请选择培训内容。"), field="topic")
    if not data.title.strip():
        raise TrainingError(_("请填写培训名称。"), field="title")
    if not data.place.strip() and not data.online_link.strip():
        raise TrainingError(_("请填写培训地点或线上参加链接（至少一项）。"), field="place")
    link = data.online_link.strip()
    if link and not link.startswith(("https://", "http://")):
        raise TrainingError(_("线上参加链接须以 https:// 或 http:// 开头。"), field="online_link")
    if data.start_time and data.end_time and data.end_time <= data.start_time:
        raise TrainingError(_("结束时间须晚于开始时间。"), field="end_time")


def _snapshot(session: TrainingSession) -> dict[str, Any]:
    return {
        "topic": session.topic,
        "title": session.title,
        "date": session.date.isoformat(),
        "start_time": session.start_time.strftime("%H:%M") if session.start_time else "",
        "end_time": session.end_time.strftime("%H:%M") if session.end_time else "",
        "place": session.place,
        "online_link": session.online_link,
        "description": session.description,
    }


def _apply(session: TrainingSession, data: TrainingData) -> None:
    session.topic = data.topic
    session.title = data.title.strip()
    session.description = data.description.strip()
    session.date = data.date
    session.start_time = data.start_time
    session.end_time = data.end_time
    session.place = data.place.strip()
    session.online_link = data.online_link.strip()


def _email_invitees(
    session: TrainingSession, invitees: Iterable[TrainingInvitee], kind: str
) -> None:
    """Queue one e-mail per invited expert with an address (after the transaction commits)."""
    link = site_url(reverse("me:training_list"))
    for invitee in invitees:
        address = invitee.expert.email
        if not address:
            continue
        text = render_to_string(
            "evaluations/email/training.txt",
            {"session": session, "expert": invitee.expert, "kind": kind, "link": link},
        )
        subject, _sep, body = text.partition("\n")

        def queue(
            subject: str = subject.strip(), body: str = body.lstrip("\n"), to: str = address
        ) -> None:
            send_email.enqueue(subject=subject, body=body, recipients=[to])

        transaction.on_commit(queue)


@transaction.atomic
def training_create(
    *, actor: User, data: TrainingData, now: dt.datetime | None = None
) -> TrainingSession:
    """Plan a training session (any member of staff)."""
    STAFF.require(actor)
    _check(data)
    now = now or timezone.now()
    if data.date < timezone.localdate(now):
        raise TrainingError(_("培训日期不能早于今天。"), field="date")
    session = TrainingSession(created_by=actor, created_at=now)
    _apply(session, data)
    session.save()
    transition_record(
        TrainingChange,
        action="evaluations.training.planned",
        actor=actor,
        from_value="",
        to_value=TrainingStatus.SCHEDULED,
        at=now,
        session=session,
        subject=session,
        data=_snapshot(session),
    )
    return session


@transaction.atomic
def training_update(
    *, actor: User, session: TrainingSession, data: TrainingData, now: dt.datetime | None = None
) -> TrainingSession:
    """Change a planned session; the invited experts are told by e-mail."""
    STAFF.require(actor)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.status != TrainingStatus.SCHEDULED:
        raise TrainingError(_("培训%(s)s，不能再修改。") % {"s": session.get_status_display()})
    _check(data)
    now = now or timezone.now()
    if data.date != session.date and data.date < timezone.localdate(now):
        raise TrainingError(_("培训日期不能改到今天以前。"), field="date")
    before = _snapshot(session)
    _apply(session, data)
    changes = diff(before, _snapshot(session))
    if not changes:
        raise TrainingError(_("培训安排没有变化。"))
    session.save()
    log_action("evaluations.training.updated", actor=actor, obj=session, changes=changes)
    _email_invitees(session, session.invitees.select_related("expert"), "changed")
    return session


@transaction.atomic
def training_cancel(
    *, actor: User, session: TrainingSession, reason: str, now: dt.datetime | None = None
) -> TrainingSession:
    """Cancel a planned session with a reason; the invited experts are told by e-mail."""
    STAFF.require(actor)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.status != TrainingStatus.SCHEDULED:
        raise TrainingError(_("培训%(s)s，不能取消。") % {"s": session.get_status_display()})
    reason = reason.strip()
    if not reason:
        raise TrainingError(_("请填写取消原因。"), field="reason")
    now = now or timezone.now()
    session.status = TrainingStatus.CANCELLED
    session.cancel_reason = reason
    session.save()
    transition_record(
        TrainingChange,
        action="evaluations.training.cancelled",
        actor=actor,
        from_value=TrainingStatus.SCHEDULED,
        to_value=TrainingStatus.CANCELLED,
        reason=reason,
        at=now,
        session=session,
        subject=session,
    )
    _email_invitees(session, session.invitees.select_related("expert"), "cancelled")
    return session


@transaction.atomic
def training_invite(
    *,
    actor: User,
    session: TrainingSession,
    experts: Iterable[Expert],
    filters: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Invite ``experts`` of the pool (在库) not yet invited; e-mail each. Return how many."""
    STAFF.require(actor)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    now = now or timezone.now()
    if session.status != TrainingStatus.SCHEDULED:
        raise TrainingError(_("培训%(s)s，不能再邀请专家。") % {"s": session.get_status_display()})
    if session.date < timezone.localdate(now):
        raise TrainingError(_("培训日期已过，不能再邀请专家。"))
    invited = set(session.invitees.values_list("expert_id", flat=True))
    new = [e for e in experts if e.status == Status.ACTIVE and e.pk not in invited]
    if not new:
        raise TrainingError(
            _("没有可邀请的专家：符合条件的在库专家均已受邀，或没有符合条件的在库专家。")
        )
    rows = TrainingInvitee.objects.bulk_create(
        [
            TrainingInvitee(
                session=session,
                expert=e,
                invited_by=actor,
                invited_at=now,
                email_status=EmailStatus.QUEUED if e.email else EmailStatus.NO_ADDRESS,
            )
            for e in new
        ]
    )
    for row, expert in zip(rows, new, strict=True):
        row.expert = expert
    log_action(
        "evaluations.training.invited",
        actor=actor,
        obj=session,
        data={
            "invited": len(new),
            "no_email": sum(1 for e in new if not e.email),
            "filters": dict(filters or {}),
        },
    )
    _email_invitees(session, rows, "invited")
    return len(new)


@transaction.atomic
def material_add(
    *, actor: User, session: TrainingSession, name: str, content: Any, description: str = ""
) -> TrainingMaterial:
    """Add a file to a session (PDF, JPEG or PNG, checked and encrypted as every upload)."""
    STAFF.require(actor)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.is_cancelled:
        raise TrainingError(_("培训已取消，不能再上传资料。"))
    stored = stored_file_create(name=name, content=content, actor=actor, purpose=MATERIAL_PURPOSE)
    material = TrainingMaterial.objects.create(
        session=session,
        file=stored,
        description=description.strip()[:200],
        added_by=actor,
        added_at=timezone.now(),
    )
    log_action(
        "evaluations.training.material_added",
        actor=actor,
        obj=session,
        data={"file": stored.original_name, "description": material.description},
    )
    return material


@transaction.atomic
def material_remove(*, actor: User, material: TrainingMaterial, reason: str) -> TrainingMaterial:
    """Take a file off a session, with a reason (it stays on record)."""
    STAFF.require(actor)
    material = (
        TrainingMaterial.objects.select_for_update().select_related("file").get(pk=material.pk)
    )
    if material.is_removed:
        raise TrainingError(_("该资料已撤下。"))
    reason = reason.strip()
    if not reason:
        raise TrainingError(_("请填写撤下原因。"), field="reason")
    material.removed_at = timezone.now()
    material.removed_by = actor
    material.removed_reason = reason[:200]
    material.save()
    log_action(
        "evaluations.training.material_removed",
        actor=actor,
        obj=material.session,
        data={"file": material.file.original_name, "reason": material.removed_reason},
    )
    return material


@transaction.atomic
def training_attendance_record(
    *,
    actor: User,
    session: TrainingSession,
    marks: Mapping[int, str],
    now: dt.datetime | None = None,
) -> int:
    """Record who of the invited attended (expert id → 出席 / 请假 / 缺席); the first record
    marks the session held. Return how many marks changed."""
    STAFF.require(actor)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    now = now or timezone.now()
    if session.is_cancelled:
        raise TrainingError(_("培训已取消，不能登记出席情况。"))
    if timezone.localdate(now) < session.date:
        raise TrainingError(
            _("培训尚未举行（%(d)s），不能登记出席情况。") % {"d": session.date.isoformat()}
        )
    invitees = {
        i.expert_id: i for i in session.invitees.select_for_update().select_related("expert")
    }
    unknown = [pk for pk in marks if pk not in invitees]
    if unknown:
        raise TrainingError(_("只能为受邀的专家登记出席情况。"))
    bad = [v for v in marks.values() if v and v not in TrainingAttendance.values]
    if bad:
        raise TrainingError(_("请为每位专家选择出席、请假或缺席。"))
    changed = []
    for expert_id, value in marks.items():
        invitee = invitees[expert_id]
        if not value or invitee.attendance == value:
            continue
        changed.append([str(invitee.expert), invitee.attendance, value])
        invitee.attendance = value
        invitee.recorded_by = actor
        invitee.recorded_at = now
        invitee.save(update_fields=["attendance", "recorded_by", "recorded_at"])
    if not changed:
        raise TrainingError(_("出席情况没有变化。"))
    counts = {
        v: sum(1 for i in invitees.values() if i.attendance == v) for v in TrainingAttendance.values
    }
    log_action(
        "evaluations.training.attendance_recorded",
        actor=actor,
        obj=session,
        data={"marks": changed, **counts},
    )
    if session.status == TrainingStatus.SCHEDULED:
        session.status = TrainingStatus.HELD
        session.save()
        transition_record(
            TrainingChange,
            action="evaluations.training.held",
            actor=actor,
            from_value=TrainingStatus.SCHEDULED,
            to_value=TrainingStatus.HELD,
            at=now,
            session=session,
            subject=session,
        )
    return len(changed)

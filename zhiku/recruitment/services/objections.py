"""Objections to the notice (异议, art. 7(4)): lodged in writing during the notice, accepted or
rejected as invalid, verified, and decided within 15 working days of acceptance.

Anyone may lodge one online until 24:00 Asia/Shanghai of the notice's last day (a pure function
of ``now``: ``rules.objections_open``); each client address may lodge ``ONLINE_PER_HOUR`` an
hour. Staff enter those received by post or in person with the day they arrived. The decision
deadline is ``objection_decision_workdays`` working days after the acceptance day (parameter in
force on that day). Deciding makes two written notices (PDF) — to the objector and to the
expert, the latter never naming the objector — keeps them on the objection and e-mails them.
The objector's identity is for staff holding the review right only.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core import uploads
from zhiku.core.audit import log_action
from zhiku.core.models import StoredFile
from zhiku.core.parameters import parameter_value
from zhiku.core.permissions import REVIEWER
from zhiku.core.transitions import transition_record
from zhiku.core.workdays import add_workdays
from zhiku.recruitment import rules
from zhiku.recruitment.models import (
    Notice,
    NoticeEntry,
    Objection,
    ObjectionChange,
    ObjectionVerification,
)
from zhiku.recruitment.services import documents
from zhiku.recruitment.services._common import RecruitmentError
from zhiku.recruitment.services.notices import touch

ONLINE_PER_HOUR = 5
HOUR = dt.timedelta(hours=1)
UPLOAD_PURPOSE = "recruitment.objection"
_PHONE = re.compile(r"^[0-9+()\- ]{7,20}$")


def _ended_message(notice: Notice) -> str:
    return _(
        "公示期已于 %(d)s 24:00（北京时间）结束，不再接受异议。如对入库结果有意见，"
        "请与质促会联系：%(contact)s。"
    ) % {"d": notice.ends_on.isoformat(), "contact": notice.contact}


def require_open(notice: Notice, now: dt.datetime) -> None:
    """Refuse an objection outside the notice, saying when it ran."""
    phase = rules.notice_phase(published_on=notice.published_on, ends_on=notice.ends_on, now=now)
    if phase == rules.ENDED:
        raise RecruitmentError(_ended_message(notice))
    if phase != rules.RUNNING:
        raise RecruitmentError(
            _("公示将于 %(d)s 开始，届时方可提出异议。") % {"d": notice.published_on.isoformat()}
        )


def objection_closed_message(notice: Notice, now: dt.datetime) -> str:
    """Why an objection cannot be lodged at ``now`` (empty while the notice runs)."""
    try:
        require_open(notice, now)
    except RecruitmentError as exc:
        return str(exc)
    return ""


def _throttle(ip: str | None, now: dt.datetime) -> None:
    if not ip:
        return
    recent = Objection.objects.filter(
        ip=ip, channel=Objection.Channel.ONLINE, lodged_at__gte=now - HOUR
    ).order_by("lodged_at")
    if recent.count() >= ONLINE_PER_HOUR:
        first = recent.first()
        assert first is not None
        again = timezone.localtime(first.lodged_at + HOUR).strftime("%H:%M")
        raise RecruitmentError(
            _(
                "同一网络一小时内最多在线提交 %(n)d 件异议，请于 %(t)s 后再试；"
                "也可以邮寄或现场递交书面异议。"
            )
            % {"n": ONLINE_PER_HOUR, "t": again}
        )


def _clean_objector(
    *, name: str, phone: str, email: str, address: str, grounds: str
) -> dict[str, str]:
    name, phone, email = name.strip(), phone.strip(), email.strip().lower()
    address, grounds = address.strip(), grounds.strip()
    if not name:
        raise RecruitmentError(_("请填写异议人的真实姓名：异议须实名提出。"))
    if len(name) > 64:
        raise RecruitmentError(_("姓名不能超过 64 个字。"))
    if not _PHONE.match(phone):
        raise RecruitmentError(_("请填写有效的联系电话（手机或座机号码）。"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RecruitmentError(_("请填写有效的电子邮箱，或留空。")) from None
    if len(address) > 200:
        raise RecruitmentError(_("通讯地址不能超过 200 个字。"))
    if len(grounds) < 10:
        raise RecruitmentError(_("请写明异议的事实和理由（至少 10 个字）。"))
    if len(grounds) > 5000:
        raise RecruitmentError(_("异议的事实和理由不能超过 5000 个字，详细材料请作为附件上传。"))
    return {
        "objector_name": name,
        "objector_phone": phone,
        "objector_email": email,
        "objector_address": address,
        "grounds": grounds,
    }


def _entry(notice: Notice, entry: NoticeEntry | int | None) -> NoticeEntry:
    pk = entry.pk if isinstance(entry, NoticeEntry) else entry
    found = notice.entries.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise RecruitmentError(_("请选择被异议的专家（须为本次公示名单中的人员）。"))
    return found


def _create(
    *,
    notice: Notice,
    entry: NoticeEntry,
    channel: str,
    received_on: dt.date,
    lodged_by: Any,
    ip: str | None,
    letter_name: str,
    letter: Any,
    now: dt.datetime,
    **objector: str,
) -> Objection:
    stored = None
    if letter is not None:
        stored = uploads.stored_file_create(
            name=letter_name, content=letter, actor=lodged_by, purpose=UPLOAD_PURPOSE
        )
    objection = Objection.objects.create(
        notice=notice,
        entry=entry,
        channel=channel,
        letter=stored,
        received_on=received_on,
        lodged_at=now,
        lodged_by=lodged_by if getattr(lodged_by, "is_authenticated", False) else None,
        ip=ip if channel == Objection.Channel.ONLINE else None,
        **objector,
    )
    # Who objected stays out of the trail's data: only reviewers see it, on the objection.
    transition_record(
        ObjectionChange,
        action="recruitment.objection.lodged",
        subject=objection,
        actor=lodged_by,
        from_value="",
        to_value=Objection.Status.RECEIVED,
        at=now,
        data={
            "notice": notice.pk,
            "entry": entry.name,
            "channel": channel,
            "received_on": received_on.isoformat(),
            "letter": stored is not None,
        },
        objection=objection,
    )
    return objection


@transaction.atomic
def objection_lodge(
    *,
    notice: Notice,
    entry: NoticeEntry | int | None,
    objector_name: str,
    objector_phone: str,
    grounds: str,
    objector_email: str = "",
    objector_address: str = "",
    letter_name: str = "",
    letter: Any = None,
    ip: str | None,
    actor: Any = None,
    now: dt.datetime | None = None,
) -> Objection:
    """Lodge an objection online during the notice (anyone; the address is rate-limited)."""
    now = now or timezone.now()
    require_open(notice, now)
    _throttle(ip, now)
    target = _entry(notice, entry)
    objector = _clean_objector(
        name=objector_name,
        phone=objector_phone,
        email=objector_email,
        address=objector_address,
        grounds=grounds,
    )
    objection = _create(
        notice=notice,
        entry=target,
        channel=Objection.Channel.ONLINE,
        received_on=timezone.localdate(now),
        lodged_by=actor,
        ip=ip,
        letter_name=letter_name,
        letter=letter,
        now=now,
        **objector,
    )
    documents.email_documents(
        "recruitment/email/objection_received.txt",
        to=objection.objector_email,
        files=[],
        objection=objection,
    )
    return objection


@transaction.atomic
def objection_enter(
    *,
    actor: User,
    notice: Notice,
    entry: NoticeEntry | int | None,
    channel: str,
    received_on: dt.date,
    objector_name: str,
    objector_phone: str,
    grounds: str,
    objector_email: str = "",
    objector_address: str = "",
    letter_name: str = "",
    letter: Any = None,
    now: dt.datetime | None = None,
) -> Objection:
    """Enter an objection that reached the association by post or in person (staff)."""
    REVIEWER.require(actor)
    now = now or timezone.now()
    if channel not in (Objection.Channel.POST, Objection.Channel.IN_PERSON):
        raise RecruitmentError(_("请选择收到异议的方式：邮寄或现场递交。"))
    if received_on > timezone.localdate(now):
        raise RecruitmentError(_("收到日期不能晚于今天。"))
    if not notice.published_on <= received_on <= notice.ends_on:
        raise RecruitmentError(
            _(
                "收到日期须在公示期内（%(a)s 至 %(b)s）。公示期外收到的异议不予受理，"
                "请书面告知异议人。"
            )
            % {"a": notice.published_on.isoformat(), "b": notice.ends_on.isoformat()}
        )
    target = _entry(notice, entry)
    if target.outcome != NoticeEntry.Outcome.PENDING:
        raise RecruitmentError(
            _("%(n)s 已办结（%(o)s），不能再登记对其的异议。")
            % {"n": target.name, "o": target.get_outcome_display()}
        )
    objector = _clean_objector(
        name=objector_name,
        phone=objector_phone,
        email=objector_email,
        address=objector_address,
        grounds=grounds,
    )
    return _create(
        notice=notice,
        entry=target,
        channel=channel,
        received_on=received_on,
        lodged_by=actor,
        ip=None,
        letter_name=letter_name,
        letter=letter,
        now=now,
        **objector,
    )


def _lock(objection: Objection, expected: str) -> Objection:
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("notice", "entry__application__user")
        .get(pk=objection.pk)
    )
    if objection.status != expected:
        raise RecruitmentError(
            _("该异议当前状态为“%(s)s”（可能已由其他工作人员办理），请刷新页面查看。")
            % {"s": objection.get_status_display()}
        )
    return objection


def _move(
    objection: Objection,
    *,
    to: str,
    action: str,
    actor: User,
    now: dt.datetime,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    transition_record(
        ObjectionChange,
        action=action,
        subject=objection,
        actor=actor,
        from_value=objection.status,
        to_value=to,
        reason=reason,
        at=now,
        data={"notice": objection.notice_id, **(data or {})},
        objection=objection,
    )
    objection.status = to
    objection.handled_by = actor
    objection.save()


@transaction.atomic
def objection_accept(
    *,
    actor: User,
    objection: Objection,
    accepted_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Objection:
    """Accept (受理) an objection; it must be decided within the working days that follow."""
    REVIEWER.require(actor)
    now = now or timezone.now()
    objection = _lock(objection, Objection.Status.RECEIVED)
    accepted_on = accepted_on or objection.received_on
    if accepted_on < objection.received_on:
        raise RecruitmentError(
            _("受理日期不能早于收到日期（%(d)s）。") % {"d": objection.received_on.isoformat()}
        )
    if accepted_on > timezone.localdate(now):
        raise RecruitmentError(_("受理日期不能晚于今天。"))
    workdays = parameter_value("objection_decision_workdays", accepted_on)
    objection.accepted_on = accepted_on
    objection.decision_workdays = workdays
    objection.due_on = add_workdays(accepted_on, workdays)
    _move(
        objection,
        to=Objection.Status.ACCEPTED,
        action="recruitment.objection.accepted",
        actor=actor,
        now=now,
        data={
            "accepted_on": accepted_on.isoformat(),
            "due_on": objection.due_on.isoformat(),
            "workdays": workdays,
        },
    )
    return objection


@transaction.atomic
def objection_reject(
    *, actor: User, objection: Objection, reason: str, now: dt.datetime | None = None
) -> Objection:
    """Reject an objection as invalid (不予受理); the reason goes to the objector in writing."""
    REVIEWER.require(actor)
    now = now or timezone.now()
    objection = _lock(objection, Objection.Status.RECEIVED)
    reason = reason.strip()
    if not reason:
        raise RecruitmentError(_("请写明不予受理的理由，理由将书面告知异议人。"))
    objection.rejection_reason = reason
    objection.decided_on = timezone.localdate(now)
    _move(
        objection,
        to=Objection.Status.REJECTED,
        action="recruitment.objection.rejected",
        actor=actor,
        now=now,
        reason=reason,
    )
    objection.letter_to_objector = documents.rejection_letter(objection, actor=actor, now=now)
    objection.save(update_fields=["letter_to_objector", "updated_at"])
    documents.email_documents(
        "recruitment/email/objection_rejected.txt",
        to=objection.objector_email,
        files=[objection.letter_to_objector],
        objection=objection,
    )
    _settle_if_admitted(objection, actor=actor, now=now)
    return objection


@transaction.atomic
def objection_verify(
    *,
    actor: User,
    objection: Objection,
    note: str,
    evidence_name: str = "",
    evidence: Any = None,
    now: dt.datetime | None = None,
) -> ObjectionVerification:
    """Record what was checked about an accepted objection, with the evidence (核实)."""
    REVIEWER.require(actor)
    now = now or timezone.now()
    objection = _lock(objection, Objection.Status.ACCEPTED)
    note = note.strip()
    if not note:
        raise RecruitmentError(_("请写明核实了什么、向谁核实、结果如何。"))
    stored = None
    if evidence is not None:
        stored = uploads.stored_file_create(
            name=evidence_name, content=evidence, actor=actor, purpose=UPLOAD_PURPOSE
        )
    row = ObjectionVerification.objects.create(
        objection=objection, note=note, evidence=stored, recorded_by=actor, recorded_at=now
    )
    log_action(
        "recruitment.objection.verified",
        actor=actor,
        obj=objection,
        data={"verification": row.pk, "evidence": stored is not None},
    )
    return row


@transaction.atomic
def objection_decide(
    *,
    actor: User,
    objection: Objection,
    upheld: bool,
    reason: str,
    now: dt.datetime | None = None,
) -> Objection:
    """Decide an accepted objection: upheld (异议成立) or dismissed (异议不成立).

    Needs the verification on record and a reason; makes the two written notices, keeps them on
    the objection and e-mails them. After the admission has been run, the entry is settled at
    once: admitted when nothing else stands in the way, or not admitted.
    """
    REVIEWER.require(actor)
    now = now or timezone.now()
    objection = _lock(objection, Objection.Status.ACCEPTED)
    reason = reason.strip()
    if not objection.verifications.exists():
        raise RecruitmentError(_("请先记录核实情况（核实了什么、有何证明材料），再作出处理决定。"))
    if not reason:
        raise RecruitmentError(
            _("请写明处理决定的理由，理由将写入给异议人和专家本人的书面告知书。")
        )
    today = timezone.localdate(now)
    objection.decided_on = today
    objection.decision_reason = reason
    to = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    _move(
        objection,
        to=to,
        action="recruitment.objection.upheld" if upheld else "recruitment.objection.dismissed",
        actor=actor,
        now=now,
        reason=reason,
        data={
            "decided_on": today.isoformat(),
            "due_on": objection.due_on.isoformat() if objection.due_on else "",
            "late": bool(objection.due_on and today > objection.due_on),
        },
    )
    to_objector, to_expert = documents.objection_letters(objection, actor=actor, now=now)
    objection.letter_to_objector, objection.letter_to_expert = to_objector, to_expert
    objection.save(update_fields=["letter_to_objector", "letter_to_expert", "updated_at"])
    documents.email_documents(
        "recruitment/email/objection_decided_objector.txt",
        to=objection.objector_email,
        files=[to_objector],
        objection=objection,
    )
    application = objection.entry.application
    documents.email_documents(
        "recruitment/email/objection_decided_expert.txt",
        to=application.email or application.user.email,
        files=[to_expert],
        objection=objection,
        entry=objection.entry,
    )
    _settle_if_admitted(objection, actor=actor, now=now)
    return objection


def _settle_if_admitted(objection: Objection, *, actor: User, now: dt.datetime) -> None:
    """Once the admission has run, an entry whose last objection is now decided is settled."""
    from zhiku.recruitment.services.admission import settle

    notice = Notice.objects.select_for_update().get(pk=objection.notice_id)
    if notice.admitted_at is not None:
        settle(notice, [objection.entry], actor=actor, now=now)
    touch(notice)


def objection_file_for_reviewer(
    *, actor: User, objection: Objection, file_id: Any, inline: bool
) -> StoredFile | None:
    """Return a file of an objection (the signed letter, evidence, a written notice) to a
    reviewer, recording the view; None when the file is not the objection's."""
    REVIEWER.require(actor)
    allowed = {
        objection.letter_id,
        objection.letter_to_objector_id,
        objection.letter_to_expert_id,
        *objection.verifications.values_list("evidence_id", flat=True),
    } - {None}
    if file_id not in allowed:
        return None
    stored = StoredFile.objects.get(pk=file_id)
    with transaction.atomic():
        log_action(
            "recruitment.objection.file_viewed",
            actor=actor,
            obj=objection,
            data={"file": stored.original_name, "inline": inline},
        )
    return stored

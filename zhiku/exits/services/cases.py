"""Raising an exit case (staff, the expert's own request, the system), its evidence, the
verification (art. 9(1)) and dropping it; the files of a case, served on purpose."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import Role, User
from zhiku.core import uploads
from zhiku.core.audit import log_action
from zhiku.core.errors import AccessDenied
from zhiku.core.models import StoredFile
from zhiku.core.permissions import STAFF
from zhiku.exits.choices import CONDUCT_GROUNDS, OPEN_STATUSES, CaseStatus, Ground, Source
from zhiku.exits.models import ExitCase, ExitEvidence
from zhiku.exits.services._common import (
    CASE_UPLOAD_MAX_BYTES,
    UPLOAD_PURPOSE,
    ExitError,
    hold_text,
    lock,
    move,
)
from zhiku.experts import services as registry
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert

IN_POOL = (Status.ACTIVE, Status.SUSPENDED)


def _check_expert(expert: Expert) -> Expert:
    """Lock the expert; refuse one outside the pool or already under an open case."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if expert.status not in IN_POOL:
        raise ExitError(
            _("只有在库或暂停的专家可以办理出库；%(e)s 当前状态为“%(s)s”。")
            % {"e": expert, "s": expert.get_status_display()},
            field="expert",
        )
    open_case = ExitCase.objects.filter(expert=expert, status__in=OPEN_STATUSES).first()
    if open_case is not None:
        raise ExitError(
            _(
                "%(e)s 已有办理中的出库案件第 %(n)d 号（%(g)s，%(s)s）：同一时间只办理一件，"
                "其他情形请写入该案件的事实或补充证据。"
            )
            % {
                "e": expert,
                "n": open_case.pk,
                "g": open_case.ground_text,
                "s": open_case.get_status_display(),
            },
            field="expert",
        )
    return expert


def _suspend(case: ExitCase, *, actor: User | None, on: dt.date) -> None:
    """Art. 8(3)–(7): hold the expert out of draws at once, the reason shown to staff."""
    expert = case.expert
    hold = hold_text(case)
    if expert.status == Status.ACTIVE:
        registry.expert_status_change(
            actor=actor, expert=expert, to_status=Status.SUSPENDED, on=on, reason=hold, hold=hold
        )
        case.suspended_by_case = True
        case.save(update_fields=["suspended_by_case", "updated_at"])
    else:  # already suspended for another reason: held too, and left so when the case drops
        registry.expert_status_hold(actor=actor, expert=expert, hold=hold)


def _store(
    case: ExitCase, files: Iterable[tuple[str, Any]], *, actor: User, now: dt.datetime
) -> list[ExitEvidence]:
    rows = []
    for name, content in files:
        used = ExitEvidence.objects.filter(case=case).aggregate(n=Sum("file__size"))["n"] or 0
        stored = uploads.stored_file_create(
            name=name,
            content=content,
            actor=actor,
            purpose=UPLOAD_PURPOSE,
            max_bytes=CASE_UPLOAD_MAX_BYTES - used,
        )
        rows.append(
            ExitEvidence.objects.create(case=case, file=stored, added_by=actor, added_at=now)
        )
    return rows


def _create(
    *,
    expert: Expert,
    ground: str,
    facts: str,
    source: str,
    actor: User | None,
    now: dt.datetime,
    basis: dict[str, Any] | None = None,
) -> ExitCase:
    try:
        with transaction.atomic():
            case = ExitCase.objects.create(
                expert=expert,
                ground=ground,
                facts=facts,
                basis=basis or {},
                source=source,
                raised_by=actor,
                raised_at=now,
                status=CaseStatus.RAISED,
            )
    except IntegrityError:  # two people raising a case on the same expert at once
        raise ExitError(
            _("%(e)s 已有办理中的出库案件，请刷新后在该案件中办理。") % {"e": expert}
        ) from None
    move(
        case,
        to=CaseStatus.RAISED,
        action="exits.case.raised",
        actor=actor,
        now=now,
        data={"source": source, "facts": facts, **({"basis": basis} if basis else {})},
        raised=True,
    )
    if ground in CONDUCT_GROUNDS:
        _suspend(case, actor=actor, on=timezone.localdate(now))
    return case


@transaction.atomic
def exit_case_raise(
    *,
    actor: User,
    expert: Expert,
    ground: str,
    facts: str,
    evidence: Iterable[tuple[str, Any]] = (),
    now: dt.datetime | None = None,
) -> ExitCase:
    """Raise an exit case by hand (立案) on one of art. 8's grounds, with the facts and evidence.

    An expert under a case for grounds 3–7 is suspended at once (暂停), the case named as the
    reason on their profile. One open case per expert.
    """
    STAFF.require(actor)
    now = now or timezone.now()
    if ground not in Ground.values:
        raise ExitError(_("请选择出库情形（第八条所列八种之一）。"), field="ground")
    facts = facts.strip()
    if not facts:
        raise ExitError(_("请写明事实：发生了什么、何时、依据何在。"), field="facts")
    expert = _check_expert(expert)
    case = _create(
        expert=expert, ground=ground, facts=facts, source=Source.STAFF, actor=actor, now=now
    )
    added = _store(case, evidence, actor=actor, now=now)
    if added:
        log_action(
            "exits.evidence.added",
            actor=actor,
            obj=case,
            data={"files": [row.file.original_name for row in added]},
        )
    return case


@transaction.atomic
def exit_request_submit(
    *, actor: User, expert: Expert, reason: str, now: dt.datetime | None = None
) -> ExitCase:
    """The expert's written request to leave the pool (art. 8(2), 12(4)): a ground-2 case."""
    if not actor.is_active or actor.role != Role.EXPERT or expert.user_id != actor.pk:
        raise AccessDenied(_("只能办理本人的事项。"))
    now = now or timezone.now()
    reason = reason.strip()
    locked = Expert.objects.select_for_update().get(pk=expert.pk)
    if locked.status not in IN_POOL:
        raise ExitError(_("您目前不在智库中，无需申请退出。"))
    open_case = ExitCase.objects.filter(expert=locked, status__in=OPEN_STATUSES).first()
    if open_case is not None and open_case.ground == Ground.REQUEST:
        raise ExitError(_("您已提交退出申请，质促会正在办理。"))
    if open_case is not None:  # the expert is told no more than that (art. 9(2) tells them)
        raise ExitError(
            _("质促会正在办理与您有关的事项，暂不能在线提交退出申请；如需退出，请联系质促会。")
        )
    if not reason:
        raise ExitError(_("请填写退出智库的理由。"), field="reason")
    return _create(
        expert=locked,
        ground=Ground.REQUEST,
        facts=reason,
        source=Source.EXPERT,
        actor=actor,
        now=now,
    )


def system_case_raise(
    *, expert: Expert, ground: str, facts: str, basis: dict[str, Any], now: dt.datetime
) -> ExitCase | None:
    """A case the system finds (over age, absences): raised unless the expert is out of the pool
    or already under an open case (the caller's run decides what else it skips)."""
    with transaction.atomic():
        try:
            locked = _check_expert(expert)
        except ExitError:
            return None
        return _create(
            expert=locked,
            ground=ground,
            facts=facts,
            source=Source.SYSTEM,
            actor=None,
            now=now,
            basis=basis,
        )


@transaction.atomic
def exit_evidence_add(
    *,
    actor: User,
    case: ExitCase,
    name: str,
    content: Any,
    description: str = "",
    now: dt.datetime | None = None,
) -> ExitEvidence:
    """Add a file of evidence to an open case (typed, bounded and encrypted as every upload)."""
    STAFF.require(actor)
    now = now or timezone.now()
    case = lock(case, *OPEN_STATUSES)
    (row,) = _store(case, [(name, content)], actor=actor, now=now)
    if description.strip():
        row.description = description.strip()[:200]
        row.save(update_fields=["description"])
    log_action(
        "exits.evidence.added",
        actor=actor,
        obj=case,
        data={"files": [row.file.original_name], "description": row.description},
    )
    return row


@transaction.atomic
def exit_case_verify(
    *,
    actor: User,
    case: ExitCase,
    checked: str,
    finding: str,
    bars_reapplication: bool = False,
    now: dt.datetime | None = None,
) -> ExitCase:
    """Record the verification (核实, art. 9(1)): what staff checked, and the finding that the
    ground holds. For grounds 3–7 they may bar a new application for a term (the parameter
    ``reapplication_bar_years`` in force on the day of exit). A ground that does not hold is
    dropped instead (``exit_case_drop``)."""
    STAFF.require(actor)
    now = now or timezone.now()
    case = lock(case, CaseStatus.RAISED)
    checked, finding = checked.strip(), finding.strip()
    if not checked:
        raise ExitError(_("请写明核实了什么：向谁、查阅了哪些记录或材料。"), field="checked")
    if not finding:
        raise ExitError(_("请写明核实结论：所述情形是否属实、是否应予出库。"), field="finding")
    if bars_reapplication and case.ground not in CONDUCT_GROUNDS:
        raise ExitError(
            _("只有第八条第（三）至（七）项情形可以限制重新申请入库；本案件为%(g)s。")
            % {"g": case.ground_text},
            field="bars_reapplication",
        )
    case.checked, case.finding = checked, finding
    case.bars_reapplication = bars_reapplication
    case.verified_by, case.verified_at = actor, now
    move(
        case,
        to=CaseStatus.VERIFIED,
        action="exits.case.verified",
        actor=actor,
        now=now,
        data={"checked": checked, "finding": finding, "bars_reapplication": bars_reapplication},
    )
    return case


def _release(case: ExitCase, *, actor: User | None, on: dt.date, reason: str) -> None:
    """Undo what the case put on the expert: reinstate them if it suspended them, else let go
    of its hold (an earlier suspension stays as it was)."""
    expert = Expert.objects.select_for_update().get(pk=case.expert_id)
    if not expert.status_hold:
        return
    if case.suspended_by_case and expert.status == Status.SUSPENDED:
        registry.expert_status_change(
            actor=actor, expert=expert, to_status=Status.ACTIVE, on=on, reason=reason, hold=""
        )
    else:
        registry.expert_status_hold(actor=actor, expert=expert, hold="")


@transaction.atomic
def exit_case_drop(
    *, actor: User, case: ExitCase, reason: str, now: dt.datetime | None = None
) -> ExitCase:
    """Drop an open case (撤销): the ground does not hold, or no longer does. The reason is kept;
    an expert the case suspended is back in the pool at once."""
    STAFF.require(actor)
    now = now or timezone.now()
    case = lock(case, *OPEN_STATUSES)
    reason = reason.strip()
    if not reason:
        raise ExitError(_("请写明撤销的理由（如：经核实情形不属实）。"), field="reason")
    case.dropped_reason = reason
    move(
        case,
        to=CaseStatus.DROPPED,
        action="exits.case.dropped",
        actor=actor,
        now=now,
        reason=reason,
    )
    _release(
        case,
        actor=actor,
        on=timezone.localdate(now),
        reason=_("出库案件第 %(n)d 号已撤销：%(r)s") % {"n": case.pk, "r": reason},
    )
    return case


@transaction.atomic
def exit_request_withdraw(
    *, actor: User, case: ExitCase, now: dt.datetime | None = None
) -> ExitCase:
    """The expert takes back their own request before the written notice is sent."""
    if actor.role != Role.EXPERT or case.expert.user_id != actor.pk:
        raise AccessDenied(_("只能办理本人的事项。"))
    now = now or timezone.now()
    case = lock(case)
    if case.ground != Ground.REQUEST or case.status not in (CaseStatus.RAISED, CaseStatus.VERIFIED):
        raise ExitError(_("书面告知书已发出，不能再撤回申请；如有意见，请联系质促会。"))
    reason = _("本人撤回退出申请")
    case.dropped_reason = reason
    move(
        case,
        to=CaseStatus.DROPPED,
        action="exits.case.dropped",
        actor=actor,
        now=now,
        reason=reason,
    )
    return case


# --- files ---------------------------------------------------------------------------------


def exit_file_for_staff(
    *, actor: User, case: ExitCase, file_id: Any, inline: bool
) -> StoredFile | None:
    """A file of a case (evidence, the written notice) for staff, the view recorded; None when
    the file is not the case's."""
    STAFF.require(actor)
    allowed = {case.notice_file_id, *case.evidence.values_list("file_id", flat=True)} - {None}
    if file_id not in allowed:
        return None
    stored = StoredFile.objects.get(pk=file_id)
    with transaction.atomic():
        log_action(
            "exits.case.file_viewed",
            actor=actor,
            obj=case,
            data={"file": stored.original_name, "inline": inline},
        )
    return stored


def exit_notice_for_expert(*, actor: User, case_id: int) -> StoredFile | None:
    """The written notice of the expert's own case (None for anyone else's, or none yet)."""
    case = (
        ExitCase.objects.select_related("notice_file")
        .filter(pk=case_id, expert__user=actor)
        .first()
    )
    return case.notice_file if case is not None else None

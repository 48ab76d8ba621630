"""Qualification review (资格审核, art. 7(3), 21): documents verified one by one, then a decision.

Only staff holding the review right act here. A decision locks the application's row, so two
reviewers deciding the same application at once get one decision and a clear message for the
other. Passing an application writes the person into the registry (status 申请人) through the
registry's own services, so its checks apply: a valid identity number, unique in the pool.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core import crypto
from zhiku.core.audit import log_action
from zhiku.core.models import StoredFile
from zhiku.core.permissions import REVIEWER
from zhiku.experts import services as registry
from zhiku.experts.choices import Status as ExpertStatus
from zhiku.experts.eligibility import Outcome
from zhiku.experts.models import Expert
from zhiku.recruitment import selectors
from zhiku.recruitment.models import Application, ApplicationDocument, DeliberationRound
from zhiku.recruitment.services._common import RecruitmentError, notify_applicant, record_status

PASS, RETURN, REJECT = "pass", "return", "reject"
DECISIONS = (PASS, RETURN, REJECT)


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_related("call", "user")
        .select_for_update(of=("self",))
        .get(pk=application.pk)
    )


def _require_under_review(application: Application) -> None:
    if application.status != Application.Status.SUBMITTED:
        raise RecruitmentError(
            _(
                "该申请当前状态为“%(s)s”，不在资格审核中（可能已由其他工作人员处理），请刷新页面查看。"
            )
            % {"s": application.get_status_display()}
        )


@transaction.atomic
def document_verify(
    *, actor: User, document: ApplicationDocument, now: dt.datetime | None = None
) -> ApplicationDocument:
    """Record that a reviewer checked a document against its original (art. 21: who, when)."""
    REVIEWER.require(actor)
    now = now or timezone.now()
    application = _lock(document.application)
    _require_under_review(application)
    document = ApplicationDocument.objects.select_for_update().get(pk=document.pk)
    if document.removed_at is not None:
        raise RecruitmentError(_("该材料已被申请人删除。"))
    if document.verified_at is not None:
        raise RecruitmentError(
            _("该材料已由%(who)s于 %(at)s 核验。")
            % {
                "who": document.verified_by.full_name if document.verified_by else "",
                "at": timezone.localtime(document.verified_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    document.verified_by = actor
    document.verified_at = now
    document.save(update_fields=["verified_by", "verified_at"])
    log_action(
        "recruitment.document.verified",
        actor=actor,
        obj=application,
        data={"document": document.pk, "kind": document.kind},
    )
    return document


def _profile(application: Application) -> dict[str, object]:
    return {
        "name": application.name,
        "gender": application.gender,
        "birth_date": application.birth_date,
        "id_type": application.id_type,
        "email": application.email,
        "address": application.address,
        "organisation": application.organisation,
        "org_type": application.org_type,
        "position": application.position,
        "senior_manager": application.senior_manager,
        "title": application.title,
        "title_level": application.title_level,
        "senior_certificates": application.senior_certificates,
        "education": application.education,
        "degree": application.degree,
        "special_categories": list(application.special_categories),
        "region": application.region,
        "ethics_declared": application.ethics_declared,
        "health_declared": application.health_declared,
    }


def _register(actor: User, application: Application) -> Expert:
    """Write the applicant into the registry as 申请人 (or bring their earlier record up to date;
    one who left the pool becomes an applicant again, the only way back in)."""
    assert application.primary_field is not None
    existing = Expert.objects.filter(user=application.user).first()
    if existing is not None and existing.status == ExpertStatus.EXITED:
        existing = registry.expert_reapply(
            actor=actor,
            expert=existing,
            on=timezone.localdate(),
            reason=_("新的入库申请资格审核通过（%(c)s），重新登记为申请人")
            % {"c": application.call.title},
        )
    if existing is not None and existing.status != ExpertStatus.APPLICANT:
        raise RecruitmentError(
            _("申请人已是智库专家（%(s)s），无需再通过入库申请登记。")
            % {"s": existing.get_status_display()}
        )
    id_number = crypto.decrypt(application.id_number_token)
    mobile = crypto.decrypt(application.mobile_token)
    try:
        if existing is None:
            expert = registry.expert_create(
                actor=actor,
                profile=_profile(application),
                id_number=id_number,
                mobile=mobile,
                primary_field=application.primary_field,
                other_fields=list(application.other_fields.all()),
                industries=list(application.industries.all()),
                user=application.user,
            )
        else:
            expert = registry.expert_update(
                actor=actor,
                expert=existing,
                profile=_profile(application),
                id_number=id_number,
                mobile=mobile,
                primary_field=application.primary_field,
                other_fields=list(application.other_fields.all()),
                industries=list(application.industries.all()),
                reason=_("入库申请资格审核通过，按申请更新"),
            )
            for old in expert.employments.all():
                registry.employment_remove(actor=actor, item=old)
        for e in application.employments.order_by("start", "pk"):
            registry.employment_add(
                actor=actor,
                expert=expert,
                organisation=e.organisation,
                start=e.start,
                end=e.end,
                in_field=e.in_field,
            )
    except registry.ExpertError as exc:
        raise RecruitmentError(
            _("无法登记到专家库：%(e)s 请退回申请人更正。") % {"e": str(exc).rstrip("。") + "。"}
        ) from None
    return expert


@transaction.atomic
def application_decide(
    *,
    actor: User,
    application: Application,
    decision: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Application:
    """Pass an application to the council, return it for correction, or reject it.

    Returning and rejecting need a note the applicant sees; passing needs every document
    verified, and a note when the machine-checked conditions of art. 6 fail.
    """
    REVIEWER.require(actor)
    now = now or timezone.now()
    application = _lock(application)
    _require_under_review(application)
    note = note.strip()
    if decision == RETURN:
        if not note:
            raise RecruitmentError(_("请写明需要申请人更正或补充的内容，申请人将看到这段意见。"))
        to = Application.Status.RETURNED
    elif decision == REJECT:
        if not note:
            raise RecruitmentError(_("请写明不予通过的理由，申请人将看到这段意见。"))
        to = Application.Status.REJECTED
    elif decision == PASS:
        unverified = [d for d in application.active_documents() if d.verified_at is None]
        if unverified:
            raise RecruitmentError(
                _("尚有 %(n)d 份材料未核验（%(d)s），请逐份核验后再通过。")
                % {"n": len(unverified), "d": "、".join(d.get_kind_display() for d in unverified)}
            )
        result = selectors.eligibility_of(application, timezone.localdate(now))
        if result is not None and result.machine_outcome == Outcome.FAIL and not note:
            failed = "；".join(c.reason for c in result.conditions if c.outcome == Outcome.FAIL)
            raise RecruitmentError(
                _("系统核验第六条不符合（%(why)s）。如仍认为符合条件，请在意见中写明理由。")
                % {"why": failed}
            )
        application.expert = _register(actor, application)
        to = Application.Status.PASSED
    else:
        raise RecruitmentError(_("请选择审核结论。"))
    application.decided_at = now
    application.decision_note = note if decision in (RETURN, REJECT) else ""
    application.save(update_fields=["decided_at", "decision_note", "expert", "updated_at"])
    record_status(application, to=to, actor=actor, reason=note, at=now)
    notify_applicant(
        application, {PASS: "passed", RETURN: "returned", REJECT: "rejected"}[decision]
    )
    return application


# --- who may see a document ----------------------------------------------------------------


def document_for_reviewer(
    *, actor: User, document: ApplicationDocument, inline: bool
) -> StoredFile:
    """Return a document's file to a reviewer; every view is in the audit trail."""
    REVIEWER.require(actor)
    with transaction.atomic():
        log_action(
            "recruitment.document.viewed",
            actor=actor,
            obj=document.application,
            data={"document": document.pk, "kind": document.kind, "inline": inline},
        )
    return document.file


def document_for_applicant(*, actor: User, document_id: int) -> StoredFile | None:
    """Return the applicant's own document; anyone else's is None, and the attempt is recorded."""
    document = (
        ApplicationDocument.objects.select_related("application", "file")
        .filter(pk=document_id)
        .first()
    )
    if document is None or document.application.user_id != actor.pk:
        with transaction.atomic():
            log_action(
                "recruitment.document.access_refused",
                actor=actor,
                obj=document.application if document is not None else None,
                data={"document": document_id},
            )
        return None
    return document.file


def minutes_for_reviewer(*, actor: User, round_: DeliberationRound) -> StoredFile | None:
    """Return a meeting's minutes to a reviewer; every view is in the audit trail."""
    REVIEWER.require(actor)
    if round_.minutes is None:
        return None
    with transaction.atomic():
        log_action("recruitment.minutes.viewed", actor=actor, obj=round_)
    return round_.minutes

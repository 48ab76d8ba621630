"""The applicant's side (art. 7(2)): start, fill and save the draft, upload documents, submit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core import crypto, uploads
from zhiku.core.audit import diff, log_action
from zhiku.core.masking import mask
from zhiku.core.permissions import EXPERT
from zhiku.exits import selectors as exit_selectors
from zhiku.experts import eligibility, identity
from zhiku.experts.choices import Status as ExpertStatus
from zhiku.experts.crypto import ID_HASH_PURPOSE, MOBILE_HASH_PURPOSE
from zhiku.experts.models import Expert, ExpertiseField, Industry
from zhiku.recruitment import rules, selectors
from zhiku.recruitment.models import (
    Application,
    ApplicationDocument,
    ApplicationEmployment,
    ApplicationSubmission,
    Call,
    DocumentKind,
)
from zhiku.recruitment.services._common import (
    OPEN_STATUSES,
    RecruitmentError,
    notify_applicant,
    record_status,
    require_own,
)

# The version of the personal-information notice (个人信息处理告知) people agree to; a new text
# gets a new version, and each application records the one its applicant agreed to.
PRIVACY_NOTICE_VERSION = "2026-1"

# Profile fields the applicant writes as they are (the numbers go through their own setters).
PROFILE_FIELDS = (
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
    "special_categories",
    "region",
    "primary_field",
    "achievements",
    "ethics_declared",
    "health_declared",
)
# Copied from the registry when a person the council once turned down applies again.
_FROM_EXPERT = tuple(f for f in PROFILE_FIELDS if f not in ("primary_field", "achievements"))


def _phase(call: Call, now: dt.datetime) -> str:
    return selectors.call_phase(call, now)


def _closed_message(call: Call) -> str:
    return _(
        "征集“%(title)s”已于 %(date)s 24:00 截止，草稿不能再提交或修改。请留意质促会今后的征集通知。"
    ) % {"title": call.title, "date": call.closes_on.isoformat()}


def _require_call_open(call: Call, now: dt.datetime) -> None:
    phase = _phase(call, now)
    if phase == rules.CLOSED:
        raise RecruitmentError(_closed_message(call))
    if phase != rules.OPEN:
        raise RecruitmentError(
            _("征集“%(title)s”将于 %(date)s 开始接收申请。")
            % {"title": call.title, "date": call.opens_on.isoformat()}
        )


def _require_editable(application: Application, now: dt.datetime) -> None:
    if not application.is_editable:
        raise RecruitmentError(
            _("申请当前状态为“%(s)s”，不能修改。") % {"s": application.get_status_display()}
        )
    # A draft lapses with its call; a return is corrected whenever the applicant can.
    if application.status == Application.Status.DRAFT:
        _require_call_open(application.call, now)


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_related("call", "user")
        .select_for_update(of=("self",))
        .get(pk=application.pk)
    )


@transaction.atomic
def application_start(
    *, actor: User, call: Call, privacy_agreed: bool, now: dt.datetime | None = None
) -> Application:
    """Open a draft application to ``call`` (or return the one already there)."""
    EXPERT.require(actor)
    now = now or timezone.now()
    existing = Application.objects.filter(call=call, user=actor).first()
    if existing is not None:
        return existing
    _require_call_open(call, now)
    if not privacy_agreed:
        raise RecruitmentError(_("请先阅读并同意《个人信息处理告知书》。"))
    expert = Expert.objects.filter(user=actor).first()
    if expert is not None and expert.status not in (ExpertStatus.APPLICANT, ExpertStatus.EXITED):
        raise RecruitmentError(
            _("您已是智库专家（%(s)s），无需再次申请入库。") % {"s": expert.get_status_display()}
        )
    _refuse_if_barred(expert=expert, on=timezone.localdate(now))
    ongoing = (
        Application.objects.filter(user=actor)
        .filter(status__in=(Application.Status.DRAFT, *OPEN_STATUSES))
        .select_related("call")
        .first()
    )
    if ongoing is not None:
        raise RecruitmentError(
            _("您已有一份入库申请（%(call)s，%(s)s），请在该申请办结后再申请。")
            % {"call": ongoing.call.title, "s": ongoing.get_status_display()}
        )
    application = Application(
        call=call,
        user=actor,
        name=actor.full_name,
        email=actor.email,
        privacy_notice_version=PRIVACY_NOTICE_VERSION,
        privacy_agreed_at=now,
    )
    if expert is not None:
        # Someone the council once turned down, or who left the pool: start from what the
        # registry holds.
        for name in _FROM_EXPERT:
            setattr(application, name, getattr(expert, name))
        application.id_number_token = expert.id_number_token
        application.id_number_hash = expert.id_number_hash
        application.id_number_masked = expert.id_number_masked
        application.mobile_token = expert.mobile_token
        application.mobile_masked = expert.mobile_masked
        application.primary_field = expert.primary_field()
    application.save()
    if expert is not None:
        for e in expert.employments.all():
            ApplicationEmployment.objects.create(
                application=application,
                organisation=e.organisation,
                start=e.start,
                end=e.end,
                in_field=e.in_field,
            )
    log_action(
        "recruitment.application.started",
        actor=actor,
        obj=application,
        data={"call": call.pk, "privacy_notice": PRIVACY_NOTICE_VERSION},
    )
    return application


def _set_id_number(application: Application, number: str) -> None:
    if not application.id_type:
        raise RecruitmentError(_("请先选择证件类型，再填写证件号码。"))
    try:
        normalized = identity.validate(
            application.id_type, number, birth_date=application.birth_date
        )
    except identity.InvalidIdNumber as exc:
        raise RecruitmentError(str(exc)) from None
    application.id_number_token = crypto.encrypt(normalized)
    application.id_number_hash = crypto.lookup_hash(normalized, purpose=ID_HASH_PURPOSE)
    application.id_number_masked = mask(normalized)


def _set_mobile(application: Application, number: str) -> None:
    try:
        normalized = identity.normalize_mobile(number)
    except identity.InvalidMobile as exc:
        raise RecruitmentError(str(exc)) from None
    application.mobile_token = crypto.encrypt(normalized)
    application.mobile_masked = mask(normalized)


def _audit_snapshot(application: Application) -> dict[str, Any]:
    out = {f: getattr(application, f) for f in PROFILE_FIELDS}
    out["primary_field"] = application.primary_field_id
    out["id_number"] = application.id_number_masked
    out["mobile"] = application.mobile_masked
    out["other_fields"] = sorted(application.other_fields.values_list("code", flat=True))
    out["industries"] = sorted(application.industries.values_list("code", flat=True))
    return out


@transaction.atomic
def application_save(
    *,
    actor: User,
    application: Application,
    profile: Mapping[str, Any],
    id_number: str = "",
    mobile: str = "",
    other_fields: Iterable[ExpertiseField] | None = None,
    industries: Iterable[Industry] | None = None,
    now: dt.datetime | None = None,
) -> Application:
    """Save the draft as the applicant types; an empty number keeps the one saved before."""
    now = now or timezone.now()
    application = _lock(application)
    require_own(actor, application)
    _require_editable(application, now)
    before = _audit_snapshot(application)
    for name in PROFILE_FIELDS:
        if name in profile:
            setattr(application, name, profile[name])
    if application.email:
        application.email = identity.normalize_email(application.email)
    if id_number.strip():
        _set_id_number(application, id_number)
    if mobile.strip():
        _set_mobile(application, mobile)
    application.save()
    if other_fields is not None:
        application.other_fields.set(
            [f for f in other_fields if f.pk != application.primary_field_id]
        )
    if industries is not None:
        application.industries.set(list(industries))
    changes = diff(before, _audit_snapshot(application))
    if changes:
        log_action("recruitment.application.saved", actor=actor, obj=application, changes=changes)
    return application


@transaction.atomic
def application_employment_add(
    *,
    actor: User,
    application: Application,
    organisation: str,
    position: str = "",
    start: dt.date,
    end: dt.date | None,
    in_field: bool,
    now: dt.datetime | None = None,
) -> ApplicationEmployment:
    """Add a period of work; those in the field add up to art. 6(1)'s years."""
    now = now or timezone.now()
    application = _lock(application)
    require_own(actor, application)
    _require_editable(application, now)
    today = timezone.localdate(now)
    if not organisation.strip():
        raise RecruitmentError(_("请填写工作单位。"))
    if start > today:
        raise RecruitmentError(_("起始日期不能晚于今天。"))
    if end is not None and end <= start:
        raise RecruitmentError(_("截止日期应晚于起始日期。"))
    if end is not None and end > today:
        raise RecruitmentError(_("截止日期不能晚于今天；至今在职请留空。"))
    birth = application.birth_date
    if birth is not None and start < eligibility.birthday_in(birth, birth.year + 16):
        raise RecruitmentError(_("起始日期早于年满 16 周岁，请核对。"))
    item = ApplicationEmployment.objects.create(
        application=application,
        organisation=organisation.strip(),
        position=position.strip(),
        start=start,
        end=end,
        in_field=in_field,
    )
    log_action(
        "recruitment.employment.added",
        actor=actor,
        obj=application,
        data={"employment": str(item), "in_field": in_field},
    )
    return item


@transaction.atomic
def application_employment_remove(
    *, actor: User, item: ApplicationEmployment, now: dt.datetime | None = None
) -> None:
    now = now or timezone.now()
    application = _lock(item.application)
    require_own(actor, application)
    _require_editable(application, now)
    log_action(
        "recruitment.employment.removed",
        actor=actor,
        obj=application,
        data={"employment": str(item), "in_field": item.in_field},
    )
    item.delete()


def application_limit_bytes() -> int:
    return int(settings.ZHIKU_APPLICATION_UPLOAD_MAX_MB) * 1024 * 1024


@transaction.atomic
def application_document_add(
    *,
    actor: User,
    application: Application,
    kind: str,
    name: str,
    content: Any,
    now: dt.datetime | None = None,
) -> ApplicationDocument:
    """Store one document of the application, checked and encrypted (``zhiku.core.uploads``)."""
    now = now or timezone.now()
    application = _lock(application)
    require_own(actor, application)
    _require_editable(application, now)
    if kind not in DocumentKind.values:
        raise RecruitmentError(_("请选择材料类型。"))
    limit = application_limit_bytes()
    used = sum(d.file.size for d in application.active_documents())
    size = len(content) if isinstance(content, bytes) else getattr(content, "size", None)
    if size is not None and used + size > limit:
        raise uploads.UploadRefused(
            _(
                "本申请的全部材料合计不超过 %(max)s，已上传 %(used)s；请压缩后再上传，或删除不需要的文件。"
            )
            % {"max": uploads.megabytes(limit), "used": uploads.megabytes(used)}
        )
    stored = uploads.stored_file_create(
        name=name,
        content=content,
        actor=actor,
        purpose="recruitment.document",
        max_bytes=limit - used,
    )
    document = ApplicationDocument.objects.create(
        application=application, kind=kind, file=stored, uploaded_at=now
    )
    log_action(
        "recruitment.document.uploaded",
        actor=actor,
        obj=application,
        data={"document": document.pk, "kind": kind, "size": stored.size},
    )
    return document


@transaction.atomic
def application_document_remove(
    *, actor: User, document: ApplicationDocument, now: dt.datetime | None = None
) -> None:
    """Take a document off the application; it stays on record (what was submitted is evidence)."""
    now = now or timezone.now()
    application = _lock(document.application)
    require_own(actor, application)
    _require_editable(application, now)
    document = ApplicationDocument.objects.select_for_update().get(pk=document.pk)
    if document.removed_at is not None:
        return
    document.removed_at = now
    document.save(update_fields=["removed_at"])
    log_action(
        "recruitment.document.removed",
        actor=actor,
        obj=application,
        data={"document": document.pk, "kind": document.kind},
    )


def _refuse_if_barred(*, expert: Expert | None, on: dt.date) -> None:
    """Refuse a new application within the bar an exit case set (art. 8(3)–(7)), saying until
    when; the applicant was told of the bar in the written notice of their exit."""
    if expert is None:
        return
    case = exit_selectors.reapplication_barred_until(expert=expert, on=on)
    if case is None:
        return
    assert case.exited_on is not None and case.barred_until is not None
    raise RecruitmentError(
        _(
            "您于 %(d)s 因《管理办法》%(g)s出库，出库之日起 %(y)s 年内（至 %(u)s）不得重新申请入库。"
            "如有疑问，请联系质促会。"
        )
        % {
            "d": case.exited_on.isoformat(),
            "g": case.ground_text,
            "y": case.bar_years,
            "u": case.barred_until.isoformat(),
        }
    )


def _check_duplicate(application: Application) -> None:
    """Refuse a number already in the pool or in another open application, naming nobody.

    Runs in its own transaction before the submission's, so the refusal stays in the audit trail.
    """
    # Under every lookup-hash key: a record hashed under an older one is found while the keys
    # rotate.
    number = crypto.decrypt(application.id_number_token)
    digests = {application.id_number_hash, *crypto.lookup_hashes(number, purpose=ID_HASH_PURPOSE)}
    digests.discard("")
    in_pool = (
        Expert.objects.filter(id_number_hash__in=digests).exclude(user=application.user_id).exists()
    )
    elsewhere = (
        Application.objects.filter(id_number_hash__in=digests, status__in=OPEN_STATUSES)
        .exclude(user=application.user_id)
        .exists()
    )
    mobile = crypto.decrypt(application.mobile_token)
    mobile_taken = bool(mobile) and (
        Expert.objects.filter(
            mobile_hash__in=crypto.lookup_hashes(mobile, purpose=MOBILE_HASH_PURPOSE)
        )
        .exclude(user=application.user_id)
        .exists()
    )
    if not (in_pool or elsewhere or mobile_taken):
        return
    with transaction.atomic():
        log_action(
            "recruitment.application.duplicate_refused",
            actor=application.user,
            obj=application,
            data={"in_pool": in_pool, "other_application": elsewhere, "mobile_taken": mobile_taken},
        )
    if in_pool or elsewhere:
        raise RecruitmentError(
            _(
                "该证件号码已在智库登记或已有进行中的入库申请，同一人不能重复申请。"
                "如有疑问，请联系质促会。"
            )
        )
    raise RecruitmentError(
        _("该手机号码已登记在智库另一位专家名下，请填写您本人的手机号码。如有疑问，请联系质促会。")
    )


def application_submit(
    *, actor: User, application: Application, commitment: bool, now: dt.datetime | None = None
) -> Application:
    """Submit (or resubmit after a return): complete, unique, committed; a snapshot is kept."""
    now = now or timezone.now()
    require_own(actor, application)
    application.refresh_from_db()
    if (
        application.status == Application.Status.DRAFT
        and _phase(application.call, now) == rules.CLOSED
    ):
        raise RecruitmentError(_closed_message(application.call))
    # The account's own record only: another account's number is refused by the duplicate
    # check below, which names nobody (this message would say whose exit it was).
    _refuse_if_barred(
        expert=Expert.objects.filter(user=application.user_id).first(),
        on=timezone.localdate(now),
    )
    if application.id_number_hash or application.mobile_token:
        _check_duplicate(application)
    with transaction.atomic():
        application = _lock(application)
        if not application.is_editable:
            raise RecruitmentError(
                _("该申请已提交（当前状态：%(s)s）。") % {"s": application.get_status_display()}
            )
        _require_editable(application, now)
        if not commitment:
            raise RecruitmentError(_("请阅读并签署承诺书后再提交。"))
        problems = selectors.missing_items(application)
        if problems:
            raise RecruitmentError(_("申请尚不完整。") + "；".join(problems) + "。")
        try:
            identity.validate(
                application.id_type,
                crypto.decrypt(application.id_number_token),
                birth_date=application.birth_date,
            )
        except identity.InvalidIdNumber as exc:
            raise RecruitmentError(str(exc)) from None
        resubmission = application.status == Application.Status.RETURNED
        number = application.submissions.count() + 1
        ApplicationSubmission.objects.create(
            application=application,
            number=number,
            submitted_at=now,
            snapshot=selectors.application_snapshot(application),
        )
        application.commitment_signed_at = now
        application.submitted_at = now
        application.save(update_fields=["commitment_signed_at", "submitted_at", "updated_at"])
        record_status(
            application,
            to=Application.Status.SUBMITTED,
            actor=actor,
            at=now,
            reason=_("更正后重新提交") if resubmission else "",
            data={"submission": number},
        )
        notify_applicant(application, "submitted", resubmission=resubmission)
    return application

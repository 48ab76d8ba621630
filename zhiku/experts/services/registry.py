"""Staff changes to expert profiles: adding, editing, revealing, admitting, status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import Right, Role, User
from zhiku.core.audit import diff, log_action
from zhiku.experts import crypto
from zhiku.experts.choices import Status
from zhiku.experts.models import (
    ChangeRequest,
    Employment,
    Expert,
    ExpertiseField,
    Industry,
    PoolNumberCounter,
    StatusChange,
)
from zhiku.experts.services._common import (
    PLAIN_FIELDS,
    POOL_NUMBER_PREFIX,
    TRANSITIONS,
    ExpertError,
    _require_staff,
    _save,
    _set_fields,
    _set_id_number,
    _set_mobile,
    _snapshot,
)


def _check_account(user: User, expert: Expert) -> None:
    if expert.user_id is not None:
        raise ExpertError(_("该专家档案已关联账户，不能改为关联其他账户。"))
    if user.role != Role.EXPERT or Expert.objects.filter(user=user).exists():
        raise ExpertError(_("所选账户不是专家账户，或已关联其他专家档案。"))


@transaction.atomic
def expert_create(
    *,
    actor: User,
    profile: Mapping[str, Any],
    id_number: str,
    mobile: str,
    primary_field: ExpertiseField,
    other_fields: Iterable[ExpertiseField] = (),
    industries: Iterable[Industry] = (),
    user: User | None = None,
    admit_on: date | None = None,
    request: HttpRequest | None = None,
) -> Expert:
    """Add an expert to the registry as an applicant, and admit them when ``admit_on`` is given."""
    _require_staff(actor)
    expert = Expert(status=Status.APPLICANT)
    if user is not None:
        _check_account(user, expert)
        expert.user = user
    for name in PLAIN_FIELDS:
        if name in profile:
            setattr(expert, name, profile[name])
    _set_id_number(expert, id_number)
    _set_mobile(expert, mobile)
    _save(expert)
    _set_fields(expert, primary_field, other_fields)
    expert.industries.set(list(industries))
    now = timezone.now()
    StatusChange.objects.create(
        expert=expert,
        from_status="",
        to_status=Status.APPLICANT,
        actor=actor,
        at=now,
        on=timezone.localdate(now),
        reason=_("工作人员录入"),
    )
    log_action(
        "experts.expert.created",
        actor=actor,
        request=request,
        obj=expert,
        changes=diff(
            {}, {k: v for k, v in _snapshot(expert).items() if v not in ("", None, [], False)}
        ),
    )
    if admit_on is not None:
        expert = expert_admit(
            actor=actor,
            expert=expert,
            on=admit_on,
            reason=_("工作人员直接录入入库"),
            request=request,
        )
    return expert


@transaction.atomic
def expert_update(
    *,
    actor: User,
    expert: Expert,
    profile: Mapping[str, Any],
    id_number: str = "",
    mobile: str | None = None,
    primary_field: ExpertiseField | None = None,
    other_fields: Iterable[ExpertiseField] | None = None,
    industries: Iterable[Industry] | None = None,
    user: User | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Expert:
    """Change a profile; an empty ``id_number`` keeps the number, a ``None`` mobile keeps it.

    ``user`` links an expert account to a profile that has none (a link is never moved).
    """
    _require_staff(actor)
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    before = _snapshot(expert)
    if user is not None and user.pk != expert.user_id:
        _check_account(user, expert)
        expert.user = user
    for name in PLAIN_FIELDS:
        if name in profile:
            setattr(expert, name, profile[name])
    if id_number:
        _set_id_number(expert, id_number)
    elif expert.id_type != before["id_type"] or expert.birth_date != before["birth_date"]:
        # The stored number must still fit its type and the birth date.
        _set_id_number(expert, crypto.decrypt(expert.id_number_token))
    if mobile is not None:
        _set_mobile(expert, mobile)
    _save(expert)
    if primary_field is not None:
        _set_fields(expert, primary_field, other_fields or ())
    if industries is not None:
        expert.industries.set(list(industries))
    changes = diff(before, _snapshot(expert))
    if changes:
        log_action(
            "experts.expert.updated",
            actor=actor,
            request=request,
            obj=expert,
            changes=changes,
            data={"reason": reason} if reason else None,
        )
    return expert


def _reveal(actor: User, expert: Expert, token: str, action: str, request: Any) -> str:
    if actor.role != Role.STAFF or not actor.has_right(Right.REVEAL_PERSONAL_DATA):
        raise ExpertError(_("您没有查看受保护个人信息的权限，请向安全管理员申请。"))
    value = crypto.decrypt(token)
    if value:
        log_action(action, actor=actor, request=request, obj=expert)
    return value


@transaction.atomic
def expert_identity_reveal(
    *, actor: User, expert: Expert, request: HttpRequest | None = None
) -> str:
    """Return the full identity number to a staff member with the reveal right; audited."""
    return _reveal(actor, expert, expert.id_number_token, "experts.identity.revealed", request)


@transaction.atomic
def expert_mobile_reveal(*, actor: User, expert: Expert, request: HttpRequest | None = None) -> str:
    """Return the full mobile number to a staff member with the reveal right; audited."""
    return _reveal(actor, expert, expert.mobile_token, "experts.mobile.revealed", request)


def _record_status(
    expert: Expert, *, to: str, actor: User, on: date, reason: str, request: Any
) -> StatusChange:
    change = StatusChange.objects.create(
        expert=expert,
        from_status=expert.status,
        to_status=to,
        actor=actor,
        at=timezone.now(),
        on=on,
        reason=reason,
    )
    log_action(
        "experts.status.changed",
        actor=actor,
        request=request,
        obj=expert,
        changes={"status": [expert.status, to]},
        data={"reason": reason, "on": on.isoformat()},
    )
    expert.status = to
    expert.save(update_fields=["status", "pool_number", "updated_at"])
    return change


def _next_pool_number(year: int) -> str:
    # get_or_create survives two first admissions of a year racing; the lock then orders them.
    PoolNumberCounter.objects.get_or_create(year=year)
    counter = PoolNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{POOL_NUMBER_PREFIX}-{year}-{counter.last:04d}"


def _require_reviewer(actor: User) -> None:
    """Admission and the art. 6(5) judgement belong to staff who review applications."""
    _require_staff(actor)
    if not actor.has_right(Right.REVIEW_APPLICATIONS):
        raise ExpertError(_("批准入库和年龄例外认定需要“审核入库申请”权限，请向安全管理员申请。"))


@transaction.atomic
def expert_admit(
    *, actor: User, expert: Expert, on: date, reason: str, request: HttpRequest | None = None
) -> Expert:
    """Admit an applicant to the pool and give them the next pool number of ``on``'s year."""
    _require_reviewer(actor)
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if expert.status != Status.APPLICANT:
        raise ExpertError(
            _("只有申请人可以入库；该专家当前状态为“%(s)s”。") % {"s": expert.get_status_display()}
        )
    expert.pool_number = _next_pool_number(on.year)
    _record_status(expert, to=Status.ACTIVE, actor=actor, on=on, reason=reason, request=request)
    return expert


@transaction.atomic
def expert_status_change(
    *,
    actor: User,
    expert: Expert,
    to_status: str,
    on: date,
    reason: str,
    request: HttpRequest | None = None,
) -> Expert:
    """Suspend, reinstate or remove an expert of the pool, with the reason recorded."""
    _require_staff(actor)
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if not reason.strip():
        raise ExpertError(_("请填写状态变更的原因。"))
    if to_status not in TRANSITIONS.get(expert.status, set()):
        raise ExpertError(
            _("不能从“%(a)s”变更为“%(b)s”。")
            % {"a": expert.get_status_display(), "b": Status(to_status).label}
        )
    _record_status(expert, to=to_status, actor=actor, on=on, reason=reason, request=request)
    return expert


@transaction.atomic
def expert_age_override(
    *, actor: User, expert: Expert, reason: str, request: HttpRequest | None = None
) -> Expert:
    """Record a reviewer's reason to admit despite the age condition (art. 6(5) "一般")."""
    _require_reviewer(actor)
    if not reason.strip():
        raise ExpertError(_("请填写认定不受年龄限制的理由。"))
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    before = expert.age_override_reason
    expert.age_override_reason = reason.strip()
    expert.age_override_by = actor
    expert.age_override_at = timezone.now()
    expert.save(update_fields=["age_override_reason", "age_override_by", "age_override_at"])
    log_action(
        "experts.age_override.recorded",
        actor=actor,
        request=request,
        obj=expert,
        changes={"age_override_reason": [before, expert.age_override_reason]},
    )
    return expert


@transaction.atomic
def employment_add(
    *,
    actor: User,
    expert: Expert,
    organisation: str,
    start: date,
    end: date | None,
    in_field: bool,
    request: HttpRequest | None = None,
) -> Employment:
    """Add a period to the employment history (it counts toward art. 6(1) when in the field)."""
    _require_staff(actor)
    if end is not None and end <= start:
        raise ExpertError(_("截止日期应晚于起始日期。"))
    item = Employment.objects.create(
        expert=expert, organisation=organisation, start=start, end=end, in_field=in_field
    )
    log_action(
        "experts.employment.added",
        actor=actor,
        request=request,
        obj=expert,
        data={"employment": str(item), "in_field": in_field},
    )
    return item


@transaction.atomic
def employment_remove(*, actor: User, item: Employment, request: HttpRequest | None = None) -> None:
    _require_staff(actor)
    log_action(
        "experts.employment.removed",
        actor=actor,
        request=request,
        obj=item.expert,
        data={"employment": str(item), "in_field": item.in_field},
    )
    item.delete()


def protected_data_rotate() -> int:
    """Re-encrypt every stored token under the current key; return how many rows changed."""
    count = 0
    for pk in Expert.objects.values_list("pk", flat=True):
        with transaction.atomic():
            expert = Expert.objects.select_for_update().get(pk=pk)
            expert.id_number_token = crypto.rotate(expert.id_number_token)
            expert.mobile_token = crypto.rotate(expert.mobile_token)
            expert.save(update_fields=["id_number_token", "mobile_token"])
            count += 1
    for cr in ChangeRequest.objects.exclude(protected_token=""):
        with transaction.atomic():
            cr.protected_token = crypto.rotate(cr.protected_token)
            cr.save(update_fields=["protected_token"])
            count += 1
    return count

"""Staff changes to expert profiles: adding, editing, revealing, admitting, status, accounts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import Role, User
from zhiku.accounts.services import account_send_activation, expert_account_create
from zhiku.core.audit import diff, log_action
from zhiku.core.errors import AccessDenied, DomainError
from zhiku.core.permissions import REVEALER, REVIEWER, STAFF
from zhiku.core.transitions import transition_record
from zhiku.experts import crypto, eligibility, identity, protected, rules
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
    _save,
    _set_fields,
    _set_id_number,
    _set_mobile,
    _snapshot,
    _valid_id_number,
    _valid_mobile,
)
from zhiku.experts.services.duplicates import Wanted, duplicates_check


def _check_account(user: User, expert: Expert) -> None:
    if expert.user_id is not None:
        raise ExpertError(_("该专家档案已关联账户，不能改为关联其他账户。"))
    if user.role != Role.EXPERT or Expert.objects.filter(user=user).exists():
        raise ExpertError(_("所选账户不是专家账户，或已关联其他专家档案。"))


def _apply(
    expert: Expert,
    *,
    profile: Mapping[str, Any],
    id_number: str,
    mobile: str | None,
    user: User | None,
    today: date,
) -> tuple[str | None, str | None, Wanted]:
    """Set the changes on ``expert`` (not saved) and check them with the registry's rules.

    Returns the identity number and the mobile to store (normalised; None: keep the stored
    one) and the new numbers to look for in the pool. Raises ExpertError naming the field.
    A new profile is checked whole; an existing one only in what changes, so that an old value
    refused by a newer rule does not block an unrelated change.
    """
    new = expert.pk is None
    before = {name: getattr(expert, name) for name in PLAIN_FIELDS}
    if user is not None and user.pk != expert.user_id:
        _check_account(user, expert)
        expert.user = user
    for name in PLAIN_FIELDS:
        if name in profile:
            setattr(expert, name, profile[name])
    expert.email = identity.normalize_email(expert.email or "")
    changed = {name for name in PLAIN_FIELDS if new or getattr(expert, name) != before[name]}
    number: str | None = None
    if id_number:
        number = _valid_id_number(expert, id_number)
    elif changed & {"id_type", "birth_date", "gender"}:
        # The stored number must still fit its type, the birth date and the gender.
        number = _valid_id_number(expert, crypto.decrypt(expert.id_number_token))
    normalized_mobile = _valid_mobile(mobile) if mobile is not None else None
    check = rules.ProfileValues(
        birth_date=expert.birth_date if "birth_date" in changed else None,
        gender=expert.gender,
        id_type=expert.id_type,
        id_number=number or "",
        senior_certificates=expert.senior_certificates if "senior_certificates" in changed else "",
        statutory_retirement_age=expert.statutory_retirement_age
        if "statutory_retirement_age" in changed
        else None,
    )
    errors = rules.profile_errors(check, today=today)
    if errors:
        raise ExpertError(str(errors[0]), field=errors[0].field)
    id_hashes = crypto.lookup_hashes(number or "", purpose=crypto.ID_HASH_PURPOSE)
    mobile_hashes = crypto.lookup_hashes(
        normalized_mobile or "", purpose=crypto.MOBILE_HASH_PURPOSE
    )
    # Unchanged (under whichever key its stored hash was made): nothing to look for.
    if expert.id_number_hash in id_hashes:
        id_hashes = []
    if expert.mobile_hash in mobile_hashes:
        mobile_hashes = []
    wanted = Wanted(
        id_hash=id_hashes[0] if id_hashes else "",
        id_hashes=tuple(id_hashes),
        id_masked=protected.mask_id_number(number) if number else "",
        mobile_hash=mobile_hashes[0] if mobile_hashes else "",
        mobile_hashes=tuple(mobile_hashes),
        mobile_masked=protected.mask_mobile(normalized_mobile or ""),
        email=expert.email if expert.email and (new or expert.email != before["email"]) else "",
    )
    return number, normalized_mobile, wanted


def _check_periods(periods: Iterable[rules.WorkPeriod], *, birth: date, today: date) -> None:
    for period in periods:
        try:
            rules.check_employment(period.start, period.end, birth=birth, today=today)
        except rules.RuleError as exc:
            raise ExpertError(
                _("工作经历（%(org)s）：%(e)s") % {"org": period.organisation, "e": exc},
                field="work_history",
            ) from None


def _failed_on(profile: eligibility.Profile, on: date) -> list[eligibility.Condition]:
    return rules.failed_conditions(
        eligibility.check(profile, on=on, rules=eligibility.rules_on(on))
    )


def _describe(failed: Iterable[eligibility.Condition]) -> str:
    return "；".join(f"{c.title}：{c.reason}" for c in failed)


def _require_exception_reason(failed: list[eligibility.Condition], reason: str) -> None:
    if failed and not reason.strip():
        raise ExpertError(
            _(
                "该专家不符合第六条：%(failed)s 如仍予入库，请由持有“审核入库申请”权限的工作人员"
                "填写不符合条件仍予入库的理由，理由将显示在专家详情页。"
            )
            % {"failed": _describe(failed)},
            field="admission_exception_reason",
        )


def _record_exception(
    expert: Expert, *, actor: User, reason: str, failed: list[eligibility.Condition], now: Any
) -> None:
    before = expert.admission_exception_reason
    expert.admission_exception_reason = reason.strip()
    expert.admission_exception_by = actor
    expert.admission_exception_at = now
    expert.save(
        update_fields=[
            "admission_exception_reason",
            "admission_exception_by",
            "admission_exception_at",
        ]
    )
    log_action(
        "experts.admission_exception.recorded",
        actor=actor,
        obj=expert,
        changes={"admission_exception_reason": [before, expert.admission_exception_reason]},
        data={"failed_conditions": [f"{c.title}：{c.reason}" for c in failed]},
    )


def _draft_profile(expert: Expert, periods: Iterable[rules.WorkPeriod]) -> eligibility.Profile:
    """Return the art. 6 profile of an expert not saved yet, with the periods given."""
    return eligibility.Profile(
        birth_date=expert.birth_date,
        title_level=expert.title_level,
        senior_manager=expert.senior_manager,
        senior_certificates=expert.senior_certificates,
        special_categories=frozenset(expert.special_categories),
        statutory_retirement_age=expert.statutory_retirement_age,
        employment=tuple(eligibility.Period(p.start, p.end, p.in_field) for p in periods),
        ethics_declared=expert.ethics_declared,
        health_declared=expert.health_declared,
    )


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
    work_history: Iterable[rules.WorkPeriod] = (),
    exception_reason: str = "",
) -> Expert:
    """Add an expert to the registry as an applicant, and admit them when ``admit_on`` is given.

    Adding needs the review right: the duplicate check tells whether a number is in the pool.
    Every value is checked with the registry's rules first; the numbers are then looked for in
    the pool (counted and recorded, see ``duplicates``), and only then is anything written, in
    one transaction. Admitting an expert who fails art. 6 needs ``exception_reason``.
    """
    REVIEWER.require(actor)
    today = timezone.localdate()
    periods = list(work_history)
    expert = Expert(status=Status.APPLICANT)
    number, normalized_mobile, wanted = _apply(
        expert, profile=profile, id_number=id_number, mobile=mobile, user=user, today=today
    )
    assert number is not None  # a new expert always has its number checked
    _check_periods(periods, birth=expert.birth_date, today=today)
    failed: list[eligibility.Condition] = []
    if admit_on is not None:
        failed = _failed_on(_draft_profile(expert, periods), admit_on)
        _require_exception_reason(failed, exception_reason)
    duplicates_check(actor=actor, wanted=wanted)
    with transaction.atomic():
        _set_id_number(expert, number)
        _set_mobile(expert, normalized_mobile or "")
        _save(expert)
        _set_fields(expert, primary_field, other_fields)
        expert.industries.set(list(industries))
        employments = Employment.objects.bulk_create(
            Employment(
                expert=expert,
                organisation=p.organisation,
                start=p.start,
                end=p.end,
                in_field=p.in_field,
            )
            for p in periods
        )
        now = timezone.now()
        StatusChange.objects.create(
            expert=expert,
            from_value="",
            to_value=Status.APPLICANT,
            actor=actor,
            at=now,
            effective_on=timezone.localdate(now),
            reason=_("工作人员录入"),
        )
        log_action(
            "experts.expert.created",
            actor=actor,
            obj=expert,
            changes=diff(
                {}, {k: v for k, v in _snapshot(expert).items() if v not in ("", None, [], False)}
            ),
            data={"employment": [str(e) for e in employments]} if employments else None,
        )
        if admit_on is not None:
            expert = expert_admit(
                actor=actor,
                expert=expert,
                on=admit_on,
                reason=_("工作人员直接录入入库"),
                exception_reason=exception_reason,
            )
    return expert


def update_prepare(
    *,
    actor: User,
    expert: Expert,
    profile: Mapping[str, Any],
    id_number: str,
    mobile: str | None,
    user: User | None,
) -> None:
    """Check changes on a fresh copy and look for their new numbers in the pool.

    Runs outside the write's transaction, so that the lookup stays recorded when refused.
    """
    copy = Expert.objects.get(pk=expert.pk)
    _number, _mobile, wanted = _apply(
        copy,
        profile=profile,
        id_number=id_number,
        mobile=mobile,
        user=user,
        today=timezone.localdate(),
    )
    duplicates_check(actor=actor, wanted=wanted, exclude_pk=expert.pk)


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
) -> Expert:
    """Change a profile; an empty ``id_number`` keeps the number, a ``None`` mobile keeps it.

    ``user`` links an expert account to a profile that has none (a link is never moved).
    Changing the identity number needs the review right, as adding an expert does.
    """
    STAFF.require(actor)
    if id_number:
        REVIEWER.require(actor)
    update_prepare(
        actor=actor, expert=expert, profile=profile, id_number=id_number, mobile=mobile, user=user
    )
    return update_checked(
        actor=actor,
        expert=expert,
        profile=profile,
        id_number=id_number,
        mobile=mobile,
        primary_field=primary_field,
        other_fields=other_fields,
        industries=industries,
        user=user,
        reason=reason,
    )


@transaction.atomic
def update_checked(
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
) -> Expert:
    """Write changes whose new numbers ``update_prepare`` has looked for (expert_update's
    second half; a confirmed change request calls it after its own check)."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    before = _snapshot(expert)
    number, normalized_mobile, _wanted = _apply(
        expert,
        profile=profile,
        id_number=id_number,
        mobile=mobile,
        user=user,
        today=timezone.localdate(),
    )
    if number is not None:
        _set_id_number(expert, number)
    if normalized_mobile is not None:
        _set_mobile(expert, normalized_mobile)
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
            obj=expert,
            changes=changes,
            data={"reason": reason} if reason else None,
        )
    return expert


def _reveal(actor: User, expert: Expert, token: str, action: str) -> str:
    REVEALER.require(actor)
    value = crypto.decrypt(token)
    if value:
        log_action(action, actor=actor, obj=expert)
    return value


@transaction.atomic
def expert_identity_reveal(*, actor: User, expert: Expert) -> str:
    """Return the full identity number to a staff member with the reveal right; audited."""
    return _reveal(actor, expert, expert.id_number_token, "experts.identity.revealed")


@transaction.atomic
def expert_mobile_reveal(*, actor: User, expert: Expert) -> str:
    """Return the full mobile number to a staff member with the reveal right; audited."""
    return _reveal(actor, expert, expert.mobile_token, "experts.mobile.revealed")


def _record_status(
    expert: Expert,
    *,
    to: str,
    actor: User | None,
    on: date,
    reason: str,
    data: Mapping[str, Any] | None = None,
) -> StatusChange:
    change = transition_record(
        StatusChange,
        action="experts.status.changed",
        subject=expert,
        actor=actor,
        from_value=expert.status,
        to_value=to,
        reason=reason,
        data={"effective_on": on.isoformat(), **(data or {})},
        expert=expert,
        effective_on=on,
    )
    expert.status = to
    expert.save(update_fields=["status", "pool_number", "updated_at"])
    return change


def pool_numbers_allocate(*, year: int, count: int = 1) -> list[str]:
    """Take the next ``count`` pool numbers of ``year`` (GDQ-<year>-NNNN); none is ever reused.

    The one place pool numbers come from: admission by hand and by import alike. Call inside
    the caller's transaction; the counter row is locked until it commits.
    """
    # get_or_create survives two first admissions of a year racing; the lock then orders them.
    PoolNumberCounter.objects.get_or_create(year=year)
    counter = PoolNumberCounter.objects.select_for_update().get(year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{POOL_NUMBER_PREFIX}-{year}-{n:04d}" for n in range(first, counter.last + 1)]


@transaction.atomic
def expert_admit(
    *, actor: User, expert: Expert, on: date, reason: str, exception_reason: str = ""
) -> Expert:
    """Admit an applicant to the pool and give them the next pool number of ``on``'s year
    (one who left the pool and applied again keeps the number they had).

    The art. 6 check runs on ``on`` with the rules then in force. An expert who fails a
    condition is admitted only with ``exception_reason``, recorded and shown on the profile.
    """
    REVIEWER.require(actor)
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if expert.status != Status.APPLICANT:
        raise ExpertError(
            _("只有申请人可以入库；该专家当前状态为“%(s)s”。") % {"s": expert.get_status_display()}
        )
    failed = _failed_on(expert.eligibility_profile(), on)
    _require_exception_reason(failed, exception_reason)
    if failed:
        _record_exception(
            expert, actor=actor, reason=exception_reason, failed=failed, now=timezone.now()
        )
    if not expert.pool_number:  # one who left and came back keeps the number they had
        expert.pool_number = pool_numbers_allocate(year=on.year)[0]
    _record_status(expert, to=Status.ACTIVE, actor=actor, on=on, reason=reason)
    return expert


@transaction.atomic
def expert_legacy_review(
    *, actor: User, expert: Expert, on: date, exception_reason: str = ""
) -> Expert:
    """Record that a reviewer went through an imported expert's art. 6 conditions one by one.

    An imported roster enters the pool unchecked (存量导入); until this is recorded the expert
    stays on the dashboard. One who still fails a condition stays in the pool only with
    ``exception_reason``, as at an admission; otherwise staff suspend or remove them.
    """
    REVIEWER.require(actor)
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if not expert.legacy_import or expert.legacy_reviewed_at is not None:
        raise ExpertError(_("该专家不是待逐项核验的存量导入专家。"))
    failed = _failed_on(expert.eligibility_profile(), on)
    _require_exception_reason(failed, exception_reason)
    now = timezone.now()
    if failed:
        _record_exception(expert, actor=actor, reason=exception_reason, failed=failed, now=now)
    expert.legacy_reviewed_by = actor
    expert.legacy_reviewed_at = now
    expert.save(update_fields=["legacy_reviewed_by", "legacy_reviewed_at"])
    log_action(
        "experts.legacy_import.reviewed",
        actor=actor,
        obj=expert,
        data={"on": on.isoformat(), "passed": not failed},
    )
    return expert


@transaction.atomic
def expert_account_invite(*, actor: User, expert: Expert) -> User:
    """Send an expert the e-mail with which they set their password, as an import does.

    Opens their expert account first when they have none (user name: the e-mail in lower
    case). Refused without an e-mail address, or when the account already has a password.
    """
    STAFF.require(actor)
    expert = Expert.objects.select_for_update(of=("self",)).select_related("user").get(pk=expert.pk)
    if not expert.email:
        raise ExpertError(
            _("该专家没有电子邮箱，无法发送设置密码的邮件；请先在“编辑信息”中填写电子邮箱。")
        )
    user = expert.user
    created = user is None
    if user is None:
        try:
            user = expert_account_create(
                actor=actor,
                email=expert.email,
                full_name=expert.name,
                reason=_("为工作人员录入的专家 %(e)s 开设账户") % {"e": expert},
            )
        except DomainError as exc:
            raise ExpertError(str(exc)) from None
        expert.user = user
        expert.save(update_fields=["user", "updated_at"])
    elif user.has_usable_password():
        raise ExpertError(
            _("该专家已设置登录密码，可以直接登录；如忘记密码，可在登录页通过“忘记密码”重新设置。")
        )
    account_send_activation(user=user, actor=actor)
    log_action(
        "experts.account.invited",
        actor=actor,
        obj=expert,
        data={"to": user.email, "account_created": created, "user": user.username},
    )
    return user


@transaction.atomic
def expert_status_change(
    *,
    actor: User | None,
    expert: Expert,
    to_status: str,
    on: date,
    reason: str,
    exit_case: int | None = None,
    hold: str | None = None,
) -> Expert:
    """Suspend, reinstate or remove an expert of the pool, with the reason recorded.

    The one status service. Removal (已出库) comes only from an exit case (art. 9: verified,
    notified and announced), whose number ``exit_case`` the exits app passes; by hand it is
    refused. ``hold`` (the exits app's, for a case under art. 8(3)–(7)) sets or, as "", clears
    why the expert is held suspended; while a hold is set, nobody reinstates them by hand.
    Without an ``actor`` it is the system, which may only suspend with a hold (a case it raised
    on the attendance records).
    """
    if actor is None:
        if to_status != Status.SUSPENDED or not hold:
            raise AccessDenied(_("系统只能因出库案件暂停专家。"))
    else:
        STAFF.require(actor)
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if not reason.strip():
        raise ExpertError(_("请填写状态变更的原因。"))
    if to_status == Status.EXITED and exit_case is None:
        raise ExpertError(
            _(
                "出库须经核实、书面告知和公告（第九条）：请在“出库管理”中立案办理，"
                "公告后专家状态自动变为“已出库”。"
            )
        )
    if to_status not in TRANSITIONS.get(expert.status, set()):
        raise ExpertError(
            _("不能从“%(a)s”变更为“%(b)s”。")
            % {"a": expert.get_status_display(), "b": Status(to_status).label}
        )
    if expert.status_hold and hold is None and to_status == Status.ACTIVE:
        raise ExpertError(
            _("该专家因以下事项暂停，须在该事项办结（如撤销出库案件）后才能恢复在库：%(h)s")
            % {"h": expert.status_hold}
        )
    if to_status == Status.EXITED:
        hold = ""
    if hold is not None and hold != expert.status_hold:
        expert.status_hold = hold
        expert.save(update_fields=["status_hold"])
    _record_status(
        expert,
        to=to_status,
        actor=actor,
        on=on,
        reason=reason,
        data={"exit_case": exit_case} if exit_case is not None else None,
    )
    return expert


@transaction.atomic
def expert_status_hold(*, actor: User | None, expert: Expert, hold: str) -> Expert:
    """Set (or, with "", clear) why a suspended expert is held, without changing the status.

    The exits app holds an expert already suspended when a case under art. 8(3)–(7) opens
    (without an ``actor``: a case the system raised), and lets go when the case is dropped,
    leaving the earlier suspension as it was.
    """
    if actor is not None or not hold:
        STAFF.require(actor)
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if hold and expert.status != Status.SUSPENDED:
        raise ExpertError(
            _("只有暂停的专家可以记录暂停原因；该专家当前状态为“%(s)s”。")
            % {"s": expert.get_status_display()}
        )
    if hold == expert.status_hold:
        return expert
    before = expert.status_hold
    expert.status_hold = hold
    expert.save(update_fields=["status_hold", "updated_at"])
    log_action(
        "experts.status.hold_changed",
        actor=actor,
        obj=expert,
        changes={"status_hold": [before, hold]},
    )
    return expert


@transaction.atomic
def expert_reapply(*, actor: User, expert: Expert, on: date, reason: str) -> Expert:
    """Enter an expert who left the pool as an applicant again, on a new application that
    passed review (the only way back: an exit is never undone by hand). The next admission
    gives them back their pool number."""
    REVIEWER.require(actor)
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if expert.status != Status.EXITED:
        raise ExpertError(
            _("只有已出库的专家可以经新的入库申请重新登记；该专家当前状态为“%(s)s”。")
            % {"s": expert.get_status_display()}
        )
    _record_status(expert, to=Status.APPLICANT, actor=actor, on=on, reason=reason)
    return expert


@transaction.atomic
def expert_age_override(*, actor: User, expert: Expert, reason: str) -> Expert:
    """Record a reviewer's reason to admit despite the age condition (art. 6(5) "一般")."""
    REVIEWER.require(actor)
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
        obj=expert,
        changes={"age_override_reason": [before, expert.age_override_reason]},
    )
    return expert


@transaction.atomic
def employment_add(
    *, actor: User, expert: Expert, organisation: str, start: date, end: date | None, in_field: bool
) -> Employment:
    """Add a period to the employment history (it counts toward art. 6(1) when in the field)."""
    STAFF.require(actor)
    try:
        rules.check_employment(start, end, birth=expert.birth_date, today=timezone.localdate())
    except rules.RuleError as exc:
        raise ExpertError(str(exc), field=exc.field) from None
    item = Employment.objects.create(
        expert=expert, organisation=organisation, start=start, end=end, in_field=in_field
    )
    log_action(
        "experts.employment.added",
        actor=actor,
        obj=expert,
        data={"employment": str(item), "in_field": in_field},
    )
    return item


@transaction.atomic
def employment_remove(*, actor: User, item: Employment) -> None:
    STAFF.require(actor)
    log_action(
        "experts.employment.removed",
        actor=actor,
        obj=item.expert,
        data={"employment": str(item), "in_field": item.in_field},
    )
    item.delete()


def protected_data_rotate() -> int:
    """Re-encrypt every stored token under the current key and recompute every lookup hash with
    the newest hash key; return how many rows were rewritten. Safe to run twice."""
    count = 0
    for pk in Expert.objects.values_list("pk", flat=True):
        with transaction.atomic():
            expert = Expert.objects.select_for_update().get(pk=pk)
            expert.id_number_token = crypto.rotate(expert.id_number_token)
            expert.mobile_token = crypto.rotate(expert.mobile_token)
            fields = ["id_number_token", "mobile_token"]
            # A record whose number was removed (retention) keeps its placeholder hash.
            number = crypto.decrypt(expert.id_number_token)
            if number:
                expert.id_number_hash = crypto.lookup_hash(number, purpose=crypto.ID_HASH_PURPOSE)
                fields.append("id_number_hash")
            expert.mobile_hash = crypto.lookup_hash(
                crypto.decrypt(expert.mobile_token), purpose=crypto.MOBILE_HASH_PURPOSE
            )
            expert.save(update_fields=[*fields, "mobile_hash"])
            count += 1
    for cr in ChangeRequest.objects.exclude(protected_token=""):
        with transaction.atomic():
            cr.protected_token = crypto.rotate(cr.protected_token)
            cr.save(update_fields=["protected_token"])
            count += 1
    return count

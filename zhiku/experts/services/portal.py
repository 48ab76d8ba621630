"""What an expert does about their own record (and staff decide on it)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import log_action
from zhiku.core.masking import mask
from zhiku.experts import crypto, identity
from zhiku.experts.choices import Status
from zhiku.experts.models import (
    ChangeRequest,
    Conflict,
    ExitRequest,
    Expert,
    ExpertiseField,
    Unavailability,
)
from zhiku.experts.services._common import (
    MOBILE_HASH_PURPOSE,
    SELF_SERVICE_FIELDS,
    ExpertError,
    _json,
    _require_self,
    _require_staff,
    _require_staff_or_self,
)
from zhiku.experts.services.registry import expert_update


@transaction.atomic
def conflict_declare(
    *,
    actor: User,
    expert: Expert,
    kind: str,
    party: str,
    reason: str,
    request: HttpRequest | None = None,
) -> Conflict:
    """Record a conflict of interest declared by the expert (or by staff on their behalf)."""
    _require_staff_or_self(actor, expert)
    if not party.strip() or not reason.strip():
        raise ExpertError(_("请填写存在利害关系的单位或个人，以及利害关系的说明。"))
    conflict = Conflict.objects.create(
        expert=expert,
        kind=kind,
        party=party.strip(),
        reason=reason.strip(),
        declared_at=timezone.now(),
        declared_by=actor,
    )
    log_action(
        "experts.conflict.declared",
        actor=actor,
        request=request,
        obj=expert,
        data={"kind": kind, "party": conflict.party, "reason": conflict.reason},
    )
    return conflict


@transaction.atomic
def conflict_withdraw(
    *, actor: User, conflict: Conflict, request: HttpRequest | None = None
) -> Conflict:
    """Mark a declaration as no longer in force; it stays on record."""
    _require_staff_or_self(actor, conflict.expert)
    if conflict.withdrawn_at is not None:
        raise ExpertError(_("该声明已撤回。"))
    conflict.withdrawn_at = timezone.now()
    conflict.save(update_fields=["withdrawn_at"])
    log_action(
        "experts.conflict.withdrawn",
        actor=actor,
        request=request,
        obj=conflict.expert,
        data={"kind": conflict.kind, "party": conflict.party},
    )
    return conflict


@transaction.atomic
def unfamiliar_fields_set(
    *,
    actor: User,
    expert: Expert,
    fields: Iterable[ExpertiseField],
    request: HttpRequest | None = None,
) -> None:
    """Replace the fields the expert declares unfamiliar (art. 12(3))."""
    _require_staff_or_self(actor, expert)
    chosen = list(fields)
    before = sorted(expert.unfamiliar_fields.values_list("code", flat=True))
    after = sorted(f.code for f in chosen)
    expert.unfamiliar_fields.set(chosen)
    if before != after:
        log_action(
            "experts.unfamiliar_fields.changed",
            actor=actor,
            request=request,
            obj=expert,
            changes={"unfamiliar_fields": [before, after]},
        )


@transaction.atomic
def unavailability_add(
    *,
    actor: User,
    expert: Expert,
    start: date,
    end: date,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Unavailability:
    _require_staff_or_self(actor, expert)
    if end < start:
        raise ExpertError(_("截止日期不能早于起始日期。"))
    item = Unavailability.objects.create(expert=expert, start=start, end=end, reason=reason)
    log_action(
        "experts.unavailability.added",
        actor=actor,
        request=request,
        obj=expert,
        data={"start": start.isoformat(), "end": end.isoformat(), "reason": reason},
    )
    return item


@transaction.atomic
def unavailability_remove(
    *, actor: User, item: Unavailability, request: HttpRequest | None = None
) -> None:
    _require_staff_or_self(actor, item.expert)
    log_action(
        "experts.unavailability.removed",
        actor=actor,
        request=request,
        obj=item.expert,
        data={"start": item.start.isoformat(), "end": item.end.isoformat()},
    )
    item.delete()


@transaction.atomic
def change_request_submit(
    *,
    actor: User,
    expert: Expert,
    changes: Mapping[str, Any],
    mobile: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> ChangeRequest:
    """File the changes an expert reports; nothing changes until staff confirm them."""
    _require_self(actor, expert)
    if expert.change_requests.filter(state=ChangeRequest.State.PENDING).exists():
        raise ExpertError(_("您已有一项待确认的信息变更，请待工作人员处理后再提交。"))
    plain = {
        name: [getattr(expert, name), value]
        for name, value in changes.items()
        if name in SELF_SERVICE_FIELDS and getattr(expert, name) != value
    }
    protected: dict[str, str] = {}
    if mobile:
        try:
            normalized = identity.normalize_mobile(mobile)
        except identity.InvalidMobile as exc:
            raise ExpertError(str(exc)) from None
        if crypto.lookup_hash(normalized, purpose=MOBILE_HASH_PURPOSE) != expert.mobile_hash:
            protected["mobile"] = normalized
    if not plain and not protected:
        raise ExpertError(_("您没有修改任何信息。"))
    cr = ChangeRequest.objects.create(
        expert=expert,
        changes={k: [_json(v[0]), _json(v[1])] for k, v in plain.items()},
        protected_token=crypto.encrypt(json.dumps(protected)) if protected else "",
        protected_masked={
            k: [getattr(expert, f"{k}_masked"), mask(v)] for k, v in protected.items()
        },
        note=note,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    log_action(
        "experts.change_request.submitted",
        actor=actor,
        request=request,
        obj=expert,
        changes={**cr.changes, **cr.protected_masked},
        data={"change_request": cr.pk},
    )
    return cr


@transaction.atomic
def change_request_decide(
    *,
    actor: User,
    change_request: ChangeRequest,
    confirm: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> ChangeRequest:
    """Confirm (apply) or reject an expert's reported changes; rejecting needs a reason."""
    _require_staff(actor)
    cr = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if cr.state != ChangeRequest.State.PENDING:
        raise ExpertError(_("该变更申请已处理，不能重复处理。"))
    if not confirm and not reason.strip():
        raise ExpertError(_("退回变更申请时请填写理由，专家将看到该理由。"))
    cr.state = ChangeRequest.State.CONFIRMED if confirm else ChangeRequest.State.REJECTED
    cr.decided_by = actor
    cr.decided_at = timezone.now()
    cr.decision_reason = reason.strip()
    cr.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    if confirm:
        protected = json.loads(crypto.decrypt(cr.protected_token)) if cr.protected_token else {}
        expert_update(
            actor=actor,
            expert=cr.expert,
            profile={k: v[1] for k, v in cr.changes.items()},
            mobile=protected.get("mobile"),
            reason=_("确认专家本人提交的信息变更（申请 #%(n)d）") % {"n": cr.pk},
            request=request,
        )
    log_action(
        "experts.change_request.confirmed" if confirm else "experts.change_request.rejected",
        actor=actor,
        request=request,
        obj=cr.expert,
        data={
            "change_request": cr.pk,
            **({"reason": cr.decision_reason} if cr.decision_reason else {}),
        },
    )
    return cr


@transaction.atomic
def exit_request_submit(
    *, actor: User, expert: Expert, reason: str, on: date, request: HttpRequest | None = None
) -> ExitRequest:
    """Record an expert's written request to leave the pool (art. 12(4)); staff handle the exit."""
    _require_self(actor, expert)
    if expert.status not in (Status.ACTIVE, Status.SUSPENDED):
        raise ExpertError(_("您目前不在智库中，无需申请退出。"))
    if expert.exit_requests.filter(state=ExitRequest.State.SUBMITTED).exists():
        raise ExpertError(_("您已提交退出申请，质促会正在办理。"))
    if not reason.strip():
        raise ExpertError(_("请填写退出智库的理由。"))
    item = ExitRequest.objects.create(
        expert=expert, reason=reason.strip(), submitted_by=actor, submitted_at=timezone.now(), on=on
    )
    log_action(
        "experts.exit_request.submitted",
        actor=actor,
        request=request,
        obj=expert,
        data={"reason": item.reason, "on": on.isoformat()},
    )
    return item

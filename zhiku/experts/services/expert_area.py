"""What an expert does about their own record in the expert area (and staff decide on it)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import log_action
from zhiku.core.masking import mask
from zhiku.core.permissions import STAFF
from zhiku.experts import crypto, identity, rules
from zhiku.experts.models import (
    ChangeRequest,
    Conflict,
    Expert,
    ExpertiseField,
    Unavailability,
)
from zhiku.experts.services._common import (
    SELF_SERVICE_FIELDS,
    ExpertError,
    _json,
    _require_self,
    _require_staff_or_self,
)
from zhiku.experts.services.registry import update_checked, update_prepare


@transaction.atomic
def conflict_declare(
    *,
    actor: User,
    expert: Expert,
    kind: str,
    party: str,
    reason: str,
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
        obj=expert,
        data={"kind": kind, "party": conflict.party, "reason": conflict.reason},
    )
    return conflict


@transaction.atomic
def conflict_withdraw(*, actor: User, conflict: Conflict) -> Conflict:
    """Mark a declaration as no longer in force; it stays on record."""
    _require_staff_or_self(actor, conflict.expert)
    if conflict.withdrawn_at is not None:
        raise ExpertError(_("该声明已撤回。"))
    conflict.withdrawn_at = timezone.now()
    conflict.save(update_fields=["withdrawn_at"])
    log_action(
        "experts.conflict.withdrawn",
        actor=actor,
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
) -> Unavailability:
    _require_staff_or_self(actor, expert)
    if end < start:
        raise ExpertError(_("截止日期不能早于起始日期。"))
    item = Unavailability.objects.create(expert=expert, start=start, end=end, reason=reason)
    log_action(
        "experts.unavailability.added",
        actor=actor,
        obj=expert,
        data={"start": start.isoformat(), "end": end.isoformat(), "reason": reason},
    )
    return item


@transaction.atomic
def unavailability_remove(*, actor: User, item: Unavailability) -> None:
    _require_staff_or_self(actor, item.expert)
    log_action(
        "experts.unavailability.removed",
        actor=actor,
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
) -> ChangeRequest:
    """File the changes an expert reports; nothing changes until staff confirm them."""
    _require_self(actor, expert)
    if expert.change_requests.filter(status=ChangeRequest.Status.PENDING).exists():
        raise ExpertError(_("您已有一项待确认的信息变更，请待工作人员处理后再提交。"))
    plain = {
        name: [getattr(expert, name), value]
        for name, value in changes.items()
        if name in SELF_SERVICE_FIELDS and getattr(expert, name) != value
    }
    if "email" in plain:
        plain["email"][1] = identity.normalize_email(plain["email"][1] or "")
    if "senior_certificates" in plain:
        try:
            rules.check_certificates(plain["senior_certificates"][1] or "")
        except rules.RuleError as exc:
            raise ExpertError(str(exc), field=exc.field) from None
    protected: dict[str, str] = {}
    if mobile:
        try:
            normalized = identity.normalize_mobile(mobile)
        except identity.InvalidMobile as exc:
            raise ExpertError(str(exc)) from None
        if expert.mobile_hash not in crypto.lookup_hashes(
            normalized, purpose=crypto.MOBILE_HASH_PURPOSE
        ):
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
        obj=expert,
        changes={**cr.changes, **cr.protected_masked},
        data={"change_request": cr.pk},
    )
    return cr


def change_request_decide(
    *,
    actor: User,
    change_request: ChangeRequest,
    confirm: bool,
    reason: str = "",
) -> ChangeRequest:
    """Confirm (apply) or reject an expert's reported changes; rejecting needs a reason.

    A new mobile or e-mail address is looked for in the pool before anything is written, so
    that the lookup stays recorded when the confirmation is refused.
    """
    STAFF.require(actor)
    cr = ChangeRequest.objects.select_related("expert").get(pk=change_request.pk)
    if confirm and cr.status == ChangeRequest.Status.PENDING:
        update_prepare(
            actor=actor,
            expert=cr.expert,
            profile=_proposed(cr),
            id_number="",
            mobile=_proposed_mobile(cr),
            user=None,
        )
    return _decide(actor=actor, change_request=cr, confirm=confirm, reason=reason)


def _proposed(cr: ChangeRequest) -> dict[str, Any]:
    return {k: v[1] for k, v in cr.changes.items()}


def _proposed_mobile(cr: ChangeRequest) -> str | None:
    protected = json.loads(crypto.decrypt(cr.protected_token)) if cr.protected_token else {}
    mobile: str | None = protected.get("mobile")
    return mobile


@transaction.atomic
def _decide(
    *, actor: User, change_request: ChangeRequest, confirm: bool, reason: str
) -> ChangeRequest:
    cr = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if cr.status != ChangeRequest.Status.PENDING:
        raise ExpertError(_("该变更申请已处理，不能重复处理。"))
    if not confirm and not reason.strip():
        raise ExpertError(_("退回变更申请时请填写理由，专家将看到该理由。"))
    cr.status = ChangeRequest.Status.CONFIRMED if confirm else ChangeRequest.Status.REJECTED
    cr.decided_by = actor
    cr.decided_at = timezone.now()
    cr.decision_reason = reason.strip()
    cr.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    if confirm:
        update_checked(
            actor=actor,
            expert=cr.expert,
            profile=_proposed(cr),
            mobile=_proposed_mobile(cr),
            reason=_("确认专家本人提交的信息变更（申请 #%(n)d）") % {"n": cr.pk},
        )
    log_action(
        "experts.change_request.confirmed" if confirm else "experts.change_request.rejected",
        actor=actor,
        obj=cr.expert,
        data={
            "change_request": cr.pk,
            **({"reason": cr.decision_reason} if cr.decision_reason else {}),
        },
    )
    return cr

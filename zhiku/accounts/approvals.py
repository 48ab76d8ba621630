"""Account changes that take two security admins: one asks, another approves or refuses.

What needs a second security admin (art. 20: personal data is protected from any one person):

- granting a right that exposes personal data (``SENSITIVE_RIGHTS``: reveal, export,
  review/admit), also when an account is created with one;
- creating a security admin account, changing a security admin's role, or making any account
  a security admin (otherwise one admin could make a second account to approve their own
  requests).

A request (``Approval``) waits as 待批准 until a security admin who is neither its requester
nor the account concerned approves it (the change is then made, re-checked as of that moment)
or refuses it with a reason; its requester may withdraw it. Each step is an ``ApprovalChange``
row with its audit entry; the change made on approval is the usual ``AccountChange`` row and
audit entry, naming requester and approver.

With only one active security admin nothing can be approved: the second is created on the
server with ``manage.py create_security_admin``, as the first was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts import services
from zhiku.accounts.models import (
    SENSITIVE_RIGHTS,
    Approval,
    ApprovalChange,
    Right,
    RightGrant,
    Role,
    User,
)
from zhiku.accounts.services import AccountError
from zhiku.core.permissions import SECURITY_ADMIN
from zhiku.core.transitions import transition_record

AUDIT_ACTIONS: dict[str, str] = {
    Approval.Status.PENDING: "accounts.approval.requested",
    Approval.Status.APPROVED: "accounts.approval.approved",
    Approval.Status.REFUSED: "accounts.approval.refused",
    Approval.Status.WITHDRAWN: "accounts.approval.withdrawn",
}


def active_security_admins() -> QuerySet[User]:
    return User.objects.filter(role=Role.SECURITY_ADMIN, is_active=True)


def can_be_approved() -> bool:
    """Return whether two active security admins exist, so that a request can be approved."""
    return active_security_admins().count() >= 2


def pending() -> QuerySet[Approval]:
    return (
        Approval.objects.filter(status=Approval.Status.PENDING)
        .select_related("user", "requested_by")
        .order_by("requested_at", "id")
    )


def _step(
    approval: Approval, *, actor: User, to: str, reason: str = "", from_value: str = ""
) -> ApprovalChange:
    return transition_record(
        ApprovalChange,
        action=AUDIT_ACTIONS[to],
        subject=approval,
        actor=actor,
        from_value=from_value,
        to_value=to,
        reason=reason,
        data={
            "kind": approval.kind,
            "account": approval.account_label(),
            "right": approval.right,
            "role": approval.role,
            "requested_by": str(approval.requested_by),
        },
        approval=approval,
    )


def _submit(*, actor: User, reason: str, **fields: object) -> Approval:
    if not reason.strip():
        raise AccountError(_("请填写申请原因，它将记入审批记录和审计日志。"))
    approval = Approval.objects.create(
        requested_by=actor, requested_at=timezone.now(), reason=reason, **fields
    )
    _step(approval, actor=actor, to=Approval.Status.PENDING, reason=reason)
    return approval


def _refuse_duplicate(query: Q, what: str) -> None:
    if Approval.objects.filter(query, status=Approval.Status.PENDING).exists():
        raise AccountError(_("已有一项%(what)s的申请等待批准，请勿重复提交。") % {"what": what})


@transaction.atomic
def right_grant_request(*, actor: User, user: User, right: str, reason: str) -> Approval:
    """Ask for a right that exposes personal data to be granted to ``user``."""
    services._require_security_admin(actor, user)
    services._check_grant(user=user, right=right, reason=reason)
    if right not in SENSITIVE_RIGHTS:
        raise AccountError(_("此权限不涉及个人信息，无须批准，请直接授予。"))
    _refuse_duplicate(Q(kind=Approval.Kind.GRANT_RIGHT, user=user, right=right), _("授予此权限"))
    return _submit(
        actor=actor, reason=reason, kind=Approval.Kind.GRANT_RIGHT, user=user, right=right
    )


@transaction.atomic
def role_change_request(*, actor: User, user: User, role: str, reason: str) -> Approval:
    """Ask for a security admin's role to change, or for an account to become a security admin."""
    services._require_security_admin(actor, user)
    services._check_role_change(user=user, role=role, reason=reason)
    if not services.role_change_needs_approval(user, role):
        raise AccountError(_("此项角色变更无须批准，请直接变更。"))
    _refuse_duplicate(Q(kind=Approval.Kind.SET_ROLE, user=user), _("变更该账户角色"))
    return _submit(actor=actor, reason=reason, kind=Approval.Kind.SET_ROLE, user=user, role=role)


@transaction.atomic
def security_admin_create_request(
    *,
    actor: User,
    username: str,
    full_name: str,
    email: str,
    send_activation: bool,
    reason: str,
) -> Approval:
    """Ask for a security admin account to be created."""
    SECURITY_ADMIN.require(actor)
    services._check_new_account(username=username, role=Role.SECURITY_ADMIN)
    _refuse_duplicate(
        Q(kind=Approval.Kind.CREATE_ACCOUNT, username__iexact=username), _("创建此用户名账户")
    )
    return _submit(
        actor=actor,
        reason=reason,
        kind=Approval.Kind.CREATE_ACCOUNT,
        role=Role.SECURITY_ADMIN,
        username=username,
        full_name=full_name,
        email=email,
        send_activation=send_activation,
    )


@dataclass
class Opening:
    """What ``account_open`` did: the account, rights granted at once, requests waiting."""

    user: User | None
    granted: list[str] = field(default_factory=list)
    requests: list[Approval] = field(default_factory=list)


@transaction.atomic
def account_open(
    *,
    actor: User,
    username: str,
    full_name: str,
    email: str,
    role: str,
    rights: Iterable[str] = (),
    reason: str = "",
    send_activation: bool = False,
    temporary_password: str = "",
) -> Opening:
    """Create an account with its rights: those exposing no personal data at once, the others
    (and a security admin account itself) as requests for another security admin to approve.

    All or nothing: a refused right leaves no account behind.
    """
    rights = [r for r in Right.values if r in set(rights)]
    if temporary_password and role == Role.SECURITY_ADMIN:
        raise AccountError(_("安全管理员账户须经批准后创建，不能设置临时密码。"))
    if role == Role.SECURITY_ADMIN:
        approval = security_admin_create_request(
            actor=actor,
            username=username,
            full_name=full_name,
            email=email,
            send_activation=send_activation,
            reason=reason,
        )
        return Opening(user=None, requests=[approval])
    if rights and role != Role.STAFF:
        raise AccountError(_("权限只能授予工作人员。"))
    if rights and not reason.strip():
        raise AccountError(_("请填写授予权限的原因。"))
    user = services.account_create(
        actor=actor, username=username, full_name=full_name, email=email, role=role
    )
    if temporary_password:
        services.temporary_password_set(actor=actor, user=user, password=temporary_password)
    opening = Opening(user=user)
    for right in rights:
        if right in SENSITIVE_RIGHTS:
            opening.requests.append(
                right_grant_request(actor=actor, user=user, right=right, reason=reason)
            )
        else:
            services.right_grant(actor=actor, user=user, right=right, reason=reason)
            opening.granted.append(right)
    if send_activation:
        services.account_send_activation(user=user, actor=actor)
    return opening


def _lock(approval: Approval) -> Approval:
    # Lock the request row only: PostgreSQL refuses FOR UPDATE on the nullable side of the
    # outer join select_related makes for an account that may be empty.
    locked = Approval.objects.select_for_update(of=("self",)).select_related("user", "requested_by")
    return locked.get(pk=approval.pk)


def _require_pending(approval: Approval) -> None:
    if not approval.is_pending:
        raise AccountError(
            _("该申请的状态为“%(status)s”，不能再处理。")
            % {"status": approval.get_status_display()}
        )


@transaction.atomic
def approval_approve(*, actor: User, approval: Approval, note: str = "") -> Approval:
    """Approve ``approval`` and make the change, checked again as of now."""
    SECURITY_ADMIN.require(actor)
    approval = _lock(approval)
    _require_pending(approval)
    if approval.requested_by_id == actor.pk:
        raise AccountError(_("不能批准自己提交的申请：须由另一位安全管理员批准。"))
    if approval.user_id is not None and approval.user_id == actor.pk:
        raise AccountError(_("不能批准对自己账户的变更：须由另一位安全管理员批准。"))
    data = {"requested_by": str(approval.requested_by), "approved_by": str(actor)}
    requested_by = approval.requested_by
    reason = approval.reason
    if approval.kind == Approval.Kind.GRANT_RIGHT:
        assert approval.user is not None
        services._check_grant(user=approval.user, right=approval.right, reason=reason)
        services._grant(
            actor=actor,
            user=approval.user,
            right=approval.right,
            reason=reason,
            requested_by=requested_by,
            data=data,
        )
    elif approval.kind == Approval.Kind.SET_ROLE:
        assert approval.user is not None
        services._check_role_change(user=approval.user, role=approval.role, reason=reason)
        services._set_role(
            actor=actor, user=approval.user, role=approval.role, reason=reason, data=data
        )
    else:
        services._check_new_account(username=approval.username, role=approval.role)
        approval.user = services._create(
            actor=actor,
            username=approval.username,
            full_name=approval.full_name,
            email=approval.email,
            role=approval.role,
            reason=reason,
            data=data,
        )
    approval.status = Approval.Status.APPROVED
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.decision_note = note
    approval.save(update_fields=["status", "user", "decided_by", "decided_at", "decision_note"])
    _step(
        approval,
        actor=actor,
        from_value=Approval.Status.PENDING,
        to=Approval.Status.APPROVED,
        reason=note,
    )
    if approval.kind == Approval.Kind.CREATE_ACCOUNT and approval.send_activation:
        assert approval.user is not None
        services.account_send_activation(user=approval.user, actor=actor)
    return approval


@transaction.atomic
def approval_refuse(*, actor: User, approval: Approval, reason: str) -> Approval:
    """Refuse ``approval`` with a reason its requester reads; nothing changes."""
    SECURITY_ADMIN.require(actor)
    approval = _lock(approval)
    _require_pending(approval)
    if approval.requested_by_id == actor.pk:
        raise AccountError(_("这是您本人提交的申请：如不再需要，请撤回。"))
    if not reason.strip():
        raise AccountError(_("请填写拒绝原因，申请人将看到它。"))
    return _close(approval, actor=actor, to=Approval.Status.REFUSED, reason=reason)


@transaction.atomic
def approval_withdraw(*, actor: User, approval: Approval, reason: str = "") -> Approval:
    """Withdraw one's own request before it is decided."""
    SECURITY_ADMIN.require(actor)
    approval = _lock(approval)
    _require_pending(approval)
    if approval.requested_by_id != actor.pk:
        raise AccountError(_("只有申请人可以撤回申请；如不同意，请填写原因后拒绝。"))
    return _close(approval, actor=actor, to=Approval.Status.WITHDRAWN, reason=reason)


def _close(approval: Approval, *, actor: User, to: str, reason: str) -> Approval:
    approval.status = to
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.decision_note = reason
    approval.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _step(approval, actor=actor, from_value=Approval.Status.PENDING, to=to, reason=reason)
    return approval


def held_or_pending_rights(user: User) -> dict[str, str]:
    """Map each right of ``user`` to 'held' or 'pending' (for the account page)."""
    out = {
        r: "held"
        for r in RightGrant.objects.filter(user=user, revoked_at__isnull=True).values_list(
            "right", flat=True
        )
    }
    for right in (
        pending().filter(kind=Approval.Kind.GRANT_RIGHT, user=user).values_list("right", flat=True)
    ):
        out.setdefault(right, "pending")
    return out

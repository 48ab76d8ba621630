"""Changes to accounts, roles and rights. Only a security admin makes them, never on themselves."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from zhiku.accounts.models import AccountChange, Right, RightGrant, Role, User
from zhiku.core.audit import log_action
from zhiku.core.tasks import send_email

AUDIT_ACTIONS: dict[str, str] = {
    AccountChange.Kind.CREATED: "accounts.account.created",
    AccountChange.Kind.ROLE_CHANGED: "accounts.role.changed",
    AccountChange.Kind.RIGHT_GRANTED: "accounts.right.granted",
    AccountChange.Kind.RIGHT_REVOKED: "accounts.right.revoked",
    AccountChange.Kind.DEACTIVATED: "accounts.account.deactivated",
    AccountChange.Kind.ACTIVATED: "accounts.account.activated",
    AccountChange.Kind.UNLOCKED: "accounts.account.unlocked",
}


class AccountError(Exception):
    """A change to an account that cannot be made, with a message a person can act on."""


def _require_security_admin(actor: User, target: User | None = None) -> None:
    if not actor.is_active or actor.role != Role.SECURITY_ADMIN:
        raise AccountError(_("只有安全管理员可以管理账户、角色和权限。"))
    if target is not None and target.pk == actor.pk:
        raise AccountError(_("不能变更自己的账户、角色或权限，请由另一位安全管理员办理。"))


def _record(
    *,
    user: User,
    kind: str,
    actor: User | None,
    from_value: str = "",
    to_value: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
) -> AccountChange:
    change = AccountChange.objects.create(
        user=user,
        kind=kind,
        from_value=from_value,
        to_value=to_value,
        actor=actor,
        at=timezone.now(),
        reason=reason,
    )
    log_action(
        AUDIT_ACTIONS[kind],
        actor=actor,
        request=request,
        obj=user,
        changes={"value": [from_value, to_value]} if (from_value or to_value) else None,
        data={"reason": reason} if reason else None,
    )
    return change


@transaction.atomic
def account_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    email: str,
    role: str,
    request: HttpRequest | None = None,
) -> User:
    """Create an account without a usable password; its holder sets one through an e-mail link."""
    _require_security_admin(actor)
    if role not in Role.values:
        raise AccountError(_("未知的角色。"))
    if role == Role.EXPERT:
        raise AccountError(_("专家账户由专家本人注册或由工作人员导入，安全管理员不直接创建。"))
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(_("用户名“%(u)s”已被使用。") % {"u": username})
    user = User(username=username, full_name=full_name, email=email, role=role)
    user.set_unusable_password()
    user.save()
    _record(user=user, kind=AccountChange.Kind.CREATED, actor=actor, to_value=role, request=request)
    return user


@transaction.atomic
def security_admin_bootstrap(*, username: str, full_name: str, email: str, password: str) -> User:
    """Create a security admin from the installer's command line: the one account nobody grants."""
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(_("用户名“%(u)s”已被使用。") % {"u": username})
    user = User(username=username, full_name=full_name, email=email, role=Role.SECURITY_ADMIN)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    _record(
        user=user,
        kind=AccountChange.Kind.CREATED,
        actor=None,
        to_value=Role.SECURITY_ADMIN,
        reason=_("系统安装时由命令行创建"),
    )
    return user


def _build_set_password_link(user: User, request: HttpRequest | None) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return request.build_absolute_uri(path) if request is not None else path


def account_send_activation(
    *, user: User, request: HttpRequest | None = None, actor: User | None = None
) -> None:
    """E-mail the holder a link to set their password."""
    if not user.email:
        raise AccountError(_("该账户没有电子邮箱，无法发送设置密码的链接。"))
    log_action(
        "accounts.activation.sent", actor=actor, request=request, obj=user, data={"to": user.email}
    )
    link = _build_set_password_link(user, request)
    body = render_to_string("accounts/email/activation.txt", {"user": user, "link": link})
    send_email.enqueue(
        subject=_("【广东省质量发展智库】请设置您的登录密码"), body=body, recipients=[user.email]
    )


@transaction.atomic
def account_set_role(
    *, actor: User, user: User, role: str, reason: str, request: HttpRequest | None = None
) -> User:
    """Change an account's role; rights belong to the staff role and end when it ends."""
    _require_security_admin(actor, user)
    if role not in Role.values or role == Role.EXPERT or user.role == Role.EXPERT:
        raise AccountError(_("专家账户的角色不能在此变更。"))
    if not reason.strip():
        raise AccountError(_("请填写变更原因。"))
    if user.role == role:
        raise AccountError(_("该账户已是此角色。"))
    old = user.role
    if old == Role.STAFF:
        for grant in RightGrant.objects.select_for_update().filter(
            user=user, revoked_at__isnull=True
        ):
            _revoke(grant=grant, actor=actor, reason=_("角色变更，权限随之撤销"), request=request)
    user.role = role
    user.save(update_fields=["role"])
    _record(
        user=user,
        kind=AccountChange.Kind.ROLE_CHANGED,
        actor=actor,
        from_value=old,
        to_value=role,
        reason=reason,
        request=request,
    )
    return user


@transaction.atomic
def right_grant(
    *, actor: User, user: User, right: str, reason: str, request: HttpRequest | None = None
) -> RightGrant:
    _require_security_admin(actor, user)
    if right not in Right.values:
        raise AccountError(_("未知的权限。"))
    if user.role != Role.STAFF:
        raise AccountError(_("权限只能授予工作人员。"))
    if not user.is_active:
        raise AccountError(_("该账户已停用，不能授予权限。"))
    if not reason.strip():
        raise AccountError(_("请填写授予原因。"))
    User.objects.select_for_update().get(pk=user.pk)
    if RightGrant.objects.filter(user=user, right=right, revoked_at__isnull=True).exists():
        raise AccountError(_("该工作人员已持有此权限。"))
    grant = RightGrant.objects.create(
        user=user, right=right, granted_by=actor, granted_at=timezone.now()
    )
    _record(
        user=user,
        kind=AccountChange.Kind.RIGHT_GRANTED,
        actor=actor,
        to_value=right,
        reason=reason,
        request=request,
    )
    return grant


def _revoke(
    *, grant: RightGrant, actor: User, reason: str, request: HttpRequest | None
) -> RightGrant:
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    _record(
        user=grant.user,
        kind=AccountChange.Kind.RIGHT_REVOKED,
        actor=actor,
        from_value=grant.right,
        reason=reason,
        request=request,
    )
    return grant


@transaction.atomic
def right_revoke(
    *, actor: User, user: User, right: str, reason: str, request: HttpRequest | None = None
) -> RightGrant:
    _require_security_admin(actor, user)
    if not reason.strip():
        raise AccountError(_("请填写撤销原因。"))
    grant = (
        RightGrant.objects.select_for_update()
        .filter(user=user, right=right, revoked_at__isnull=True)
        .first()
    )
    if grant is None:
        raise AccountError(_("该工作人员并未持有此权限。"))
    return _revoke(grant=grant, actor=actor, reason=reason, request=request)


@transaction.atomic
def account_set_active(
    *, actor: User, user: User, active: bool, reason: str, request: HttpRequest | None = None
) -> User:
    _require_security_admin(actor, user)
    if not reason.strip():
        raise AccountError(_("请填写原因。"))
    if user.is_active == active:
        raise AccountError(_("该账户已启用。") if active else _("该账户已停用。"))
    user.is_active = active
    user.save(update_fields=["is_active"])
    _record(
        user=user,
        kind=AccountChange.Kind.ACTIVATED if active else AccountChange.Kind.DEACTIVATED,
        actor=actor,
        from_value="inactive" if active else "active",
        to_value="active" if active else "inactive",
        reason=reason,
        request=request,
    )
    return user


@transaction.atomic
def account_unlock(
    *, actor: User, user: User, reason: str, request: HttpRequest | None = None
) -> int:
    """Clear the failed-login lockout of an account; return how many attempt records were cleared."""
    from axes.utils import reset

    _require_security_admin(actor, user)
    if not reason.strip():
        raise AccountError(_("请填写原因。"))
    cleared = int(reset(username=user.username) or 0)
    _record(
        user=user, kind=AccountChange.Kind.UNLOCKED, actor=actor, reason=reason, request=request
    )
    return cleared


def is_locked_out(user: User) -> bool:
    from axes.models import AccessAttempt
    from django.conf import settings

    limit: Any = settings.AXES_FAILURE_LIMIT
    cooloff = settings.AXES_COOLOFF_TIME
    since = timezone.now() - cooloff
    return AccessAttempt.objects.filter(
        username=user.username, failures_since_start__gte=limit, attempt_time__gte=since
    ).exists()

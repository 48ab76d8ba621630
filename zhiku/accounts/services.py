"""Changes to accounts, roles and rights. Only a security admin makes them, never on themselves.

Also the accounts other apps open for experts (an import, later an application) and the
activation e-mail every new account receives: built here once.
"""

from __future__ import annotations

import contextlib
import secrets
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from zhiku.accounts.models import SENSITIVE_RIGHTS, AccountChange, Right, RightGrant, Role, User
from zhiku.core.audit import log_action
from zhiku.core.bulk import bulk_insert, pks_by
from zhiku.core.errors import DomainError
from zhiku.core.http import site_url
from zhiku.core.permissions import SECURITY_ADMIN
from zhiku.core.tasks import send_email
from zhiku.core.transitions import transition_record

AUDIT_ACTIONS: dict[str, str] = {
    AccountChange.Kind.CREATED: "accounts.account.created",
    AccountChange.Kind.ROLE_CHANGED: "accounts.role.changed",
    AccountChange.Kind.RIGHT_GRANTED: "accounts.right.granted",
    AccountChange.Kind.RIGHT_REVOKED: "accounts.right.revoked",
    AccountChange.Kind.DEACTIVATED: "accounts.account.deactivated",
    AccountChange.Kind.ACTIVATED: "accounts.account.activated",
    AccountChange.Kind.UNLOCKED: "accounts.account.unlocked",
    AccountChange.Kind.SECOND_FACTOR_RESET: "accounts.otp.reset",
}


class AccountError(DomainError):
    """A change to an account that cannot be made, with a message a person can act on."""


def _require_security_admin(actor: User, target: User | None = None) -> None:
    SECURITY_ADMIN.require(actor)
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
    data: dict[str, Any] | None = None,
) -> AccountChange:
    return transition_record(
        AccountChange,
        action=AUDIT_ACTIONS[kind],
        subject=user,
        actor=actor,
        from_value=from_value,
        to_value=to_value,
        reason=reason,
        changes={"value": [from_value, to_value]} if (from_value or to_value) else {},
        data=data,
        user=user,
        kind=kind,
    )


def role_change_needs_approval(user: User, role: str) -> bool:
    """Return whether making ``user`` ``role`` takes a second security admin's approval."""
    return Role.SECURITY_ADMIN in (user.role, role)


def _check_new_account(*, username: str, role: str) -> None:
    if role not in Role.values:
        raise AccountError(_("未知的角色。"))
    if role == Role.EXPERT:
        raise AccountError(_("专家账户由专家本人注册或由工作人员导入，安全管理员不直接创建。"))
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(_("用户名“%(u)s”已被使用。") % {"u": username})


def _create(
    *,
    actor: User,
    username: str,
    full_name: str,
    email: str,
    role: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> User:
    # The holder sets their own password (the e-mailed link clears the flag); a temporary one
    # set by the security admin must be changed at the first sign-in.
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        role=role,
        must_change_password=True,
    )
    user.set_unusable_password()
    user.save()
    _record(
        user=user,
        kind=AccountChange.Kind.CREATED,
        actor=actor,
        to_value=role,
        reason=reason,
        data=data,
    )
    return user


def _check_role_change(*, user: User, role: str, reason: str) -> None:
    if role not in Role.values or role == Role.EXPERT or user.role == Role.EXPERT:
        raise AccountError(_("专家账户的角色不能在此变更。"))
    if not reason.strip():
        raise AccountError(_("请填写变更原因。"))
    if user.role == role:
        raise AccountError(_("该账户已是此角色。"))


def _set_role(
    *, actor: User, user: User, role: str, reason: str, data: dict[str, Any] | None = None
) -> User:
    old = user.role
    if old == Role.STAFF:
        for grant in RightGrant.objects.select_for_update().filter(
            user=user, revoked_at__isnull=True
        ):
            _revoke(grant=grant, actor=actor, reason=_("角色变更，权限随之撤销"))
    user.role = role
    user.save(update_fields=["role"])
    _record(
        user=user,
        kind=AccountChange.Kind.ROLE_CHANGED,
        actor=actor,
        from_value=old,
        to_value=role,
        reason=reason,
        data=data,
    )
    return user


def _check_grant(*, user: User, right: str, reason: str) -> None:
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


def _grant(
    *,
    actor: User,
    user: User,
    right: str,
    reason: str,
    requested_by: User | None = None,
    data: dict[str, Any] | None = None,
) -> RightGrant:
    """Grant ``right``: by ``actor`` alone, or on ``actor``'s approval of ``requested_by``'s request."""
    grant = RightGrant.objects.create(
        user=user,
        right=right,
        granted_by=requested_by or actor,
        approved_by=actor if requested_by is not None else None,
        granted_at=timezone.now(),
    )
    _record(
        user=user,
        kind=AccountChange.Kind.RIGHT_GRANTED,
        actor=actor,
        to_value=right,
        reason=reason,
        data=data,
    )
    return grant


def _needs_approval(what: str) -> AccountError:
    return AccountError(
        _("%(what)s须由另一位安全管理员批准：请提交申请，批准后方才生效。") % {"what": what}
    )


@transaction.atomic
def account_create(*, actor: User, username: str, full_name: str, email: str, role: str) -> User:
    """Create an account without a usable password; its holder sets one through an e-mail link.

    A security admin account is created only on another security admin's approval
    (``approvals.security_admin_create_request``).
    """
    _require_security_admin(actor)
    _check_new_account(username=username, role=role)
    if role == Role.SECURITY_ADMIN:
        raise _needs_approval(_("创建安全管理员账户"))
    return _create(actor=actor, username=username, full_name=full_name, email=email, role=role)


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
        reason=_("由服务器命令行创建（create_security_admin）"),
    )
    return user


@transaction.atomic
def temporary_password_set(*, actor: User, user: User, password: str) -> User:
    """Give a new account a password the security admin hands over; the holder must change it
    at their first sign-in before anything else."""
    from django.core.exceptions import ValidationError

    _require_security_admin(actor, user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(_("临时密码不符合要求：") + " ".join(exc.messages)) from None
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    log_action("accounts.password.temporary", actor=actor, obj=user)
    return user


def password_chosen(*, user: User) -> None:
    """Record that ``user`` set a password of their own: a forced change is done."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])


def set_password_link(user: User) -> str:
    """Return the absolute link with which ``user`` sets their password (valid 24 hours)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return site_url(
        reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    )


def activation_message(user: User) -> tuple[str, str]:
    """Return the subject and body of the e-mail that asks ``user`` to set a password."""
    body = render_to_string(
        "accounts/email/activation.txt", {"user": user, "link": set_password_link(user)}
    )
    return _("【广东省质量发展智库】请设置您的登录密码"), body


def account_send_activation(*, user: User, actor: User | None = None) -> None:
    """E-mail the holder a link to set their password (through the background worker)."""
    if not user.email:
        raise AccountError(_("该账户没有电子邮箱，无法发送设置密码的链接。"))
    log_action("accounts.activation.sent", actor=actor, obj=user, data={"to": user.email})
    subject, body = activation_message(user)
    send_email.enqueue(subject=subject, body=body, recipients=[user.email])


def expert_accounts_create(
    *, actor: User, people: Sequence[tuple[str, str]], reason: str
) -> dict[str, int]:
    """Open expert accounts in bulk for (e-mail, full name) pairs; return {username: pk}.

    The user name is the e-mail in lower case; no password is usable until the holder follows
    the activation link. Each account gets its ``created`` change row; the caller's own audit
    entry (the import's) records the batch. Call inside the caller's transaction.
    """
    now = timezone.now()
    bulk_insert(
        User,
        [
            {
                "username": email.lower(),
                "email": email,
                "full_name": full_name,
                "role": Role.EXPERT,
                # What make_password(None) gives, from one urandom call instead of forty.
                "password": UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
                "date_joined": now,
                "is_active": True,
            }
            for email, full_name in people
        ],
    )
    created = pks_by(User, "username", [email.lower() for email, _name in people])
    bulk_insert(
        AccountChange,
        [
            {
                "user_id": pk,
                "kind": AccountChange.Kind.CREATED,
                "from_value": "",
                "to_value": Role.EXPERT,
                "actor_id": actor.pk,
                "at": now,
                "reason": reason,
            }
            for pk in created.values()
        ],
    )
    return created


@transaction.atomic
def expert_account_create(*, actor: User, email: str, full_name: str, reason: str) -> User:
    """Open the account of one expert staff entered by hand, so that they can sign in.

    As for an import: the user name is the e-mail in lower case, and no password is usable
    until the holder follows the activation link. Refused when the address is taken.
    """
    if not actor.is_active or actor.role != Role.STAFF:
        raise AccountError(_("只有工作人员可以为专家开设账户。"))
    address = email.strip()
    if not address:
        raise AccountError(_("没有电子邮箱，无法开设账户。"))
    if (
        User.objects.filter(username__iexact=address).exists()
        or User.objects.filter(email__iexact=address).exists()
    ):
        raise AccountError(
            _("电子邮箱 %(e)s 已被另一个账户使用，无法为该专家开设账户；请核对专家的电子邮箱。")
            % {"e": address}
        )
    user = User(username=address.lower(), email=address, full_name=full_name, role=Role.EXPERT)
    user.set_unusable_password()
    user.save()
    _record(
        user=user, kind=AccountChange.Kind.CREATED, actor=actor, to_value=Role.EXPERT, reason=reason
    )
    return user


@dataclass
class ActivationResult:
    """What became of each account's activation e-mail in one ``account_activations_send``."""

    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # user id -> why, for the sender
    not_needed: list[int] = field(default_factory=list)  # a password is set, or no address
    untried: list[int] = field(default_factory=list)  # left when the server could not be reached
    stopped: str = ""  # why the untried were left


# A refusal of this one message or address; anything else (a dropped or refused connection, a
# timeout, a 4xx answer) may pass on a fresh connection a moment later.
_REFUSED_FOR_GOOD = (smtplib.SMTPRecipientsRefused,)


def _delivery_error(exc: BaseException) -> str:
    """Say in Chinese why an e-mail did not go, with the server's words for whoever runs it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        what = _("邮件服务器拒收该地址")
    elif isinstance(exc, smtplib.SMTPDataError | smtplib.SMTPResponseException):
        what = _("邮件服务器拒收该邮件")
    else:
        what = _("无法连接邮件服务器或连接中断")
    detail = f"{type(exc).__name__}: {exc}".strip()
    return f"{what}（{detail}）"[:300]


def _refused_for_good(exc: BaseException) -> bool:
    if isinstance(exc, _REFUSED_FOR_GOOD):
        return True
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


def account_activations_send(
    *,
    user_ids: Sequence[int],
    attempts: int = 3,
    backoff: float = 2.0,
    sleep: Callable[[float], None] | None = None,
) -> ActivationResult:
    """E-mail each listed account that has no password yet its activation link, over one
    connection; say what became of each.

    Writes nothing, so the caller can send a few dozen at a time and record each batch in a
    short transaction: no lock is held while mail goes out. A delivery that fails for want of
    the server is tried again on a fresh connection after ``backoff``, then twice that, up to
    ``attempts`` times; if it still fails, the server is taken to be unreachable and the rest
    are left untried. An address the server refuses fails at once. Safe to run twice: an
    account whose holder has set a password is not mailed again.
    """
    pause = sleep or time.sleep
    users = list(User.objects.filter(pk__in=list(user_ids)).order_by("pk"))
    result = ActivationResult()
    connection = get_connection()
    try:
        for position, user in enumerate(users):
            if not user.is_active or not user.email or user.has_usable_password():
                result.not_needed.append(user.pk)
                continue
            subject, body = activation_message(user)
            message = EmailMessage(subject, body, None, [user.email])
            for attempt in range(1, attempts + 1):
                try:
                    if connection.send_messages([message]) != 1:
                        raise smtplib.SMTPException("message not accepted")
                except (smtplib.SMTPException, OSError) as exc:
                    with contextlib.suppress(smtplib.SMTPException, OSError):
                        connection.close()
                    if _refused_for_good(exc):
                        result.failed[user.pk] = _delivery_error(exc)
                        break
                    if attempt == attempts:
                        result.failed[user.pk] = _delivery_error(exc)
                        result.untried = [u.pk for u in users[position + 1 :]]
                        result.stopped = _delivery_error(exc)
                        return result
                    pause(backoff * 2 ** (attempt - 1))
                    connection = get_connection()
                else:
                    result.sent.append(user.pk)
                    break
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    return result


@transaction.atomic
def account_set_role(*, actor: User, user: User, role: str, reason: str) -> User:
    """Change an account's role; rights belong to the staff role and end when it ends.

    Changing a security admin's role, or making an account a security admin, takes another
    security admin's approval (``approvals.role_change_request``).
    """
    _require_security_admin(actor, user)
    _check_role_change(user=user, role=role, reason=reason)
    if role_change_needs_approval(user, role):
        raise _needs_approval(_("变更安全管理员的角色或将账户设为安全管理员"))
    return _set_role(actor=actor, user=user, role=role, reason=reason)


@transaction.atomic
def right_grant(*, actor: User, user: User, right: str, reason: str) -> RightGrant:
    """Grant a right that exposes no personal data; the others go through an approval
    (``approvals.right_grant_request``)."""
    _require_security_admin(actor, user)
    _check_grant(user=user, right=right, reason=reason)
    if right in SENSITIVE_RIGHTS:
        raise _needs_approval(_("“%(right)s”涉及个人信息，授予") % {"right": Right(right).label})
    return _grant(actor=actor, user=user, right=right, reason=reason)


def _revoke(*, grant: RightGrant, actor: User, reason: str) -> RightGrant:
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    _record(
        user=grant.user,
        kind=AccountChange.Kind.RIGHT_REVOKED,
        actor=actor,
        from_value=grant.right,
        reason=reason,
    )
    return grant


@transaction.atomic
def right_revoke(*, actor: User, user: User, right: str, reason: str) -> RightGrant:
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
    return _revoke(grant=grant, actor=actor, reason=reason)


@transaction.atomic
def account_set_active(*, actor: User, user: User, active: bool, reason: str) -> User:
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
    )
    return user


@transaction.atomic
def account_unlock(*, actor: User, user: User, reason: str) -> int:
    """Clear the failed-login lockout of an account; return how many attempt records were cleared."""
    from axes.utils import reset

    _require_security_admin(actor, user)
    if not reason.strip():
        raise AccountError(_("请填写原因。"))
    cleared = int(reset(username=user.username) or 0)
    _record(user=user, kind=AccountChange.Kind.UNLOCKED, actor=actor, reason=reason)
    return cleared


@transaction.atomic
def second_factor_reset(*, actor: User, user: User, reason: str) -> int:
    """Remove another account's second factor (a lost phone); return how many devices went.

    One security admin suffices: a reset gives nobody access (the holder still needs their
    password, and must enrol again at their next sign-in when their role or rights require a
    factor), and the holder sees it among their recent sign-in events.
    """
    from zhiku.accounts.second_factor import devices_delete

    _require_security_admin(actor, user)
    if not reason.strip():
        raise AccountError(_("请填写原因。"))
    removed = devices_delete(user)
    if not removed:
        raise AccountError(_("该账户没有启用双因素认证，无需重置。"))
    _record(user=user, kind=AccountChange.Kind.SECOND_FACTOR_RESET, actor=actor, reason=reason)
    return removed


def is_locked_out(user: User) -> bool:
    from axes.models import AccessAttempt
    from django.conf import settings

    limit: Any = settings.AXES_FAILURE_LIMIT
    cooloff = settings.AXES_COOLOFF_TIME
    since = timezone.now() - cooloff
    return AccessAttempt.objects.filter(
        username=user.username, failures_since_start__gte=limit, attempt_time__gte=since
    ).exists()


@transaction.atomic
def applicant_account_register(*, username: str, full_name: str, email: str, password: str) -> User:
    """Open the expert account of a person registering to apply for the pool.

    The caller has verified the person's e-mail or mobile with a one-time code; the account
    starts as an applicant's (role expert, no profile in the pool) and records its ``created``
    change with the person as the cause.
    """
    from django.core.exceptions import ValidationError

    username = username.strip()
    if not username or not full_name.strip():
        raise AccountError(_("请填写用户名和姓名。"))
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(
            _("用户名“%(u)s”已被使用。如果这是您的账户，请直接登录；忘记密码可重新设置。")
            % {"u": username}
        )
    if email and User.objects.filter(email__iexact=email).exists():
        raise AccountError(
            _("该电子邮箱已开设账户，请直接登录；忘记密码可通过“忘记密码”重新设置。")
        )
    user = User(username=username, full_name=full_name.strip(), email=email, role=Role.EXPERT)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None
    user.set_password(password)
    user.save()
    _record(
        user=user,
        kind=AccountChange.Kind.CREATED,
        actor=None,
        to_value=Role.EXPERT,
        reason=_("本人注册，申请入库"),
    )
    return user

"""The second factor: a time-based code from an authenticator app, and recovery codes.

Who must have one is decided here and nowhere else (:func:`second_factor_required`): security
admins, and staff holding a right that exposes personal data (reveal, export, review: the
rights whose grant takes two security admins). Everyone else may enrol one on their account
page. Devices are django-otp's: one TOTP device (``otp_totp``) and one set of single-use
recovery codes (``otp_static``) per person. A session counts as verified when django-otp's
middleware finds the device that verified it (``request.user.is_verified()``); what a signed-in
person may do before that is decided by ``zhiku.accounts.middleware.SignInStepsMiddleware``.

Every step leaves an audit entry (``accounts.otp.*``); codes themselves never do.
"""

from __future__ import annotations

import math
import re
from base64 import b32encode
from typing import Any

import django_otp
import segno
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhiku.accounts.models import SENSITIVE_RIGHTS, Role, User
from zhiku.core.audit import log_action
from zhiku.core.errors import DomainError

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "身份验证器"
RECOVERY_NAME = "恢复码"
_SEPARATORS = re.compile(r"[\s-]+")


class SecondFactorError(DomainError):
    """A code that does not verify, or a change to the second factor that cannot be made."""


def second_factor_required(user: Any) -> bool:
    """Return whether ``user`` must sign in with a second factor (derived from role and rights)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.SECURITY_ADMIN:
        return True
    return user.role == Role.STAFF and bool(user.active_rights() & SENSITIVE_RIGHTS)


def authenticator(user: User) -> TOTPDevice | None:
    """Return ``user``'s confirmed authenticator (TOTP device), if they enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def enrolment_device(user: User) -> TOTPDevice:
    """Return the unconfirmed authenticator ``user`` is enrolling (the same secret on a reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it by hand: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code (the otpauth:// address) as inline SVG, drawn on the server."""
    return str(
        segno.make(device.config_url, error="m").svg_inline(
            scale=4, border=2, dark="#000", light="#fff", title="二维码", omitsize=False
        )
    )


def _clean(token: str) -> str:
    return _SEPARATORS.sub("", token or "").lower()[:32]


def _new_recovery_codes(user: User) -> list[str]:
    """Replace ``user``'s recovery codes with new ones; return them (shown once, never again)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def _failed(user: User, *, step: str, agent: str, reason: str) -> None:
    log_action(
        "accounts.otp.failed",
        actor=user,
        obj=user,
        data={"step": step, "reason": reason, "agent": agent[:300]},
    )


def second_factor_enrol(*, user: User, token: str, agent: str = "") -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator ``user`` is enrolling with a code from it; return the device and
    a fresh set of recovery codes. A wrong code is audited and refused; nothing is confirmed."""
    token = _clean(token)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise SecondFactorError(_("请先打开启用双因素认证的页面，扫描二维码后再输入验证码。"))
        allowed, info = device.verify_is_allowed()
        verified = allowed and token.isdigit() and device.verify_token(token)
    if not allowed:
        _failed(user, step="enrol", agent=agent, reason="throttled")
        raise SecondFactorError(_wait_message(info))
    if not verified:
        _failed(user, step="enrol", agent=agent, reason="wrong_code")
        raise SecondFactorError(
            _("验证码不正确。请确认手机时间准确，并输入身份验证器当前显示的 6 位数字。")
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        log_action(
            "accounts.otp.enrolled",
            actor=user,
            obj=user,
            data={"recovery_codes": RECOVERY_CODE_COUNT, "agent": agent[:300]},
        )
    return device, codes


def _wait_message(info: dict[str, Any] | None) -> str:
    until = (info or {}).get("locked_until")
    if until is None:
        return _("验证码错误次数过多，请稍后再试。")
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    return _("验证码错误次数过多，请在 %(s)d 秒后再试。") % {"s": seconds}


def second_factor_verify(*, user: User, token: str, agent: str = "") -> Device:
    """Check a code from ``user``'s authenticator, or one of their recovery codes (used up once
    accepted); return the device that accepted it. Refusals are audited and say what to do."""
    token = _clean(token)
    if token.isdigit():
        device: Device | None = authenticator(user)
        step = "totp"
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
        step = "recovery"
    if device is None:
        _failed(user, step=step, agent=agent, reason="no_device")
        raise SecondFactorError(
            _("验证码不正确：请输入身份验证器显示的 6 位数字，或一个恢复码。")
            if step == "totp" or not token
            else _("恢复码不正确或已用过。")
        )
    allowed, info = device.verify_is_allowed()
    if not allowed:
        _failed(user, step=step, agent=agent, reason="throttled")
        raise SecondFactorError(_wait_message(info))
    verified = django_otp.verify_token(user, device.persistent_id, token)
    if verified is None:
        _failed(user, step=step, agent=agent, reason="wrong_code")
        raise SecondFactorError(
            _("验证码不正确。请输入身份验证器当前显示的 6 位数字。")
            if step == "totp"
            else _("恢复码不正确或已用过。")
        )
    if step == "recovery":
        log_action(
            "accounts.otp.recovery_used",
            actor=user,
            obj=user,
            data={"left": recovery_codes_left(user), "agent": agent[:300]},
        )
    else:
        log_action("accounts.otp.verified", actor=user, obj=user, data={"agent": agent[:300]})
    return verified


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """Replace ``user``'s recovery codes (the old ones stop working); return the new ones."""
    if not has_second_factor(user):
        raise SecondFactorError(_("您尚未启用双因素认证。"))
    codes = _new_recovery_codes(user)
    log_action("accounts.otp.recovery_renewed", actor=user, obj=user, data={"count": len(codes)})
    return codes


@transaction.atomic
def second_factor_remove(*, user: User) -> None:
    """Remove ``user``'s own second factor: only when their role and rights do not require one."""
    if second_factor_required(user):
        raise SecondFactorError(
            _(
                "您的角色或权限要求使用双因素认证，不能自行停用；如更换手机，请先重新生成恢复码，或请安全管理员重置。"
            )
        )
    if not TOTPDevice.objects.filter(user=user).exists():
        raise SecondFactorError(_("您尚未启用双因素认证。"))
    devices_delete(user)
    log_action("accounts.otp.removed", actor=user, obj=user)


def devices_delete(user: User) -> int:
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    return removed + StaticDevice.objects.filter(user=user).delete()[0]

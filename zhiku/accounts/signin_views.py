"""The steps after the password (the second factor's code, enrolling one) and each person's own
account page: their second factor, their recovery codes and their recent sign-ins."""

from __future__ import annotations

from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts import second_factor as factor
from zhiku.accounts.forms import CodeForm
from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.accounts.selectors import recent_sign_ins
from zhiku.core import permissions as perm
from zhiku.core import ratelimits
from zhiku.core.errors import DomainError

# The recovery codes just made, shown once on the next page and then forgotten.
SESSION_CODES = "zhiku_recovery_codes"
SESSION_AFTER_CODES = "zhiku_recovery_codes_next"


def _next(request: AuthenticatedHttpRequest) -> str:
    value = request.POST.get("next") or request.GET.get("next") or ""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("core:home_redirect")


def _agent(request: AuthenticatedHttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))


def _demo_code(device: Any) -> str:
    """The current code of a demo account (DEBUG and the published demo secret only)."""
    from zhiku.accounts.demo import DEMO_OTP_KEY

    if not settings.DEBUG or device is None or device.key != DEMO_OTP_KEY:
        return ""
    from django_otp.oath import TOTP

    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


@perm.policy(perm.SIGNED_IN)
@ratelimits.limited(ratelimits.SECOND_FACTOR)
def otp_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app, or one recovery code."""
    user = request.user
    device = factor.authenticator(user)
    if device is None or user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verified = factor.second_factor_verify(
                user=user, token=form.cleaned_data["code"], agent=_agent(request)
            )
        except DomainError as exc:
            form.add_error("code", str(exc))
        else:
            django_otp.login(request, verified)
            left = factor.recovery_codes_left(user)
            if verified.persistent_id != device.persistent_id:
                messages.warning(
                    request,
                    _("您使用了一个恢复码，还剩 %(n)d 个。请尽快在“账户安全”页面重新生成恢复码。")
                    % {"n": left},
                )
            return redirect(_next(request))
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": _next(request), "demo_code": _demo_code(device)},
    )


@perm.policy(perm.SIGNED_IN)
@ratelimits.limited(ratelimits.SECOND_FACTOR)
def otp_enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a code."""
    user = request.user
    if factor.has_second_factor(user):
        messages.info(request, _("您已启用双因素认证。"))
        return redirect("accounts:account_security")
    device = factor.enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed, codes = factor.second_factor_enrol(
                user=user, token=form.cleaned_data["code"], agent=_agent(request)
            )
        except DomainError as exc:
            form.add_error("code", str(exc))
        else:
            django_otp.login(request, confirmed)
            request.session[SESSION_CODES] = codes
            request.session[SESSION_AFTER_CODES] = _next(request)
            return redirect("accounts:otp_recovery_codes")
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "next": _next(request),
            "required": factor.second_factor_required(user),
            "secret": factor.secret_text(device),
            "qr_svg": factor.qr_svg(device),
        },
    )


@perm.policy(perm.SIGNED_IN)
def otp_recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The recovery codes just made, shown this once."""
    codes = request.session.pop(SESSION_CODES, None)
    after = request.session.pop(SESSION_AFTER_CODES, "") or reverse("accounts:account_security")
    if not codes:
        messages.info(request, _("恢复码只在生成时显示一次。如已遗失，请重新生成。"))
        return redirect("accounts:account_security")
    return render(request, "accounts/otp_recovery_codes.html", {"codes": codes, "after": after})


@perm.policy(perm.SIGNED_IN)
def account_security(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's own account: second factor, recovery codes, password, recent sign-ins."""
    user = request.user
    return render(
        request,
        "accounts/account_security.html",
        {
            "enrolled": factor.has_second_factor(user),
            "required": factor.second_factor_required(user),
            "codes_left": factor.recovery_codes_left(user),
            "sign_ins": recent_sign_ins(user),
        },
    )


@perm.policy(perm.SIGNED_IN)
@require_POST
def otp_remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        factor.second_factor_remove(user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已停用双因素认证。"))
    return redirect("accounts:account_security")


@perm.policy(perm.SIGNED_IN)
@require_POST
def recovery_codes_renew(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        codes = factor.recovery_codes_renew(user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:account_security")
    request.session[SESSION_CODES] = codes
    request.session[SESSION_AFTER_CODES] = reverse("accounts:account_security")
    return redirect("accounts:otp_recovery_codes")

from __future__ import annotations

import time
from base64 import b32decode
from typing import Any, cast

import factory
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhiku.accounts.models import RightGrant, User
from zhiku.accounts.second_factor import second_factor_required

PASSWORD = "Test-Password-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = "staff"
    password = factory.django.Password(PASSWORD)


# The authenticator secret of every test account enrolled by ``enrol_second_factor``.
OTP_KEY = b"zhiku-test-otp-key!!".hex()


def enrol_second_factor(user: User) -> TOTPDevice:
    """Give ``user`` a confirmed authenticator with the known test secret (as if enrolled)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="测试", key=OTP_KEY, confirmed=True)
    return device


def otp_code(device: TOTPDevice | str, *, at: float | None = None) -> str:
    """The code an authenticator app shows now for ``device`` (or a hex secret)."""
    key = device if isinstance(device, str) else device.key
    totp = TOTP(bytes.fromhex(key), 30, 0, 6)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def fresh_otp_code(device: TOTPDevice) -> str:
    """A code the device accepts now. A person cannot sign in twice in one 30-second step with
    the same code (django-otp refuses a step already used); a test can, so the last step used
    is moved back one step first, as if the previous sign-in were 30 seconds older."""
    device.refresh_from_db()
    step = int(time.time()) // device.step
    if device.last_t >= step:
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=step - 1, drift=0)
    return otp_code(device)


def make_account(
    role: str,
    *,
    rights: tuple[str, ...] = (),
    second_factor: bool | None = None,
    **kwargs: Any,
) -> User:
    """Create an account; rights are written directly (the services are tested on their own).

    An account whose role or rights require a second factor is enrolled with ``OTP_KEY``
    unless ``second_factor=False`` (a test of enrolment); ``True`` enrols any account.
    """
    user = cast(User, UserFactory(role=role, **kwargs))
    if rights:
        _grant_directly(user, rights)
    if second_factor or (second_factor is None and second_factor_required(user)):
        enrol_second_factor(user)
    return user


def _grant_directly(user: User, rights: tuple[str, ...]) -> None:
    # Inactive: the fixture's granter is no security admin anyone can count on or sign in as.
    granter = cast(
        User, UserFactory(username="fixture-granter", role="security_admin", is_active=False)
    )
    for right in rights:
        RightGrant.objects.create(
            user=user, right=right, granted_by=granter, granted_at=timezone.now()
        )
    user.__dict__.pop("_active_rights", None)  # granted after the cache was filled


def log_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login page in a Playwright ``page``, as a person does: the password,
    then, for an account with an authenticator, the code it shows now (computed from the
    device's secret); an account that must enrol one is left on the enrolment page."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    if "/accounts/security/verify/" not in page.url:
        return
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    page.get_by_label("验证码").fill(fresh_otp_code(device))
    with page.expect_navigation():
        page.get_by_role("button", name="验证").click()


def enrol_in_browser(page: Any) -> list[str]:
    """On the enrolment page: read the secret shown, enter the code it gives, and return the
    recovery codes shown once (the page is left on them)."""
    secret = page.get_by_test_id("otp-secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8)).hex()
    page.get_by_label("验证码").fill(otp_code(key))
    page.get_by_role("button", name="启用").click()
    # all_inner_texts() does not wait: wait for the page of codes before reading them.
    page.get_by_test_id("recovery-codes").locator("code").first.wait_for()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    return [c.strip() for c in codes]


def log_out(page: Any) -> None:
    page.get_by_role("button", name="退出登录").click()


def menu_go(page: Any, label: str) -> None:
    """Follow the menu link ``label``, opening the menu group (drop-down) that holds it."""
    link = page.get_by_role("link", name=label, exact=True, include_hidden=True)
    group = page.locator("nav details.nav-group").filter(has=link)
    if group.count() and not group.first.evaluate("d => d.open"):
        group.first.locator("summary").click()
    page.locator("nav").get_by_role("link", name=label, exact=True).first.click()

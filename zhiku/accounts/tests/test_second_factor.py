"""The second factor: who must have one, enrolment on first sign-in, the code after the
password, recovery codes used once, removing one's own, and a security admin's reset."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhiku.accounts import services
from zhiku.accounts.models import AccountChange, Right, Role, User
from zhiku.accounts.second_factor import (
    RECOVERY_CODE_COUNT,
    enrolment_device,
    second_factor_required,
)
from zhiku.accounts.tests.factories import PASSWORD, fresh_otp_code, otp_code
from zhiku.core.errors import DomainError
from zhiku.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:otp_verify")
ENROL = reverse("accounts:otp_enrol")
EXPORT = reverse("experts:expert_export")
START = dt.datetime(2026, 11, 2, 2, 0, 5, tzinfo=dt.UTC)


def _actions() -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith="accounts.otp.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def _password_sign_in(username: str) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    ("role", "rights", "required"),
    [
        (Role.SECURITY_ADMIN, (), True),
        (Role.STAFF, (Right.EXPORT_DATA,), True),
        (Role.STAFF, (Right.REVEAL_PERSONAL_DATA,), True),
        (Role.STAFF, (Right.REVIEW_APPLICATIONS,), True),
        (Role.STAFF, (Right.RUN_DRAWS, Right.EDIT_PARAMETERS), False),
        (Role.STAFF, (), False),
        (Role.AUDITOR, (), False),
        (Role.COUNCIL, (), False),
        (Role.EXPERT, (), False),
    ],
)
def test_who_must_have_a_second_factor_follows_role_and_rights(
    make_user: Any, role: str, rights: tuple[str, ...], required: bool
) -> None:
    user = make_user(role, rights=rights, second_factor=False)
    assert second_factor_required(user) is required


def test_staff_with_the_export_right_and_no_factor_reaches_only_enrolment(
    make_user: Any,
) -> None:
    """Enforcement: whatever page the person asks for, they land on enrolment first."""
    clerk = make_user(
        Role.STAFF, username="clerk", rights=(Right.EXPORT_DATA,), second_factor=False
    )
    client = _password_sign_in("clerk")
    for url in (EXPORT, "/workspace/dashboard/", reverse("accounts:account_security")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(ENROL), url
    assert client.get(EXPORT)["Location"] == f"{ENROL}?next=%2Fworkspace%2Fexperts%2Fexport%2F"
    # A forced client session (a finished password sign-in) is held back the same way.
    forced = Client()
    forced.force_login(clerk)
    assert forced.get(EXPORT)["Location"].startswith(ENROL)
    # Signing out is always possible.
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_enrolment_confirms_with_a_code_and_shows_recovery_codes_once(
    make_user: Any, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    clerk = make_user(
        Role.STAFF, username="clerk", rights=(Right.EXPORT_DATA,), second_factor=False
    )
    client = _password_sign_in("clerk")
    page = client.get(f"{ENROL}?next={EXPORT}").content.decode()
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', page)
    assert secret is not None and "<svg" in page
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    assert client.get(ENROL).content.decode().count(secret.group(1)) == 1  # same secret on reload

    wrong = client.post(ENROL, {"code": "000000", "next": EXPORT})
    assert "验证码不正确" in wrong.content.decode()
    assert _actions() == ["accounts.otp.failed"]
    assert client.get(EXPORT).status_code == 302
    # Right away, even the right code waits: a wrong one holds the device back a second.
    held = client.post(ENROL, {"code": otp_code(device), "next": EXPORT})
    assert "错误次数过多，请在 1 秒后再试" in held.content.decode()
    time_machine.shift(dt.timedelta(seconds=2))

    done = client.post(ENROL, {"code": otp_code(device), "next": EXPORT})
    assert done["Location"] == reverse("accounts:otp_recovery_codes")
    shown = client.get(done["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", shown)
    assert len(codes) == RECOVERY_CODE_COUNT
    assert set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    assert f'href="{EXPORT}"' in shown
    # Shown once: the page does not show them again.
    assert client.get(reverse("accounts:otp_recovery_codes")).status_code == 302
    assert client.get(EXPORT).status_code == 200
    assert _actions() == ["accounts.otp.failed", "accounts.otp.failed", "accounts.otp.enrolled"]
    assert not any(code in str(e.data) for e in AuditEntry.objects.all() for code in codes)


def test_after_the_password_an_enrolled_user_must_enter_a_code(
    make_user: Any, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    make_user(Role.SECURITY_ADMIN, username="sa")
    client = _password_sign_in("sa")
    assert client.get("/accounts/manage/")["Location"].startswith(VERIFY)

    wrong = client.post(VERIFY, {"code": "123456"})
    assert "验证码不正确" in wrong.content.decode()
    assert client.get("/accounts/manage/").status_code == 302
    time_machine.shift(dt.timedelta(seconds=2))  # a wrong code holds the device back a second

    device = TOTPDevice.objects.get(user__username="sa")
    right = client.post(VERIFY, {"code": fresh_otp_code(device), "next": "/accounts/manage/"})
    assert right["Location"] == "/accounts/manage/"
    assert client.get("/accounts/manage/").status_code == 200
    assert _actions() == ["accounts.otp.failed", "accounts.otp.verified"]
    # A code is good once: the same code cannot open a second session.
    again = _password_sign_in("sa")
    assert "验证码不正确" in again.post(VERIFY, {"code": otp_code(device)}).content.decode()


def test_repeated_wrong_codes_make_the_device_wait(make_user: Any) -> None:
    make_user(Role.SECURITY_ADMIN, username="sa")
    client = _password_sign_in("sa")
    client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": "000001"})
    assert "错误次数过多" in response.content.decode()


def test_a_recovery_code_signs_in_once(make_user: Any) -> None:
    from zhiku.accounts.second_factor import recovery_codes_renew

    sa = make_user(Role.SECURITY_ADMIN, username="sa")
    codes = recovery_codes_renew(user=sa)
    client = _password_sign_in("sa")
    code = codes[0]
    response = client.post(VERIFY, {"code": f" {code[:4].upper()}-{code[4:]} ", "next": "/"})
    assert response.status_code == 302
    page = client.get("/accounts/manage/")
    assert page.status_code == 200
    assert f"还剩 {RECOVERY_CODE_COUNT - 1} 个" in page.content.decode()

    other = _password_sign_in("sa")
    used = other.post(VERIFY, {"code": code})
    assert "恢复码不正确或已用过" in used.content.decode()
    assert _actions()[-3:] == [
        "accounts.otp.recovery_renewed",
        "accounts.otp.recovery_used",
        "accounts.otp.failed",
    ]


def test_an_optional_factor_is_enrolled_and_removed_from_the_account_page(
    make_user: Any,
) -> None:
    expert = make_user(Role.EXPERT, username="expert")
    client = Client()
    client.force_login(expert)
    page = client.get(reverse("accounts:account_security")).content.decode()
    assert "未启用" in page
    device = enrolment_device(expert)
    client.post(ENROL, {"code": otp_code(device)})
    assert "已启用" in client.get(reverse("accounts:account_security")).content.decode()
    # From now on the expert's password is not enough.
    assert _password_sign_in("expert").get("/me/")["Location"].startswith(VERIFY)

    client.post(reverse("accounts:otp_remove"))
    assert not TOTPDevice.objects.filter(user=expert).exists()
    assert _password_sign_in("expert").get("/me/").status_code == 200
    assert _actions() == ["accounts.otp.enrolled", "accounts.otp.removed"]


def test_a_required_factor_cannot_be_removed_by_its_holder(make_user: Any) -> None:
    sa = make_user(Role.SECURITY_ADMIN, username="sa")
    client = Client()
    client.force_login(sa)
    response = client.post(reverse("accounts:otp_remove"), follow=True)
    assert "不能自行停用" in response.content.decode()
    assert TOTPDevice.objects.filter(user=sa).exists()


def test_a_security_admin_resets_another_accounts_factor(make_user: Any) -> None:
    sa = make_user(Role.SECURITY_ADMIN, username="sa")
    sa2 = make_user(Role.SECURITY_ADMIN, username="sa2")
    clerk = make_user(Role.STAFF, username="clerk", rights=(Right.EXPORT_DATA,))
    client = Client()
    client.force_login(sa)
    detail = client.get(reverse("accounts:account_detail", kwargs={"pk": clerk.pk}))
    assert "重置双因素认证" in detail.content.decode()

    client.post(
        reverse("accounts:account_second_factor_reset", kwargs={"pk": clerk.pk}),
        {"reason": "手机遗失，本人来电核实"},
    )
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    change = AccountChange.objects.get(user=clerk, kind=AccountChange.Kind.SECOND_FACTOR_RESET)
    assert change.actor == sa and change.reason == "手机遗失，本人来电核实"
    assert AuditEntry.objects.filter(action="accounts.otp.reset", object_id=str(clerk.pk)).exists()
    # The holder enrols again at the next sign-in.
    assert _password_sign_in("clerk").get(EXPORT)["Location"].startswith(ENROL)
    # Nobody resets their own.
    with pytest.raises(DomainError):
        services.second_factor_reset(actor=sa2, user=sa2, reason="自己")


def test_audit_labels_of_every_step_are_chinese() -> None:
    from zhiku.core.plugins import action_label

    for action in (
        "enrolled",
        "verified",
        "failed",
        "recovery_used",
        "recovery_renewed",
        "removed",
        "reset",
    ):
        label = action_label(f"accounts.otp.{action}")
        assert label and not label.startswith("accounts."), action


def test_demo_accounts_that_need_a_factor_share_the_published_demo_secret() -> None:
    from io import StringIO

    from django.core.management import call_command

    from zhiku.accounts.demo import DEMO_OTP_KEY, demo_otp_secret

    out = StringIO()
    call_command("demo_seed", stdout=out)
    assert demo_otp_secret() == "PJUGS23VFVSGK3LPFVXXI4BNGIYDENRB"
    assert demo_otp_secret() in out.getvalue()
    for username in ("secadmin", "secadmin2", "staff", "reviewer"):
        user = User.objects.get(username=username)
        assert second_factor_required(user)
        assert TOTPDevice.objects.get(user=user, confirmed=True).key == DEMO_OTP_KEY
    assert not TOTPDevice.objects.filter(user__username__in=["auditor", "expert"]).exists()

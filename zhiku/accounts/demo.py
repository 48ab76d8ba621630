"""Demonstration accounts for `manage.py demo_seed`: one per role, safe to run twice."""

from __future__ import annotations

import random
from base64 import b32encode
from collections.abc import Iterator

from zhiku.accounts import approvals, services
from zhiku.accounts.models import SENSITIVE_RIGHTS, Right, Role, User

DEMO_PASSWORD = "Zhiku-Demo-2026!"  # noqa: S105 - published demo credential, demo data only
# The demo accounts that must use a second factor share one published authenticator secret
# (base32 PJUG S23V FVSG K3LP FVXX I4BN GIYD ENRB, listed in the README); with ZHIKU_DEBUG the
# code page also shows the current code for it. Demo data only: never a real account's secret.
DEMO_OTP_KEY = b"zhiku-demo-otp-2026!".hex()

# username, full name, role, rights (staff only)
DEMO_ACCOUNTS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("secadmin", "林安宁", Role.SECURITY_ADMIN, ()),
    ("secadmin2", "何守正", Role.SECURITY_ADMIN, ()),
    ("auditor", "周审言", Role.AUDITOR, ()),
    ("staff", "陈质远", Role.STAFF, tuple(Right.values)),
    ("reviewer", "黄立诚", Role.STAFF, (Right.REVIEW_APPLICATIONS,)),
    ("council1", "李明德", Role.COUNCIL, ()),
    ("council2", "王慧琳", Role.COUNCIL, ()),
    ("council3", "张国栋", Role.COUNCIL, ()),
    ("supervisor", "吴正平", Role.SUPERVISOR, ()),
    ("expert", "郑博文", Role.EXPERT, ()),
]


def seed_accounts(rng: random.Random) -> Iterator[str]:
    """Create the demo accounts (password ``DEMO_PASSWORD``) and grant the staff their rights."""
    created = 0
    # The first security admin cannot be made by a service (nobody grants themselves); the
    # seed plays the installer here, as `manage.py create_security_admin` does in production.
    for username, full_name, role, _rights in DEMO_ACCOUNTS:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "role": role,
                "email": f"{username}@demo.zhiku.local",
            },
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            created += 1
    # Rights are granted as in production: those exposing personal data are asked for by one
    # security admin (secadmin) and approved by the other (secadmin2).
    granter = User.objects.get(username="secadmin")
    approver = User.objects.get(username="secadmin2")
    for username, _name, _role, rights in DEMO_ACCOUNTS:
        user = User.objects.get(username=username)
        held = user.active_rights()
        for right in rights:
            if right in held:
                continue
            if right not in SENSITIVE_RIGHTS:
                services.right_grant(actor=granter, user=user, right=right, reason="演示数据")
                continue
            waiting = approvals.pending().filter(user=user, right=right).first()
            if waiting is None:
                waiting = approvals.right_grant_request(
                    actor=granter, user=user, right=right, reason="演示数据"
                )
            approvals.approval_approve(actor=approver, approval=waiting, note="演示数据")
    # One request left waiting, so that secadmin2's home shows what a second admin decides.
    reviewer = User.objects.get(username="reviewer")
    if not reviewer.approvals.filter(right=Right.EXPORT_DATA).exists():
        approvals.right_grant_request(
            actor=granter,
            user=reviewer,
            right=Right.EXPORT_DATA,
            reason="演示数据：编制年度统计报表（等待第二位安全管理员批准）",
        )
    enrolled = _enrol_second_factors()
    yield f"演示账户：新建 {created} 个（密码均为 {DEMO_PASSWORD}）："
    for username, full_name, role, _rights in DEMO_ACCOUNTS:
        yield f"  {username:<12} {full_name}  {Role(role).label}"
    if enrolled:
        yield (
            f"双因素认证：{'、'.join(enrolled)} 使用公开的演示密钥 {demo_otp_secret()}"
            "（README 中列出；开发模式下验证码页面也会显示当前验证码）"
        )


def demo_otp_secret() -> str:
    return b32encode(bytes.fromhex(DEMO_OTP_KEY)).decode("ascii")


def _enrol_second_factors() -> list[str]:
    """Give each demo account that must use a second factor the published demo authenticator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from zhiku.accounts.second_factor import DEVICE_NAME, second_factor_required

    enrolled = []
    for username, _name, _role, _rights in DEMO_ACCOUNTS:
        user = User.objects.get(username=username)
        if not second_factor_required(user):
            continue
        enrolled.append(username)
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=DEMO_OTP_KEY, confirmed=True)
    return enrolled

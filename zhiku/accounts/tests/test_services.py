from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from zhiku.accounts import services
from zhiku.accounts.models import AccountChange, Right, RightGrant, Role, User
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_security_admin_grants_a_right_with_a_row_and_an_audit_entry(
    security_admin: User, staff: User
) -> None:
    services.right_grant(
        actor=security_admin, user=staff, right=Right.RUN_DRAWS, reason="负责本季度抽取"
    )

    assert User.objects.get(pk=staff.pk).has_right(Right.RUN_DRAWS)
    change = AccountChange.objects.get(user=staff, kind=AccountChange.Kind.RIGHT_GRANTED)
    assert (change.to_value, change.actor, change.reason) == (
        Right.RUN_DRAWS,
        security_admin,
        "负责本季度抽取",
    )
    entry = AuditEntry.objects.get(action="accounts.right.granted")
    assert entry.actor == security_admin
    assert entry.object_id == str(staff.pk)


def test_staff_cannot_grant_themselves_the_reveal_right(staff: User) -> None:
    with pytest.raises(AccessDenied, match="只有安全管理员"):
        services.right_grant(
            actor=staff, user=staff, right=Right.REVEAL_PERSONAL_DATA, reason="自己需要"
        )
    assert not User.objects.get(pk=staff.pk).has_right(Right.REVEAL_PERSONAL_DATA)
    assert not RightGrant.objects.exists()


def test_security_admin_cannot_change_their_own_account(security_admin: User) -> None:
    with pytest.raises(services.AccountError, match="不能变更自己的账户"):
        services.account_set_role(
            actor=security_admin, user=security_admin, role=Role.STAFF, reason="换岗"
        )
    assert User.objects.get(pk=security_admin.pk).role == Role.SECURITY_ADMIN


def test_rights_are_only_for_staff(security_admin: User, make_user: Any) -> None:
    auditor = make_user(Role.AUDITOR, username="aud")
    with pytest.raises(services.AccountError, match="只能授予工作人员"):
        services.right_grant(
            actor=security_admin, user=auditor, right=Right.EXPORT_DATA, reason="x"
        )


def test_a_right_needs_a_reason(security_admin: User, staff: User) -> None:
    with pytest.raises(services.AccountError, match="原因"):
        services.right_grant(actor=security_admin, user=staff, right=Right.EXPORT_DATA, reason=" ")
    assert not RightGrant.objects.exists()


def test_granting_a_held_right_again_is_refused(security_admin: User, staff: User) -> None:
    services.right_grant(actor=security_admin, user=staff, right=Right.RUN_DRAWS, reason="a")
    with pytest.raises(services.AccountError, match="已持有"):
        services.right_grant(actor=security_admin, user=staff, right=Right.RUN_DRAWS, reason="b")
    assert RightGrant.objects.filter(user=staff).count() == 1


def test_revoking_ends_the_grant_and_keeps_its_history(security_admin: User, staff: User) -> None:
    services.right_grant(actor=security_admin, user=staff, right=Right.RUN_DRAWS, reason="a")
    services.right_revoke(actor=security_admin, user=staff, right=Right.RUN_DRAWS, reason="调岗")

    assert not User.objects.get(pk=staff.pk).has_right(Right.RUN_DRAWS)
    grant = RightGrant.objects.get(user=staff)
    assert grant.revoked_by == security_admin
    kinds = list(AccountChange.objects.filter(user=staff).values_list("kind", flat=True))
    assert kinds == [AccountChange.Kind.RIGHT_REVOKED, AccountChange.Kind.RIGHT_GRANTED]


def test_leaving_the_staff_role_revokes_every_right(security_admin: User, make_user: Any) -> None:
    user = make_user(Role.STAFF, username="mover", rights=(Right.RUN_DRAWS, Right.EXPORT_DATA))

    services.account_set_role(actor=security_admin, user=user, role=Role.AUDITOR, reason="转任审计")

    user.refresh_from_db()
    assert user.role == Role.AUDITOR
    assert not RightGrant.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert set(
        AuditEntry.objects.filter(object_id=str(user.pk)).values_list("action", flat=True)
    ) == {"accounts.right.revoked", "accounts.role.changed"}


def test_rights_of_a_deactivated_account_do_not_count(security_admin: User, make_user: Any) -> None:
    user = make_user(Role.STAFF, username="leaver", rights=(Right.RUN_DRAWS,))
    services.account_set_active(actor=security_admin, user=user, active=False, reason="离职")
    assert not User.objects.get(pk=user.pk).has_right(Right.RUN_DRAWS)


def test_security_admin_creates_an_account_without_a_password_and_mails_a_link(
    security_admin: User,
) -> None:
    user = services.account_create(
        actor=security_admin,
        username="newstaff",
        full_name="新同事",
        email="new@example.org",
        role=Role.STAFF,
    )
    services.account_send_activation(user=user)

    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.org"]
    assert "请设置您的登录密码" in mail.outbox[0].subject
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_security_admin_does_not_create_expert_accounts(security_admin: User) -> None:
    with pytest.raises(services.AccountError, match="专家账户"):
        services.account_create(
            actor=security_admin, username="e", full_name="专家", email="e@x.org", role=Role.EXPERT
        )
    assert not User.objects.filter(username="e").exists()


def test_duplicate_username_is_refused_whatever_its_case(security_admin: User, staff: User) -> None:
    with pytest.raises(services.AccountError, match="已被使用"):
        services.account_create(
            actor=security_admin, username="STAFF", full_name="x", email="x@x.org", role=Role.STAFF
        )


def test_the_installer_creates_the_first_security_admin_from_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "First-Admin-2026!")
    out = StringIO()
    call_command(
        "create_security_admin",
        username="first",
        full_name="首位管理员",
        email="first@example.org",
        stdout=out,
    )

    user = User.objects.get(username="first")
    assert user.role == Role.SECURITY_ADMIN and user.check_password("First-Admin-2026!")
    assert "已创建安全管理员" in out.getvalue()
    assert AuditEntry.objects.get(action="accounts.account.created").object_id == str(user.pk)


def test_the_installer_is_refused_a_weak_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.management import CommandError, call_command

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "password")
    with pytest.raises(CommandError, match="密码"):
        call_command("create_security_admin", username="w", full_name="弱", email="w@example.org")
    assert not User.objects.filter(username="w").exists()

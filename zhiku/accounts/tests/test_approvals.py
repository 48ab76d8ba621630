"""One security admin can no longer grant personal data alone: a second one must approve."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from zhiku.accounts import approvals, services
from zhiku.accounts.models import (
    SENSITIVE_RIGHTS,
    AccountChange,
    Approval,
    ApprovalChange,
    Right,
    RightGrant,
    Role,
    User,
)
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry
from zhiku.core.permissions import EXPORTER, REVEALER, REVIEWER

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_admin(make_user: Any) -> User:
    return make_user(Role.SECURITY_ADMIN, username="secadmin2", full_name="何守正")


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_the_rights_that_expose_personal_data_are_reveal_export_and_review() -> None:
    expected = {Right.REVEAL_PERSONAL_DATA, Right.EXPORT_DATA, Right.REVIEW_APPLICATIONS}
    assert expected == SENSITIVE_RIGHTS


def test_a_lone_security_admins_own_staff_account_gets_no_personal_data(
    security_admin: User, second_admin: User
) -> None:
    """The attack of the report: a staff account with the admin's own mailbox, given reveal,
    export and review, then used to export full identity numbers."""
    opening = approvals.account_open(
        actor=security_admin,
        username="helper",
        full_name="帮手",
        email="secadmin.private@example.org",
        role=Role.STAFF,
        rights=[Right.REVEAL_PERSONAL_DATA, Right.EXPORT_DATA, Right.REVIEW_APPLICATIONS],
        reason="协助整理名单",
    )

    helper = opening.user
    assert helper is not None
    assert _fresh(helper).active_rights() == frozenset()
    assert [a.right for a in opening.requests] == [
        Right.REVIEW_APPLICATIONS,
        Right.REVEAL_PERSONAL_DATA,
        Right.EXPORT_DATA,
    ]
    for policy in (EXPORTER, REVEALER, REVIEWER):
        with pytest.raises(AccessDenied):
            policy.require(_fresh(helper))
    # Nor can the admin approve their own requests.
    for approval in opening.requests:
        with pytest.raises(services.AccountError, match="不能批准自己提交的申请"):
            approvals.approval_approve(actor=security_admin, approval=approval)
    assert not RightGrant.objects.filter(user=helper).exists()
    assert approvals.pending().count() == 3


def test_a_sensitive_right_cannot_be_granted_directly(security_admin: User, staff: User) -> None:
    for right in SENSITIVE_RIGHTS:
        with pytest.raises(services.AccountError, match="须由另一位安全管理员批准"):
            services.right_grant(actor=security_admin, user=staff, right=right, reason="需要")
    assert not RightGrant.objects.exists()


def test_other_rights_are_still_granted_at_once(security_admin: User, staff: User) -> None:
    services.right_grant(actor=security_admin, user=staff, right=Right.RUN_DRAWS, reason="抽取")
    assert _fresh(staff).has_right(Right.RUN_DRAWS)
    with pytest.raises(services.AccountError, match="无须批准"):
        approvals.right_grant_request(
            actor=security_admin, user=staff, right=Right.EDIT_PARAMETERS, reason="x"
        )


def test_the_other_admins_approval_grants_the_right_naming_both(
    security_admin: User, second_admin: User, staff: User
) -> None:
    approval = approvals.right_grant_request(
        actor=security_admin, user=staff, right=Right.REVEAL_PERSONAL_DATA, reason="核对身份"
    )
    assert not _fresh(staff).has_right(Right.REVEAL_PERSONAL_DATA)

    approvals.approval_approve(actor=second_admin, approval=approval, note="同意")

    assert _fresh(staff).has_right(Right.REVEAL_PERSONAL_DATA)
    grant = RightGrant.objects.get(user=staff)
    assert (grant.granted_by, grant.approved_by) == (security_admin, second_admin)
    change = AccountChange.objects.get(user=staff, kind=AccountChange.Kind.RIGHT_GRANTED)
    assert (change.actor, change.reason) == (second_admin, "核对身份")
    granted = AuditEntry.objects.get(action="accounts.right.granted")
    assert granted.actor == second_admin
    assert granted.data["requested_by"] == str(security_admin)
    assert granted.data["approved_by"] == str(second_admin)
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == (Approval.Status.APPROVED, second_admin)
    steps = ApprovalChange.objects.filter(approval=approval).order_by("at", "id")
    assert [(s.from_value, s.to_value, s.actor) for s in steps] == [
        ("", "pending", security_admin),
        ("pending", "approved", second_admin),
    ]
    assert list(
        AuditEntry.objects.filter(action__startswith="accounts.approval")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["accounts.approval.requested", "accounts.approval.approved"]


def test_turning_the_other_security_admin_into_staff_needs_a_third(
    security_admin: User, second_admin: User, make_user: Any
) -> None:
    """The second attack of the report: secadmin made secadmin2 staff with the reveal right."""
    with pytest.raises(services.AccountError, match="须由另一位安全管理员批准"):
        services.account_set_role(
            actor=security_admin, user=second_admin, role=Role.STAFF, reason="调岗"
        )
    approval = approvals.role_change_request(
        actor=security_admin, user=second_admin, role=Role.STAFF, reason="调岗"
    )
    assert _fresh(second_admin).role == Role.SECURITY_ADMIN
    # The admin concerned cannot approve a change to their own account either.
    with pytest.raises(services.AccountError, match="不能批准对自己账户的变更"):
        approvals.approval_approve(actor=second_admin, approval=approval)

    third = make_user(Role.SECURITY_ADMIN, username="secadmin3")
    approvals.approval_approve(actor=third, approval=approval)

    assert _fresh(second_admin).role == Role.STAFF


def test_making_an_account_a_security_admin_needs_approval(
    security_admin: User, second_admin: User, staff: User
) -> None:
    with pytest.raises(services.AccountError, match="须由另一位安全管理员批准"):
        services.account_set_role(
            actor=security_admin, user=staff, role=Role.SECURITY_ADMIN, reason="补充人手"
        )
    approval = approvals.role_change_request(
        actor=security_admin, user=staff, role=Role.SECURITY_ADMIN, reason="补充人手"
    )
    approvals.approval_approve(actor=second_admin, approval=approval)
    assert _fresh(staff).role == Role.SECURITY_ADMIN


def test_creating_a_security_admin_waits_for_approval_then_mails_the_link(
    security_admin: User, second_admin: User
) -> None:
    with pytest.raises(services.AccountError, match="须由另一位安全管理员批准"):
        services.account_create(
            actor=security_admin,
            username="sa3",
            full_name="第三位",
            email="sa3@example.org",
            role=Role.SECURITY_ADMIN,
        )
    opening = approvals.account_open(
        actor=security_admin,
        username="sa3",
        full_name="第三位",
        email="sa3@example.org",
        role=Role.SECURITY_ADMIN,
        reason="人员增补",
        send_activation=True,
    )
    assert opening.user is None
    assert not User.objects.filter(username="sa3").exists()
    assert mail.outbox == []

    approval = approvals.approval_approve(actor=second_admin, approval=opening.requests[0])

    created = User.objects.get(username="sa3")
    assert created.role == Role.SECURITY_ADMIN and not created.has_usable_password()
    assert approval.user == created
    assert AccountChange.objects.get(user=created).actor == second_admin
    assert [m.to for m in mail.outbox] == [["sa3@example.org"]]


def test_a_refusal_needs_a_reason_and_changes_nothing(
    security_admin: User, second_admin: User, staff: User
) -> None:
    approval = approvals.right_grant_request(
        actor=security_admin, user=staff, right=Right.EXPORT_DATA, reason="报表"
    )
    with pytest.raises(services.AccountError, match="请填写拒绝原因"):
        approvals.approval_refuse(actor=second_admin, approval=approval, reason=" ")
    with pytest.raises(services.AccountError, match="请撤回"):
        approvals.approval_refuse(actor=security_admin, approval=approval, reason="不要了")

    approvals.approval_refuse(actor=second_admin, approval=approval, reason="无导出需要")

    approval.refresh_from_db()
    assert (approval.status, approval.decision_note) == (Approval.Status.REFUSED, "无导出需要")
    assert not _fresh(staff).has_right(Right.EXPORT_DATA)
    with pytest.raises(services.AccountError, match="该申请的状态为“已拒绝”，不能再处理"):
        approvals.approval_approve(actor=second_admin, approval=approval)


def test_only_the_requester_withdraws(
    security_admin: User, second_admin: User, staff: User
) -> None:
    approval = approvals.right_grant_request(
        actor=security_admin, user=staff, right=Right.EXPORT_DATA, reason="报表"
    )
    with pytest.raises(services.AccountError, match="只有申请人可以撤回"):
        approvals.approval_withdraw(actor=second_admin, approval=approval)

    approvals.approval_withdraw(actor=security_admin, approval=approval, reason="另有安排")

    approval.refresh_from_db()
    assert approval.status == Approval.Status.WITHDRAWN
    assert AuditEntry.objects.filter(action="accounts.approval.withdrawn").count() == 1


def test_the_same_request_twice_is_refused(security_admin: User, staff: User) -> None:
    approvals.right_grant_request(
        actor=security_admin, user=staff, right=Right.EXPORT_DATA, reason="报表"
    )
    with pytest.raises(services.AccountError, match="请勿重复提交"):
        approvals.right_grant_request(
            actor=security_admin, user=staff, right=Right.EXPORT_DATA, reason="报表"
        )


def test_approval_checks_the_account_again(
    security_admin: User, second_admin: User, staff: User
) -> None:
    approval = approvals.right_grant_request(
        actor=security_admin, user=staff, right=Right.EXPORT_DATA, reason="报表"
    )
    services.account_set_active(actor=security_admin, user=staff, active=False, reason="离职")

    with pytest.raises(services.AccountError, match="已停用"):
        approvals.approval_approve(actor=second_admin, approval=approval)
    approval.refresh_from_db()
    assert approval.is_pending
    assert not RightGrant.objects.exists()


def test_only_security_admins_ask_or_decide(
    security_admin: User, staff: User, make_user: Any
) -> None:
    approval = approvals.right_grant_request(
        actor=security_admin, user=staff, right=Right.EXPORT_DATA, reason="报表"
    )
    auditor = make_user(Role.AUDITOR, username="aud")
    with pytest.raises(AccessDenied):
        approvals.approval_approve(actor=auditor, approval=approval)
    with pytest.raises(AccessDenied):
        approvals.right_grant_request(
            actor=staff, user=staff, right=Right.REVEAL_PERSONAL_DATA, reason="我想看"
        )


def test_a_refused_right_leaves_no_half_created_account(security_admin: User) -> None:
    with pytest.raises(services.AccountError, match="只能授予工作人员"):
        approvals.account_open(
            actor=security_admin,
            username="aud2",
            full_name="审计",
            email="aud2@example.org",
            role=Role.AUDITOR,
            rights=[Right.EXPORT_DATA],
            reason="x",
        )
    assert not User.objects.filter(username="aud2").exists()


# --- pages ---


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_both_admins_see_the_pending_request_on_their_home_page(
    security_admin: User, second_admin: User, staff: User
) -> None:
    approvals.right_grant_request(
        actor=security_admin, user=staff, right=Right.REVEAL_PERSONAL_DATA, reason="核对身份"
    )
    what = "授予 测试用户"  # the request in words, as both see it

    other = _client(second_admin).get("/accounts/manage/").content.decode()
    mine = _client(security_admin).get("/accounts/manage/").content.decode()

    assert "等待您批准（1 项）" in other and "“查看受保护的个人信息”权限" in other
    assert what in other and "核对身份" in other
    assert "等待您批准（0 项）" in mine
    assert "您提交、等待另一位安全管理员批准（1 项）" in mine


def test_a_lone_security_admin_is_told_to_create_a_second_one(security_admin: User) -> None:
    body = _client(security_admin).get("/accounts/manage/").content.decode()
    assert "只有一位在用的安全管理员" in body
    assert "manage.py create_security_admin" in body


def test_the_requester_sees_no_approve_button_and_a_forged_post_is_refused(
    security_admin: User, second_admin: User, staff: User
) -> None:
    approval = approvals.right_grant_request(
        actor=security_admin, user=staff, right=Right.EXPORT_DATA, reason="报表"
    )
    c = _client(security_admin)
    page = c.get(f"/accounts/manage/approvals/{approval.pk}/").content.decode()
    assert f"/accounts/manage/approvals/{approval.pk}/approve/" not in page
    assert "您本人不能批准" in page

    response = c.post(f"/accounts/manage/approvals/{approval.pk}/approve/", {}, follow=True)

    assert "不能批准自己提交的申请" in response.content.decode()
    assert not _fresh(staff).has_right(Right.EXPORT_DATA)


def test_granting_a_sensitive_right_from_the_account_page_files_a_request(
    security_admin: User, second_admin: User, staff: User
) -> None:
    c = _client(security_admin)
    response = c.post(
        f"/accounts/manage/{staff.pk}/grant/",
        {"right": Right.REVEAL_PERSONAL_DATA, "reason": "核对身份"},
        follow=True,
    )
    body = response.content.decode()
    assert "已提交授权申请：须由另一位安全管理员批准后方才生效" in body
    assert "尚未生效" in body
    assert not _fresh(staff).has_right(Right.REVEAL_PERSONAL_DATA)

    approval = Approval.objects.get()
    done = _client(second_admin).post(
        f"/accounts/manage/approvals/{approval.pk}/approve/", {"note": ""}, follow=True
    )
    assert "已批准，变更已生效" in done.content.decode()
    assert _fresh(staff).has_right(Right.REVEAL_PERSONAL_DATA)
    detail = c.get(f"/accounts/manage/{staff.pk}/").content.decode()
    assert f"（{security_admin.full_name} 申请，何守正 于" in detail


def test_creating_staff_with_rights_from_the_page(security_admin: User, second_admin: User) -> None:
    response = _client(security_admin).post(
        "/accounts/manage/new/",
        {
            "username": "clerk",
            "full_name": "陈质远",
            "email": "clerk@example.org",
            "role": Role.STAFF,
            "rights": [Right.RUN_DRAWS, Right.REVEAL_PERSONAL_DATA],
            "reason": "新入职",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "涉及个人信息的 1 项权限已提交申请" in body
    clerk = User.objects.get(username="clerk")
    assert clerk.active_rights() == frozenset({Right.RUN_DRAWS})
    assert approvals.pending().get().right == Right.REVEAL_PERSONAL_DATA


def test_rights_on_the_create_page_need_a_reason(security_admin: User) -> None:
    response = _client(security_admin).post(
        "/accounts/manage/new/",
        {
            "username": "clerk",
            "full_name": "陈质远",
            "email": "clerk@example.org",
            "role": Role.STAFF,
            "rights": [Right.RUN_DRAWS],
        },
    )
    assert "请填写原因" in response.content.decode()
    assert not User.objects.filter(username="clerk").exists()


def test_creating_a_security_admin_from_the_page_goes_to_its_request(
    security_admin: User, second_admin: User
) -> None:
    response = _client(security_admin).post(
        "/accounts/manage/new/",
        {
            "username": "sa3",
            "full_name": "第三位",
            "email": "sa3@example.org",
            "role": Role.SECURITY_ADMIN,
            "reason": "人员增补",
            "send_activation": "on",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "须由另一位安全管理员批准后方才创建" in body
    assert "创建安全管理员账户 第三位（sa3）" in body
    assert not User.objects.filter(username="sa3").exists()


def test_the_auditor_sees_every_grant_with_requester_and_approver(
    security_admin: User, second_admin: User, staff: User, make_user: Any
) -> None:
    approval = approvals.right_grant_request(
        actor=security_admin, user=staff, right=Right.EXPORT_DATA, reason="报表"
    )
    approvals.approval_approve(actor=second_admin, approval=approval)
    auditor = _client(make_user(Role.AUDITOR, username="aud"))

    body = auditor.get("/workspace/audit/", {"action": "accounts.right.granted"}).content.decode()

    assert "何守正" in body  # the approver, who made the change
    assert f"申请人：{security_admin}" in body


def test_demo_rights_are_asked_by_one_admin_and_approved_by_the_other() -> None:
    import random

    from zhiku.accounts.demo import seed_accounts

    list(seed_accounts(random.Random(1)))
    counts = (Approval.objects.count(), RightGrant.objects.count())
    list(seed_accounts(random.Random(1)))

    assert (Approval.objects.count(), RightGrant.objects.count()) == counts
    assert User.objects.get(username="staff").active_rights() == frozenset(Right.values)
    # One request waits for secadmin2, to show what a second admin decides.
    (waiting,) = approvals.pending()
    assert waiting.user is not None
    assert (waiting.user.username, waiting.right) == ("reviewer", Right.EXPORT_DATA)
    assert waiting.requested_by.username == "secadmin"
    assert not User.objects.get(username="reviewer").has_right(Right.EXPORT_DATA)
    sensitive = RightGrant.objects.filter(right__in=SENSITIVE_RIGHTS)
    assert {
        (g.granted_by.username, g.approved_by.username if g.approved_by else None)
        for g in sensitive
    } == {("secadmin", "secadmin2")}


def test_an_account_page_lists_the_requests_waiting_for_it(
    security_admin: User, second_admin: User
) -> None:
    approvals.role_change_request(
        actor=security_admin, user=second_admin, role=Role.AUDITOR, reason="转任审计"
    )

    for viewer in (security_admin, second_admin):
        body = _client(viewer).get(f"/accounts/manage/{second_admin.pk}/").content.decode()
        assert "等待另一位安全管理员批准" in body
        assert "将 何守正（secadmin2） 的角色变更为审计员" in body

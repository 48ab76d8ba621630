from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from zhiku.accounts.models import Right, RightGrant, Role, User

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_staff_posting_to_grant_themselves_the_reveal_right_gets_403(staff: User) -> None:
    response = _client(staff).post(
        f"/accounts/manage/{staff.pk}/grant/",
        {"right": Right.REVEAL_PERSONAL_DATA, "reason": "我想看"},
    )
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    assert not RightGrant.objects.exists()


def test_auditor_gets_403_on_staff_and_account_pages(make_user: Any) -> None:
    auditor = _client(make_user(Role.AUDITOR, username="aud"))
    for url in ("/workspace/dashboard/", "/accounts/manage/", "/me/"):
        assert auditor.get(url).status_code == 403, url


def test_security_admin_creates_an_account_from_the_page(security_admin: User) -> None:
    c = _client(security_admin)
    response = c.post(
        "/accounts/manage/new/",
        {
            "username": "li.si",
            "full_name": "李四",
            "email": "lisi@example.org",
            "role": Role.COUNCIL,
            "send_activation": "on",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "账户已创建，设置密码的链接已发送到 lisi@example.org" in body
    assert User.objects.get(username="li.si").role == Role.COUNCIL
    assert mail.outbox[0].to == ["lisi@example.org"]


def test_bad_account_form_keeps_what_was_typed_and_says_why(security_admin: User) -> None:
    response = _client(security_admin).post(
        "/accounts/manage/new/",
        {"username": "有 空格", "full_name": "王五", "email": "not-an-email", "role": "staff"},
    )
    body = response.content.decode()
    assert "用户名只能包含字母、数字" in body
    # The e-mail field is named as wrong, whatever Django's wording of the message.
    assert set(response.context["form"].errors) == {"username", "email"}
    assert 'value="王五"' in body
    assert not User.objects.filter(full_name="王五").exists()


def test_security_admin_grants_a_right_from_the_detail_page(
    security_admin: User, staff: User
) -> None:
    c = _client(security_admin)
    response = c.post(
        f"/accounts/manage/{staff.pk}/grant/",
        {"right": Right.RUN_DRAWS, "reason": "负责本季度抽取"},
        follow=True,
    )
    body = response.content.decode()
    assert "已授予权限" in body
    assert "组织随机抽取" in body and "负责本季度抽取" in body
    assert User.objects.get(pk=staff.pk).has_right(Right.RUN_DRAWS)


def test_grant_without_reason_is_refused_with_a_message(security_admin: User, staff: User) -> None:
    response = _client(security_admin).post(
        f"/accounts/manage/{staff.pk}/grant/", {"right": Right.EXPORT_DATA}, follow=True
    )
    assert "原因：请填写原因" in response.content.decode()  # the missing field is named
    assert not RightGrant.objects.exists()


def test_security_admin_sees_no_expert_accounts(security_admin: User, make_user: Any) -> None:
    expert = make_user(Role.EXPERT, username="prof.zhao", full_name="赵教授")
    c = _client(security_admin)
    assert "赵教授" not in c.get("/accounts/manage/").content.decode()
    assert c.get(f"/accounts/manage/{expert.pk}/").status_code == 404


def test_own_account_page_offers_no_changes(security_admin: User) -> None:
    body = _client(security_admin).get(f"/accounts/manage/{security_admin.pk}/").content.decode()
    assert "须由另一位安全管理员变更" in body
    assert "授予权限" not in body


def test_get_on_an_action_url_changes_nothing(security_admin: User, staff: User) -> None:
    response = _client(security_admin).get(f"/accounts/manage/{staff.pk}/deactivate/")
    assert response.status_code == 405
    assert User.objects.get(pk=staff.pk).is_active

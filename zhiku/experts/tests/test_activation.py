"""Experts added by staff can sign in (issue 9, item 13).

Found: 关联专家账户 offered only "---------" and no role could create an expert account, so an
expert entered by hand could never log in. Staff now send the same set-password e-mail an
import sends, opening the account first, and the profile says whether the link was used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from zhiku.accounts.models import AccountChange, Role, User
from zhiku.core.models import AuditEntry
from zhiku.experts import services
from zhiku.experts.tests.factories import make_expert
from zhiku.experts.tests.support import NOW, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def clerk(make_user: Callable[..., Any]) -> Any:
    """Any member of staff may send it: no right is needed to let an expert sign in."""
    return make_user("staff", username="clerk", full_name="何办事")


def account_state(client: Any, expert: Any) -> str:
    page = client.get(reverse("experts:expert_detail", args=[expert.pk])).content.decode()
    found = re.search(r'data-testid="account-state">(.*?)</p>', page, re.S)
    assert found is not None
    return found.group(1)


def test_staff_open_the_account_and_send_the_set_password_email(clerk: Any) -> None:
    expert = make_expert(name="郭手录", email="guo.shoulu@example.org")
    client = client_for(clerk)
    assert "尚未开设账户" in account_state(client, expert)

    response = client.post(reverse("experts:expert_invite", args=[expert.pk]), follow=True)

    assert "已发送设置密码的邮件" in response.content.decode()
    expert.refresh_from_db()
    user = expert.user
    assert user is not None
    assert (user.username, user.role, user.full_name) == (
        "guo.shoulu@example.org",
        Role.EXPERT,
        "郭手录",
    )
    assert not user.has_usable_password()
    assert AccountChange.objects.get(user=user).kind == AccountChange.Kind.CREATED
    (message,) = mail.outbox
    assert message.to == ["guo.shoulu@example.org"]
    assert re.search(r"http://testserver/accounts/password/reset/\S+", str(message.body))
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"experts.account.invited", "accounts.activation.sent"} <= actions
    state = account_state(client, expert)
    assert "尚未设置密码" in state and "最近一次发送设置密码邮件：2026-11-27 10:30" in state

    # Sent again while unused: the same account, a second e-mail.
    client.post(reverse("experts:expert_invite", args=[expert.pk]))
    assert len(mail.outbox) == 2 and User.objects.filter(role=Role.EXPERT).count() == 1


def test_once_the_link_is_used_the_profile_says_so_and_nothing_is_sent_again(
    clerk: Any,
) -> None:
    expert = make_expert(email="used@example.org")
    services.expert_account_invite(actor=clerk, expert=expert)
    expert.refresh_from_db()
    assert expert.user is not None
    expert.user.set_password("Set-By-The-Expert-2026")
    expert.user.save()
    client = client_for(clerk)

    assert "已设置密码，可以登录" in account_state(client, expert)
    assert "尚未登录过" in account_state(client, expert)
    response = client.post(reverse("experts:expert_invite", args=[expert.pk]), follow=True)
    assert "该专家已设置登录密码，可以直接登录" in response.content.decode()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("email", "taken", "words"),
    [
        ("", False, "该专家没有电子邮箱"),
        ("Taken@Example.org", True, "电子邮箱 taken@example.org 已被另一个账户使用"),
    ],
    ids=["no e-mail", "address taken"],
)
def test_without_a_usable_address_nothing_is_created(
    clerk: Any, make_user: Callable[..., Any], email: str, taken: bool, words: str
) -> None:
    if taken:
        make_user("staff", username="someone", email="taken@example.org")
    expert = make_expert(email=email.lower())
    users = User.objects.count()

    response = client_for(clerk).post(
        reverse("experts:expert_invite", args=[expert.pk]), follow=True
    )

    assert words in response.content.decode()
    expert.refresh_from_db()
    assert expert.user is None and User.objects.count() == users
    assert len(mail.outbox) == 0


def test_the_add_form_no_longer_offers_an_empty_account_list(
    make_user: Callable[..., Any],
) -> None:
    reviewer = make_user("staff", username="reviewer", rights=("review_applications",))

    page = client_for(reviewer).get(reverse("experts:expert_create")).content.decode()

    assert "关联专家账户" not in page

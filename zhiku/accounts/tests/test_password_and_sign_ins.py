"""A temporary password set by a security admin is changed at the first sign-in before anything
else; each person sees their recent sign-ins (when, from where, successes and failures)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import Role, User
from zhiku.accounts.selectors import short_agent
from zhiku.accounts.tests.factories import PASSWORD
from zhiku.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
CHANGE = reverse("accounts:password_change")
TEMPORARY = "Temp-Pass-2026-abc!"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


def _create_with_temporary_password(admin_client: Client, password: str = TEMPORARY) -> Any:
    return admin_client.post(
        reverse("accounts:account_create"),
        {
            "username": "li.si",
            "full_name": "李四",
            "email": "lisi@example.org",
            "role": Role.COUNCIL,
            "temporary_password": password,
        },
        follow=True,
    )


def test_a_temporary_password_must_be_changed_before_anything_else(
    security_admin: User,
) -> None:
    admin = Client()
    admin.force_login(security_admin)
    _create_with_temporary_password(admin)
    holder = User.objects.get(username="li.si")
    assert holder.must_change_password and holder.check_password(TEMPORARY)
    assert AuditEntry.objects.filter(action="accounts.password.temporary").count() == 1

    client = Client()
    assert client.post(LOGIN, {"username": "li.si", "password": TEMPORARY}).status_code == 302
    for url in ("/", reverse("core:home_redirect"), reverse("accounts:account_security")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(CHANGE), url
    assert client.get(CHANGE).status_code == 200

    new = "Own-Choice-2026-xyz!"
    done = client.post(
        CHANGE, {"old_password": TEMPORARY, "new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    holder.refresh_from_db()
    assert not holder.must_change_password and holder.check_password(new)
    assert client.get(reverse("accounts:account_security")).status_code == 200


def test_a_weak_temporary_password_is_refused_and_no_account_is_left(
    security_admin: User,
) -> None:
    admin = Client()
    admin.force_login(security_admin)
    response = _create_with_temporary_password(admin, password="12345678")
    assert "临时密码不符合要求" in response.content.decode()
    assert not User.objects.filter(username="li.si").exists()


def test_a_password_set_through_the_emailed_link_ends_the_forced_change(
    security_admin: User,
) -> None:
    import re

    admin = Client()
    admin.force_login(security_admin)
    admin.post(
        reverse("accounts:account_create"),
        {
            "username": "wang",
            "full_name": "王五",
            "email": "wang@example.org",
            "role": Role.AUDITOR,
            "send_activation": "on",
        },
    )
    holder = User.objects.get(username="wang")
    assert holder.must_change_password
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", str(mail.outbox[0].body))
    assert link is not None
    client = Client()
    form_url = client.get(link.group(1))["Location"]
    new = "Own-Choice-2026-xyz!"
    client.post(form_url, {"new_password1": new, "new_password2": new})
    holder.refresh_from_db()
    assert not holder.must_change_password
    client.post(LOGIN, {"username": "wang", "password": new})
    assert client.get(reverse("core:home_redirect"))["Location"] == "/workspace/audit/"


def test_each_person_sees_their_recent_sign_ins_and_failures(make_user: Any) -> None:
    make_user(Role.COUNCIL, username="li")
    make_user(Role.COUNCIL, username="other")
    Client().post(
        LOGIN,
        {"username": "li", "password": "wrong"},
        REMOTE_ADDR="198.51.100.9",
        HTTP_USER_AGENT=CHROME,
    )
    Client().post(LOGIN, {"username": "other", "password": "wrong"}, REMOTE_ADDR="192.0.2.1")
    client = Client()
    client.post(
        LOGIN,
        {"username": "li", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.10",
        HTTP_USER_AGENT=CHROME,
    )
    page = client.get(reverse("accounts:account_security")).content.decode()
    table = page[page.index('data-testid="sign-ins"') :]
    assert table.index("登录成功") < table.index("密码错误")  # newest first
    assert "198.51.100.10" in table and "198.51.100.9" in table
    assert "Chrome 120 · Windows" in table
    assert "192.0.2.1" not in table  # another person's failure is not shown


@pytest.mark.parametrize(
    ("agent", "short"),
    [
        (CHROME, "Chrome 120 · Windows"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40",
            "微信 8 · iOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox 121 · Linux",
        ),
        ("", ""),
        ("curl/8.4.0", "curl/8.4.0"),
    ],
)
def test_the_browser_is_named_in_a_few_words(agent: str, short: str) -> None:
    assert short_agent(agent) == short

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhiku.accounts import services
from zhiku.accounts.models import User
from zhiku.accounts.tests.factories import PASSWORD, fresh_otp_code
from zhiku.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def test_wrong_password_gets_a_chinese_message_and_an_audit_entry(
    client: Client, staff: User
) -> None:
    response = _login(client, "staff", "wrong-password")

    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    entry = AuditEntry.objects.get(action="accounts.login.failed")
    assert entry.data == {"username": "staff"}
    assert entry.ip == "127.0.0.1"


def test_ten_wrong_passwords_lock_the_account_even_for_the_right_password(
    client: Client, staff: User
) -> None:
    for _ in range(9):
        assert "用户名或密码不正确" in _login(client, "staff", "wrong").content.decode()

    tenth = _login(client, "staff", "wrong")
    after = _login(client, "staff", PASSWORD)

    for response in (tenth, after):
        assert response.status_code == 429
        assert "账户已锁定" in response.content.decode()
        assert "连续多次输入错误的密码" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_not_per_office(client: Client, staff: User, make_user: Any) -> None:
    make_user("staff", username="colleague")
    for _ in range(10):
        _login(client, "staff", "wrong")

    response = _login(client, "colleague", PASSWORD)

    assert response.status_code == 302


def test_security_admin_unlocks_a_locked_account(
    client: Client, staff: User, security_admin: User
) -> None:
    for _ in range(10):
        _login(client, "staff", "wrong")
    assert services.is_locked_out(staff)

    services.account_unlock(actor=security_admin, user=staff, reason="本人来电核实")

    assert not services.is_locked_out(staff)
    assert _login(Client(), "staff", PASSWORD).status_code == 302


def test_login_and_logout_are_audited(client: Client, staff: User) -> None:
    assert _login(client, "staff", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))

    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["accounts.login.succeeded", "accounts.logout"]


def test_login_sends_each_role_to_its_home(client: Client, make_user: Any) -> None:
    """Each role lands on the home its app claims (council and supervisor homes move as their
    apps arrive), and that home lets the role in."""
    from zhiku.core.plugins import role_home

    homes = {
        "staff": "/workspace/dashboard/",
        "security_admin": "/accounts/manage/",
        "auditor": "/workspace/audit/",
        "expert": "/me/",
        "council": reverse(role_home("council")),
        "supervisor": reverse(role_home("supervisor")),
    }
    for role, home in homes.items():
        make_user(role, username=f"home-{role}")
        c = Client()
        response = _login(c, f"home-{role}", PASSWORD)
        if role == "security_admin":  # the code of the second factor comes first
            step = c.get(response.headers["Location"]).headers["Location"]
            assert step.startswith(reverse("accounts:otp_verify"))
            device = TOTPDevice.objects.get(user__username=f"home-{role}")
            response = c.post(step, {"code": fresh_otp_code(device)})
        assert c.get(response.headers["Location"]).headers["Location"] == home
        assert c.get(home).status_code == 200, role


def test_session_ends_after_thirty_idle_minutes_but_not_while_in_use(staff: User) -> None:
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    client = Client()
    with time_machine.travel(start, tick=False) as clock:
        assert _login(client, "staff", PASSWORD).status_code == 302
        for _ in range(3):  # every request within 29 minutes renews the session
            clock.shift(dt.timedelta(minutes=29))
            assert client.get("/workspace/dashboard/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/workspace/dashboard/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(LOGIN)


def test_a_session_in_use_is_written_at_most_once_a_minute(staff: User) -> None:
    from django.contrib.sessions.models import Session

    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    client = Client()
    with time_machine.travel(start, tick=False) as clock:
        assert _login(client, "staff", PASSWORD).status_code == 302
        client.get("/workspace/dashboard/")
        key = client.session.session_key
        first = Session.objects.get(session_key=key).expire_date
        assert first == start + dt.timedelta(minutes=30)

        clock.shift(dt.timedelta(seconds=59))  # within the minute: no write
        assert client.get("/workspace/dashboard/").status_code == 200
        assert Session.objects.get(session_key=key).expire_date == first

        clock.shift(dt.timedelta(seconds=1))  # a minute since the last renewal: renewed
        assert client.get("/workspace/dashboard/").status_code == 200
        assert Session.objects.get(session_key=key).expire_date == start + dt.timedelta(minutes=31)

        # Idle from here: 30 minutes after the last renewal the session is gone.
        clock.shift(dt.timedelta(minutes=30))
        response = client.get("/workspace/dashboard/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(LOGIN)


def test_password_reset_mails_a_working_link_in_chinese(client: Client, staff: User) -> None:
    response = client.post("/accounts/password/reset/", {"email": staff.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "【广东省质量发展智库】重设密码"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", str(message.body))
    assert link is not None

    form_page = client.get(link.group(1), follow=True)
    assert "设置新密码" in form_page.content.decode()
    new = "Neue-Passwort-2026?"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    assert User.objects.get(pk=staff.pk).check_password(new)


def test_password_rules_refuse_a_simple_password_in_chinese(client: Client, staff: User) -> None:
    client.force_login(staff)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "abcdefghij", "new_password2": "abcdefghij"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "至少 3 类" in body
    assert User.objects.get(pk=staff.pk).check_password(PASSWORD)


def test_a_short_password_is_refused(client: Client, staff: User) -> None:
    client.force_login(staff)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "Ab1!x", "new_password2": "Ab1!x"},
    )
    assert "密码长度太短" in response.content.decode()


def test_an_account_that_never_set_a_password_can_ask_for_a_new_link(
    client: Client, security_admin: User
) -> None:
    newcomer = services.account_create(
        actor=security_admin,
        username="newcomer",
        full_name="新同事",
        email="newcomer@example.org",
        role="staff",
    )

    client.post("/accounts/password/reset/", {"email": "NEWCOMER@example.org"})

    assert [m.to for m in mail.outbox] == [["newcomer@example.org"]]
    assert newcomer.username in str(mail.outbox[0].body)


def test_password_change_and_reset_are_audited(client: Client, staff: User) -> None:
    client.force_login(staff)
    new = "Changed-Password-2026!"
    client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    client.post(reverse("accounts:logout"))
    client.post("/accounts/password/reset/", {"email": staff.email})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", str(mail.outbox[0].body))
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    newer = "Newer-Password-2026?"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": newer, "new_password2": newer})

    actions = list(
        AuditEntry.objects.filter(action__startswith="accounts.password")
        .order_by("seq")
        .values_list("action", "actor")
    )
    assert actions == [
        ("accounts.password.changed", staff.pk),
        ("accounts.password.reset", staff.pk),
    ]

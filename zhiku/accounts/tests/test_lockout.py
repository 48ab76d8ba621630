"""Brute force is stopped, yet a stranger cannot lock another user out."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from zhiku.accounts import services
from zhiku.accounts.lockout import locked_addresses
from zhiku.accounts.models import User
from zhiku.accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ATTACKER = "203.0.113.66"
OFFICE = "10.20.30.40"
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _login(username: str, password: str, *, ip: str, client: Client | None = None) -> Any:
    return (client or Client()).post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _locked(response: Any) -> bool:
    return response.status_code == 429 and "账户已锁定" in response.content.decode()


def test_ten_anonymous_failures_do_not_lock_the_real_user_out(security_admin: User) -> None:
    """The attack of the report: ten anonymous requests used to lock out secadmin for 30 minutes."""
    for _ in range(10):
        _login("secadmin", "guess", ip=ATTACKER)

    signed_in = _login("secadmin", PASSWORD, ip=OFFICE)

    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] != LOGIN


def test_the_attackers_address_stays_stopped_even_with_the_right_password(
    security_admin: User,
) -> None:
    for _ in range(10):
        _login("secadmin", "guess", ip=ATTACKER)

    assert _locked(_login("secadmin", PASSWORD, ip=ATTACKER))
    assert locked_addresses("secadmin") == [ATTACKER]


def test_an_address_guessing_across_user_names_is_stopped_for_every_name(
    staff: User, settings: Any
) -> None:
    limit = settings.ZHIKU_LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit == 50
    # Nine guesses each, never reaching one account's limit, over many user names.
    names = [f"guess{n}" for n in range(limit // 9 + 1)]
    for name in names:
        for _ in range(9):
            _login(name, "guess", ip=ATTACKER)

    stopped = _login("staff", PASSWORD, ip=ATTACKER)
    elsewhere = _login("staff", PASSWORD, ip=OFFICE)

    assert stopped.status_code == 429
    body = stopped.content.decode()
    assert "登录暂时受限" in body and "请 30 分钟后再试" in body
    assert elsewhere.status_code == 302


def test_a_few_colleagues_typos_behind_one_address_stop_nobody(make_user: Any, staff: User) -> None:
    for n in range(5):
        make_user("staff", username=f"colleague{n}")
        for _ in range(3):
            _login(f"colleague{n}", "typo", ip=OFFICE)

    assert _login("staff", PASSWORD, ip=OFFICE).status_code == 302


def test_the_lockout_page_says_30_minutes_in_words(staff: User) -> None:
    for _ in range(10):
        response = _login("staff", "wrong", ip=OFFICE)

    body = response.content.decode()
    assert "请 30 分钟后再试" in body
    assert "PT30M" not in body
    assert "/accounts/password/reset/" in body


def test_the_cool_off_is_thirty_minutes(staff: User) -> None:
    """Fails if the cool-off changes: locked just before 30 minutes, free just after."""
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(10):
            _login("staff", "wrong", ip=OFFICE)
        clock.shift(dt.timedelta(minutes=29, seconds=59))
        assert services.is_locked_out(staff)
        assert locked_addresses("staff") == [OFFICE]
        clock.shift(dt.timedelta(seconds=2))
        assert not services.is_locked_out(staff)
        assert _login("staff", PASSWORD, ip=OFFICE).status_code == 302


def test_trying_again_while_locked_restarts_the_thirty_minutes(staff: User) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(10):
            _login("staff", "wrong", ip=OFFICE)
        clock.shift(dt.timedelta(minutes=20))
        assert _locked(_login("staff", PASSWORD, ip=OFFICE))
        clock.shift(dt.timedelta(minutes=29))  # 49 minutes after the tenth failure
        assert services.is_locked_out(staff)
        clock.shift(dt.timedelta(minutes=2))
        assert _login("staff", PASSWORD, ip=OFFICE).status_code == 302


def test_a_locked_out_user_unlocks_themselves_with_the_emailed_reset_link(staff: User) -> None:
    for _ in range(10):
        _login("staff", "wrong", ip=OFFICE)
    client = Client(REMOTE_ADDR=OFFICE)
    assert _locked(_login("staff", PASSWORD, ip=OFFICE, client=client))

    client.post("/accounts/password/reset/", {"email": staff.email}, REMOTE_ADDR=OFFICE)
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", str(mail.outbox[0].body))
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    new = "Fresh-Password-2026?"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})

    assert locked_addresses("staff") == []
    assert _login("staff", new, ip=OFFICE).status_code == 302


def test_the_account_page_shows_from_where_an_account_is_locked(
    security_admin: User, staff: User
) -> None:
    for _ in range(10):
        _login("staff", "wrong", ip=ATTACKER)
    admin = Client()
    admin.force_login(security_admin)

    body = admin.get(f"/accounts/manage/{staff.pk}/").content.decode()

    assert f"登录已锁定（来自 {ATTACKER}）" in body


def test_behind_the_proxy_the_forwarded_address_is_the_one_locked(
    security_admin: User, settings: Any
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxy = "127.0.0.1"
    for _ in range(10):
        Client().post(
            LOGIN,
            {"username": "secadmin", "password": "guess"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=ATTACKER,
        )

    assert locked_addresses("secadmin") == [ATTACKER]
    ok = Client().post(
        LOGIN,
        {"username": "secadmin", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=OFFICE,
    )
    assert ok.status_code == 302


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(30, "30 分钟"), (1, "1 分钟"), (60, "1 小时"), (90, "1 小时 30 分钟"), (0.5, "1 分钟")],
)
def test_a_cool_off_is_said_in_chinese_words(minutes: float, words: str) -> None:
    from zhiku.accounts.templatetags.accounts_extras import duration_zh

    assert duration_zh(dt.timedelta(minutes=minutes)) == words

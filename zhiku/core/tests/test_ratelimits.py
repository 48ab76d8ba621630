"""Every rate limit of zhiku/core/ratelimits.py: past it, the page answers 429 in the site's
layout with the limit's Chinese message (never an error page), counted per address or account.

The invitation answer's limit is tested with a real invitation in
zhiku/activities/tests/test_invitation_rate_limit.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.core import ratelimits
from zhiku.core.ratelimits import Limit

pytestmark = pytest.mark.django_db

# Inside one window of every limit: the counts are kept in fixed windows of the clock.
START = dt.datetime(2026, 11, 2, 2, 0, 5, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _still_clock(time_machine: Any) -> None:
    time_machine.move_to(START, tick=False)


def _post_until_refused(
    client: Client, limit: Limit, url: str, data: Callable[[int], dict[str, str]], **extra: Any
) -> Any:
    """POST ``limit.count`` times (each served), then once more; return the last response."""
    for i in range(limit.count):
        response = client.post(url, data(i), **extra)
        assert response.status_code != 429, f"refused after {i} requests"
    return client.post(url, data(limit.count), **extra)


def _assert_refused(response: Any, limit: Limit) -> None:
    body = response.content.decode()
    assert response.status_code == 429
    assert str(limit.message) in body
    assert "请求过于频繁" in body
    assert "广东省质量发展智库" in body  # the site's own layout, not a bare error


def test_every_limit_has_a_chinese_message_and_a_rate_the_library_reads() -> None:
    from django_ratelimit.core import _split_rate

    names = [limit.name for limit in ratelimits.ALL]
    assert len(names) == len(set(names))
    for limit in ratelimits.ALL:
        count, seconds = _split_rate(limit.rate)
        assert count == limit.count and seconds >= 60
        assert "请" in str(limit.message) and "频繁" in str(limit.message)


def test_sign_in_is_limited_per_address_beyond_the_lockout(client: Client, make_user: Any) -> None:
    """Right passwords count too (wrong ones meet django-axes' lockout first, at 50)."""
    from zhiku.accounts.tests.factories import PASSWORD

    make_user("council", username="council")
    url = reverse("accounts:login")
    last = _post_until_refused(
        client,
        ratelimits.LOGIN,
        url,
        lambda i: {"username": "council", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    _assert_refused(last, ratelimits.LOGIN)
    # Another address is still served.
    other = Client().post(url, {"username": "x", "password": "y"}, REMOTE_ADDR="203.0.113.8")
    assert other.status_code == 200


def test_second_factor_codes_are_limited_per_account(client: Client, make_user: Any) -> None:
    from zhiku.accounts.tests.factories import PASSWORD

    make_user("security_admin", username="sa")
    client.post(reverse("accounts:login"), {"username": "sa", "password": PASSWORD})
    url = reverse("accounts:otp_verify")
    last = _post_until_refused(client, ratelimits.SECOND_FACTOR, url, lambda i: {"code": "000000"})
    _assert_refused(last, ratelimits.SECOND_FACTOR)


def test_registration_codes_are_limited_per_address(client: Client) -> None:
    url = reverse("calls:register")
    last = _post_until_refused(
        client,
        ratelimits.REGISTRATION_CODE,
        url,
        lambda i: {"channel": "email", "address": f"a{i}@example.org"},
    )
    _assert_refused(last, ratelimits.REGISTRATION_CODE)


def test_registration_answers_are_limited_per_address(client: Client) -> None:
    url = reverse("calls:register_verify")
    last = _post_until_refused(
        client, ratelimits.REGISTRATION_VERIFY, url, lambda i: {"code": f"{i:06d}"}
    )
    _assert_refused(last, ratelimits.REGISTRATION_VERIFY)


def test_objections_are_limited_per_address(client: Client) -> None:
    # The count comes first: even a notice that does not exist counts against the address.
    url = reverse("notices:objection_create", kwargs={"pk": 999})
    last = _post_until_refused(
        client, ratelimits.OBJECTION, url, lambda i: {"objector_name": f"某{i}"}
    )
    _assert_refused(last, ratelimits.OBJECTION)


def test_a_limit_counts_only_posts(client: Client) -> None:
    url = reverse("calls:register")
    for _i in range(ratelimits.REGISTRATION_CODE.count + 5):
        assert client.get(url).status_code == 200
    assert client.post(url, {"channel": "email", "address": "a@example.org"}).status_code != 429

"""The portal's notices and announcements are cached for anonymous visitors only, carry no CSRF
token when cached, and change as soon as what they show changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhiku.recruitment import services
from zhiku.recruitment.models import Notice
from zhiku.recruitment.tests.factories import NOTICE_END, approved, at, make_reviewer, publish

pytestmark = pytest.mark.django_db

DURING = at(dt.date(2026, 9, 30), 9)


@pytest.fixture
def reviewer() -> Any:
    return make_reviewer()


@pytest.fixture
def notice(reviewer: Any, catalogues: None) -> Notice:
    return publish(reviewer, [approved(reviewer, username="zhang", name="张拟入", serial=11)])


def get(client: Client, url: str) -> Any:
    with time_machine.travel(DURING, tick=False):
        return client.get(url)


def test_an_anonymous_visitor_gets_the_kept_page_with_one_query_and_no_csrf_cookie(
    notice: Notice,
) -> None:
    url = reverse("notices:notice_detail", kwargs={"pk": notice.pk})
    first = get(Client(), url)
    assert first["X-Zhiku-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = get(Client(), url)
    assert second["X-Zhiku-Cache"] == "hit"
    assert len(queries) == 1  # the version of the notice
    assert second.content == first.content
    assert "csrftoken" not in second.cookies and "csrftoken" not in first.cookies
    assert '"X-CSRFToken": ""' in second.content.decode()
    assert "Cookie" in second["Vary"]


def test_a_signed_in_user_never_gets_the_anonymous_page_and_never_fills_it(
    notice: Notice, make_user: Any
) -> None:
    url = reverse("notices:notice_detail", kwargs={"pk": notice.pk})
    get(Client(), url)
    member = Client()
    with time_machine.travel(DURING, tick=False):
        member.force_login(make_user("expert", username="reader", full_name="读者"))
        mine = member.get(url)
    assert "X-Zhiku-Cache" not in mine
    assert "退出登录" in mine.content.decode()
    assert "no-store" in mine["Cache-Control"]
    anonymous = get(Client(), url)
    assert anonymous["X-Zhiku-Cache"] == "hit"
    assert "退出登录" not in anonymous.content.decode()


def test_a_change_shows_at_the_next_request(notice: Notice, reviewer: Any) -> None:
    url = reverse("notices:notice_detail", kwargs={"pk": notice.pk})
    listing = reverse("announcements:announcement_list")
    before = get(Client(), url).content.decode()
    assert "入库公告" not in before
    assert "暂无公告" in get(Client(), listing).content.decode()
    services.notice_admit(
        actor=reviewer, notice=notice, now=at(NOTICE_END + dt.timedelta(days=1), 9)
    )
    after = get(Client(), url)
    assert after["X-Zhiku-Cache"] == "miss"
    assert "入库公告" in after.content.decode()
    assert "入库公告" in get(Client(), listing).content.decode()
    assert "暂无公告" not in get(Client(), listing).content.decode()


def test_the_day_is_part_of_the_key_so_the_ended_mark_needs_no_change(notice: Notice) -> None:
    url = reverse("notices:notice_detail", kwargs={"pk": notice.pk})
    with time_machine.travel(at(NOTICE_END, 23, 59, 59), tick=False):
        assert "今天是公示期最后一天" in Client().get(url).content.decode()
    with time_machine.travel(at(NOTICE_END + dt.timedelta(days=1), 0, 0), tick=False):
        page = Client().get(url)
    assert page["X-Zhiku-Cache"] == "miss"
    assert "已结束" in page.content.decode()


def test_the_objection_form_is_never_cached(notice: Notice) -> None:
    url = reverse("notices:objection_create", kwargs={"pk": notice.pk})
    first = get(Client(), url)
    assert "X-Zhiku-Cache" not in first
    assert 'name="csrfmiddlewaretoken"' in first.content.decode()

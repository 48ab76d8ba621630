"""The working-day calendar page: toggling days with htmx or a plain form, and the year switch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.core.models import CalendarChange, CalendarYear, WorkdayKind, WorkdayOverride
from zhiku.core.workdays import add_workdays

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def keeper_client(client: Client, make_user: Any) -> Client:
    client.force_login(make_user("staff", username="keeper", rights=(Right.EDIT_PARAMETERS,)))
    return client


def toggle(client: Client, day: str, reason: str = "国办发明电〔2026〕测试号", **extra: Any) -> Any:
    return client.post(reverse("core:workday_toggle"), {"day": day, "reason": reason}, **extra)


def test_calendar_page_says_who_may_edit_and_offers_every_day_of_an_entered_year(
    keeper_client: Client,
) -> None:
    page = keeper_client.get(reverse("core:workday_calendar", kwargs={"year": 2027}))

    html = page.content.decode()
    assert page.status_code == 200
    assert "只有持有“修改政策参数”权限的工作人员可以查看和修改" in html
    assert html.count('name="day"') == 365
    assert "本年度尚未确认录入完整" in html
    assert "style=" not in html
    assert "<script>" not in html


def test_a_library_year_is_shown_but_not_editable(keeper_client: Client) -> None:
    html = keeper_client.get(
        reverse("core:workday_calendar", kwargs={"year": 2026})
    ).content.decode()

    assert 'name="day"' not in html
    assert "不能在此修改" in html
    assert 'title="调休上班（国庆节）"' in html


def test_clicking_a_weekday_with_htmx_makes_it_a_holiday_and_returns_the_cell(
    keeper_client: Client,
) -> None:
    response = toggle(keeper_client, "2027-01-01", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="2027-01-01"' in html
    assert "is-rest is-special" in html
    assert 'hx-swap-oob="true"' in html
    assert "2027-01-01 现为休息日" in html
    assert WorkdayOverride.objects.get(day=dt.date(2027, 1, 1)).kind == WorkdayKind.HOLIDAY


def test_clicking_a_saturday_makes_it_a_make_up_day_and_clicking_again_restores_it(
    keeper_client: Client,
) -> None:
    toggle(keeper_client, "2027-02-20", **HTMX)
    assert WorkdayOverride.objects.get(day=dt.date(2027, 2, 20)).kind == WorkdayKind.WORKDAY

    toggle(keeper_client, "2027-02-20", **HTMX)

    assert not WorkdayOverride.objects.filter(day=dt.date(2027, 2, 20)).exists()
    assert CalendarChange.objects.filter(day=dt.date(2027, 2, 20)).count() == 2


def test_a_click_without_a_basis_shows_the_error_in_the_status_line(keeper_client: Client) -> None:
    response = toggle(keeper_client, "2027-01-01", reason="", **HTMX)

    assert response.headers["HX-Retarget"] == "#calendar-status"
    assert "请填写依据或原因" in response.content.decode()
    assert not WorkdayOverride.objects.exists()


def test_a_basis_with_a_nul_character_is_refused_in_chinese_and_nothing_is_saved(
    keeper_client: Client,
) -> None:
    response = toggle(keeper_client, "2027-01-01", reason="国办发明电\x00〔2026〕", **HTMX)

    assert response.headers["HX-Retarget"] == "#calendar-status"
    assert "依据或原因中含有空字符（NUL），无法保存" in response.content.decode()
    assert not WorkdayOverride.objects.exists()
    assert not CalendarChange.objects.exists()


def test_without_javascript_the_form_still_toggles_and_comes_back(keeper_client: Client) -> None:
    response = toggle(keeper_client, "2027-01-01")

    assert response.status_code == 302
    assert response["Location"] == reverse("core:workday_calendar", kwargs={"year": 2027})
    assert WorkdayOverride.objects.filter(day=dt.date(2027, 1, 1)).exists()


def test_declaring_the_year_complete_lets_deadlines_cross_into_it(keeper_client: Client) -> None:
    toggle(keeper_client, "2027-01-01", **HTMX)
    url = reverse("core:calendar_year_complete", kwargs={"year": 2027})

    keeper_client.post(url, {"complete": "true", "reason": "已按通知录入全年"})

    assert CalendarYear.objects.get(year=2027).complete is True
    assert add_workdays(dt.date(2026, 12, 25), 15) == dt.date(2027, 1, 18)
    page = keeper_client.get(reverse("core:workday_calendar", kwargs={"year": 2027}))
    assert "本年度已确认录入完整" in page.content.decode()


def test_declaring_complete_without_a_reason_is_refused(keeper_client: Client) -> None:
    toggle(keeper_client, "2027-01-01", **HTMX)
    url = reverse("core:calendar_year_complete", kwargs={"year": 2027})

    response = keeper_client.post(url, {"complete": "true", "reason": ""}, follow=True)

    assert "请填写依据或原因" in response.content.decode()
    assert not CalendarYear.objects.exists()


def test_menu_shows_calendar_and_parameters_only_to_staff_with_the_parameters_right(
    client: Client, make_user: Any
) -> None:
    client.force_login(make_user("staff", username="plain"))
    plain = client.get(reverse("core:dashboard")).content.decode()
    client.force_login(make_user("staff", username="keeper2", rights=(Right.EDIT_PARAMETERS,)))
    keeper = client.get(reverse("core:dashboard")).content.decode()

    links = (
        f'href="{reverse("core:workday_calendar_today")}"',
        f'href="{reverse("core:parameter_list")}"',
    )
    assert not any(link in plain for link in links)
    assert all(link in keeper for link in links)

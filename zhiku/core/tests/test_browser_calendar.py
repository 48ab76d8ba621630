"""In Chromium: staff enter 2027 in the working-day calendar, and deadlines may then cross into it."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from playwright.sync_api import Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import log_in, menu_go

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASIS = "国办发明电〔2026〕测试号 2027年元旦放假安排"


def _add(*args: str) -> str:
    out = io.StringIO()
    call_command("workdays", "add", *args, stdout=out)
    return out.getvalue()


def test_staff_enter_2027_and_a_deadline_can_then_cross_into_it(
    page: Page, live_server: Any, make_user: Any, screenshot: Any
) -> None:
    make_user("staff", username="keeper", full_name="陈质远", rights=(Right.EDIT_PARAMETERS,))
    with pytest.raises(CommandError, match="2027 年的工作日历尚未录入"):
        _add("2026-12-25", "15")

    log_in(page, live_server.url, "keeper")
    menu_go(page, "工作日历")
    # From the last year the built-in data covers, whatever today's date is.
    page.goto(f"{live_server.url}/workspace/calendar/2026/")
    page.get_by_role("link", name="2027 年 →").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2027 年工作日历")
    expect(page.get_by_text("本年度尚未确认录入完整")).to_be_visible()

    page.get_by_label("依据", exact=True).fill(BASIS)
    new_year = page.locator('button[value="2027-01-01"]')
    new_year.click()
    # Marked as a holiday: the day says 休 and is read out as a rest day.
    expect(new_year).to_contain_text("休")
    expect(new_year).to_have_attribute("aria-label", re.compile("休息日"))
    expect(page.locator("#calendar-status")).to_contain_text("2027-01-01 现为休息日")
    page.locator('button[value="2027-02-20"]').click()
    expect(page.locator('button[value="2027-02-20"]')).to_contain_text("班")
    screenshot(page, "days-entered")

    page.get_by_label("依据或原因").fill(BASIS)
    page.get_by_role("button", name="确认本年度已录入完整").click()
    expect(page.get_by_text("本年度已确认录入完整")).to_be_visible()
    expect(page.locator(".message-success")).to_contain_text("已确认 2027 年工作日历录入完整")
    screenshot(page, "year-complete")

    assert _add("2026-12-25", "15") == "2027-01-18\n"


def test_staff_schedule_a_parameter_change_after_a_clear_error(
    page: Page, live_server: Any, make_user: Any, screenshot: Any
) -> None:
    make_user("staff", username="keeper", full_name="陈质远", rights=(Right.EDIT_PARAMETERS,))
    log_in(page, live_server.url, "keeper")

    menu_go(page, "政策参数")
    expect(page.get_by_role("heading", level=1)).to_have_text("政策参数")
    page.get_by_role("link", name="年龄上限（周岁）：历史与修改").click()
    page.get_by_label("新值").fill("200")
    page.get_by_label("生效日期").fill("2099-01-01")
    page.get_by_label("修改原因").fill("理事会决议")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".errorlist")).to_contain_text("新值不能大于 80")
    screenshot(page, "error")

    page.get_by_label("新值").fill("63")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".message-success")).to_contain_text(
        "已设定“年龄上限（周岁）”自 2099-01-01 起为 63"
    )
    expect(page.get_by_text("已排定，尚未生效")).to_be_visible()
    screenshot(page, "scheduled")
    page.get_by_role("link", name="← 全部政策参数").click()
    expect(page.get_by_text("2099-01-01 起改为 63")).to_be_visible()
    screenshot(page, "list")

"""In Chromium: every role signs in, sees its own workspace, and is refused another role's page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# role, heading of its home, another role's page it must not reach
JOURNEYS = [
    ("staff", "工作台", "/accounts/manage/"),
    ("council", "理事会工作台", "/workspace/dashboard/"),
    ("supervisor", "监督工作台", "/workspace/council/"),
    ("security_admin", "账户与权限", "/workspace/audit/"),
    ("auditor", "审计日志", "/workspace/dashboard/"),
    ("expert", "专家个人空间", "/workspace/dashboard/"),
]


@pytest.mark.parametrize(("role", "heading", "forbidden"), JOURNEYS, ids=[j[0] for j in JOURNEYS])
def test_each_role_sees_its_workspace_and_is_refused_another(
    page: Page,
    live_server: Any,
    make_user: Any,
    screenshot: Any,
    role: str,
    heading: str,
    forbidden: str,
) -> None:
    rights = (Right.RUN_DRAWS,) if role == "staff" else ()
    make_user(role, username=f"b-{role}", full_name=f"浏览器{role}", rights=rights)

    log_in(page, live_server.url, f"b-{role}")

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator(".who")).to_contain_text(f"浏览器{role}")
    screenshot(page, "home")
    page.goto(live_server.url + forbidden)
    expect(page.get_by_role("heading", level=1)).to_have_text("无权访问")
    screenshot(page, "refused")
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(live_server.url + "/")


def test_security_admin_grants_a_right_and_staff_sees_it(
    page: Page, live_server: Any, make_user: Any, screenshot: Any
) -> None:
    make_user("security_admin", username="sa", full_name="林安宁")
    make_user("staff", username="clerk", full_name="陈质远")

    log_in(page, live_server.url, "sa")
    page.get_by_role("link", name="clerk").click()
    page.get_by_label("授予权限").select_option(label="组织随机抽取")
    page.get_by_label("授予原因").fill("负责第四季度抽取")
    page.get_by_role("button", name="授予", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已授予权限")
    expect(page.locator("table")).to_contain_text("负责第四季度抽取")
    screenshot(page, "granted")
    page.get_by_role("button", name="退出登录").click()

    log_in(page, live_server.url, "clerk")
    expect(page.get_by_test_id("rights").locator(".held")).to_have_text(["✔ 组织随机抽取"])


def test_home_page_fits_a_phone_screen(browser: Any, live_server: Any, screenshot: Any) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("广东省质量发展智库")
    expect(page.get_by_role("link", name="登录")).to_be_hidden()
    page.get_by_text("菜单").click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    screenshot(page, "phone")
    context.close()


def test_ten_wrong_passwords_show_the_lockout_page(
    page: Page, live_server: Any, make_user: Any, screenshot: Any
) -> None:
    make_user("staff", username="forgetful")
    for _ in range(10):
        log_in(page, live_server.url, "forgetful", "not-the-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("账户已锁定")
    log_in(page, live_server.url, "forgetful")
    expect(page.get_by_role("heading", level=1)).to_have_text("账户已锁定")
    screenshot(page, "locked")

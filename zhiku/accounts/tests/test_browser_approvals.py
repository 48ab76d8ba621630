"""In Chromium: a grant of the reveal right by one security admin does nothing until the other
approves it, and its requester cannot approve it themselves."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from zhiku.accounts.tests.factories import enrol_in_browser, log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REVEAL = "查看受保护的个人信息"


def _rights_of_clerk(page: Page, base: str) -> Any:
    log_in(page, base, "clerk")
    return page.get_by_test_id("rights")


def test_a_reveal_grant_waits_for_the_other_security_admin(
    page: Page, live_server: Any, make_user: Any, screenshot: Any
) -> None:
    base = live_server.url
    make_user("security_admin", username="sa", full_name="林安宁")
    make_user("security_admin", username="sa2", full_name="何守正")
    make_user("staff", username="clerk", full_name="陈质远")

    # The first security admin grants the reveal right: it becomes a request.
    log_in(page, base, "sa")
    page.get_by_role("link", name="clerk").click()
    page.get_by_label("授予权限").select_option(label=f"{REVEAL}（须另一位安全管理员批准）")
    page.get_by_label("授予原因").fill("核对专家身份")
    page.get_by_role("button", name="授予", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("须由另一位安全管理员批准后方才生效")
    page.get_by_test_id("waiting").get_by_role("link").click()
    expect(page.get_by_test_id("status")).to_have_text("待批准")
    expect(page.get_by_role("button", name="批准")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("您本人不能批准")
    screenshot(page, "requested")

    # Approving it oneself, by a forged POST, is refused.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    forged = page.request.post(
        page.url + "approve/", form={"csrfmiddlewaretoken": token, "note": ""}, max_redirects=0
    )
    assert forged.status == 302
    page.reload()
    expect(page.locator(".messages")).to_contain_text("不能批准自己提交的申请")
    expect(page.get_by_test_id("status")).to_have_text("待批准")
    log_out(page)

    # Until approved, the clerk does not hold the right.
    rights = _rights_of_clerk(page, base)
    expect(rights.locator(".not-held", has_text=REVEAL)).to_have_count(1)
    expect(rights.locator(".held", has_text=REVEAL)).to_have_count(0)
    log_out(page)

    # The second security admin finds it on their home page and approves it.
    log_in(page, base, "sa2")
    panel = page.get_by_test_id("approvals")
    expect(panel).to_contain_text("等待您批准（1 项）")
    expect(panel.get_by_test_id("to-decide")).to_contain_text(f"“{REVEAL}”权限")
    screenshot(page, "waiting-for-the-other")
    panel.get_by_role("link", name="审批").click()
    page.get_by_role("button", name="批准").click()
    expect(page.locator(".messages")).to_contain_text("已批准，变更已生效")
    expect(page.get_by_test_id("status")).to_have_text("已批准")
    screenshot(page, "approved")
    log_out(page)

    # Now the clerk holds it, and with it must enrol a second factor before anything else.
    log_in(page, base, "clerk")
    expect(page.get_by_role("heading", name="启用双因素认证")).to_be_visible()
    enrol_in_browser(page)
    page.get_by_role("link", name="我已妥善保存，继续").click()
    rights = page.get_by_test_id("rights")
    expect(rights.locator(".held", has_text=REVEAL)).to_have_count(1)

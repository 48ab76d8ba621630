"""In Chromium: staff add an expert, find them, reveal the number; the expert reports a new
mobile in the expert area; staff confirm it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import PASSWORD, log_in, log_out
from zhiku.core.models import AuditEntry
from zhiku.experts.choices import Region, TitleLevel
from zhiku.experts.tests.factories import make_expert, resident_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ID_NUMBER = resident_number(date(1968, 11, 23), 43)  # odd 17th digit: a man


def test_staff_add_find_reveal_and_confirm_an_experts_new_mobile(
    page: Page, live_server: Any, make_user: Any, screenshot: Any, catalogues: None
) -> None:
    make_user(
        "staff",
        username="registrar",
        full_name="陈质远",
        rights=(Right.REVEAL_PERSONAL_DATA, Right.REVIEW_APPLICATIONS),
    )
    make_expert(name="干扰项", title_level=TitleLevel.INTERMEDIATE, region=Region.SHANTOU)
    base = live_server.url

    # Staff add the expert.
    log_in(page, base, "registrar")
    page.get_by_role("link", name="专家库").first.click()
    page.get_by_role("link", name="录入专家").click()
    screenshot(page, "0-create")
    page.get_by_label("姓名", exact=True).fill("周衡")
    page.get_by_label("性别").select_option(label="男")
    page.get_by_label("出生日期").fill("1968-11-23")
    page.get_by_label("证件类型").select_option(label="居民身份证")
    page.get_by_label("证件号码").fill(ID_NUMBER)
    page.get_by_label("手机号码").fill("13812345678")
    page.get_by_label("电子邮箱").fill("Zhou.Heng@Example.org")
    page.get_by_label("工作单位").fill("中山大学")
    page.get_by_label("单位类型").select_option(label="高校")
    page.get_by_label("职称", exact=True).fill("教授")
    page.get_by_label("职称级别").select_option(label="正高级")
    page.get_by_label("所在地区").select_option(label="珠海市")
    page.get_by_label("主要专业领域").select_option(label="02.01 标准制修订")
    page.get_by_label("工作经历").fill("中山大学，1995-07，至今，是")
    screenshot(page, "1-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("周衡")
    # The first admission of the year: the first pool number of the server's year.
    expect(page.get_by_role("main")).to_contain_text(f"GDQ-{timezone.localdate().year}-0001")

    # Staff open the expert's account and send the set-password e-mail.
    expect(page.get_by_test_id("account-state")).to_contain_text("尚未开设账户")
    page.get_by_role("button", name="开设账户并发送设置密码邮件").click()
    expect(page.get_by_test_id("account-state")).to_contain_text(
        "账户 zhou.heng@example.org 尚未设置密码"
    )
    link = re.search(r"http://\S+/accounts/password/reset/\S+", str(mail.outbox[-1].body))
    assert link is not None and mail.outbox[-1].to == ["zhou.heng@example.org"]

    # Find them by filters.
    page.get_by_role("link", name="← 专家库").click()
    page.get_by_label("职称级别").select_option(label="正高级")
    page.get_by_label("地区").select_option(label="珠海市")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("table.expert-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("中山大学")
    screenshot(page, "2-found")
    rows.first.get_by_role("link", name="周衡").click()

    # Reveal the identity number (htmx swaps it in) and check the audit trail.
    identity = page.locator("#reveal-identity")
    expect(identity).to_have_text(ID_NUMBER[0] + "*" * 16 + ID_NUMBER[-1])
    page.get_by_role("button", name="查看完整号码").first.click()
    expect(page.get_by_test_id("revealed-identity")).to_have_text(ID_NUMBER)
    screenshot(page, "3-revealed")
    assert AuditEntry.objects.filter(action="experts.identity.revealed").count() == 1
    log_out(page)

    # The expert follows the link, sets a password and reports a new mobile (on a phone).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(link.group(0).replace("http://testserver", base))
    passwords = page.locator("input[type=password]")
    passwords.nth(0).fill(PASSWORD)
    passwords.nth(1).fill(PASSWORD)
    page.get_by_role("button", name="设置密码").click()
    log_in(page, base, "zhou.heng@example.org")
    expect(page.get_by_test_id("my-mobile")).to_have_text("138****5678")
    page.get_by_role("link", name="报告信息变更").last.click()
    page.get_by_label("手机号码").fill("13698765432")
    screenshot(page, "4-me-change")
    page.get_by_role("button", name="提交变更").click()
    expect(page.get_by_test_id("my-change-request")).to_contain_text("待确认")
    screenshot(page, "5-me-submitted")
    page.goto(f"{base}/expert/declarations/")
    screenshot(page, "5b-me-declarations")
    page.get_by_text("菜单").click()
    log_out(page)

    # Staff confirm it.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, "registrar")
    page.goto(f"{base}/workspace/experts/changes/")
    card = page.get_by_test_id("change-request")
    expect(card).to_contain_text("136****5432")
    screenshot(page, "6-staff-confirm")
    card.get_by_role("button", name="确认变更").click()
    expect(page.get_by_text("没有待确认的信息变更。")).to_be_visible()
    page.get_by_role("link", name="← 专家库").click()
    page.get_by_role("link", name="周衡").click()
    expect(page.locator("#reveal-mobile")).to_have_text("136****5432")
    screenshot(page, "7-confirmed")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/workspace/experts/?status=active")
    expect(page.locator("table.expert-table tbody tr")).to_have_count(2)
    screenshot(page, "8-list-on-phone")

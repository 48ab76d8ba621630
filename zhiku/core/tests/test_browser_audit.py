"""In Chromium: as auditor, the day's actions read in Chinese, with no action code in the visible
table, and the 操作 filter is a list."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from zhiku.accounts.tests.factories import log_in
from zhiku.core.audit import log_action
from zhiku.core.models import AuditEntry
from zhiku.experts import services
from zhiku.experts.choices import Status
from zhiku.experts.tests.factories import make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogues() -> None:
    """The catalogues of the data migration (a transactional test's flush removed them)."""
    from importlib import import_module

    from django.apps import apps

    import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)


def test_the_auditor_reads_the_days_actions_in_chinese_and_filters_from_a_list(
    page: Page, live_server: Any, make_user: Any, screenshot: Any, catalogues: None
) -> None:
    make_user("auditor", username="auditor", full_name="周审言")
    clerk = make_user("staff", username="clerk", full_name="陈质远")
    expert = make_expert(name="郑博文", status=Status.ACTIVE)
    services.expert_status_change(
        actor=clerk, expert=expert, to_status=Status.SUSPENDED, on=date(2026, 3, 2), reason="出国"
    )
    services.conflict_declare(
        actor=clerk, expert=expert, kind="organisation", party="美的集团", reason="曾任职"
    )
    log_action("accounts.right.granted", actor=clerk, changes={"value": ["", "run_draws"]})
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill("nobody")
    page.get_by_label("密码").fill("wrong-password-1")
    page.get_by_role("button", name="登录").click()

    log_in(page, base, "auditor")
    today = timezone.localdate().isoformat()
    page.get_by_label("起始日期").fill(today)
    page.get_by_label("截止日期").fill(today)
    page.get_by_role("button", name="筛选").click()

    table = page.locator("table.audit-table")
    expect(table).to_contain_text("专家状态变更")
    expect(table).to_contain_text("状态：在库 → 暂停")
    expect(table).to_contain_text("类型：单位")
    expect(table).to_contain_text("权限：（空） → 组织随机抽取")
    expect(table).to_contain_text("登录失败")
    expect(table).to_contain_text("登录")
    screenshot(page, "trail")
    visible = table.inner_text()
    codes = set(AuditEntry.objects.values_list("action", flat=True))
    assert len(codes) >= 5
    assert [code for code in codes if code in visible] == []
    assert "organisation" not in visible and "suspended" not in visible

    # The 操作 filter is a list of the declared actions, grouped by app.
    action = page.get_by_label("操作", exact=True)
    assert action.evaluate("el => el.tagName") == "SELECT"
    action.select_option(label="专家状态变更")
    page.get_by_role("button", name="筛选").click()

    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("郑博文")
    expect(page.get_by_label("操作", exact=True)).to_have_value("experts.status.changed")
    screenshot(page, "filtered")

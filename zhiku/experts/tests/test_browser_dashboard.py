"""In Chromium: the staff dashboard (工作台) lists what waits, each item from its app, each link
working; a reviewer sees only what their rights let them act on."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import log_in, log_out
from zhiku.experts import services
from zhiku.experts.choices import Status
from zhiku.experts.models import ImportJob
from zhiku.experts.tests.factories import make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Early December, when next year's working-day calendar must be entered.
NOW = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)


def _row(page: Page, title: str) -> Any:
    return page.get_by_test_id("dashboard").get_by_role("row").filter(has_text=title)


def test_dashboard_lists_what_waits_with_working_links_and_only_what_each_may_act_on(
    page: Page, live_server: Any, make_user: Any, screenshot: Any, catalogues: None
) -> None:
    staff = make_user("staff", username="duty", full_name="陈质远", rights=tuple(Right.values))
    make_user("staff", username="rev", full_name="黄立诚", rights=(Right.REVIEW_APPLICATIONS,))
    holder = make_user("expert", username="zheng", full_name="郑博文")
    mine = make_expert(name="郑博文", user=holder)
    make_expert(name="高龄专家", birth_date=dt.date(1956, 3, 2), status=Status.ACTIVE)
    base = live_server.url
    with time_machine.travel(NOW, tick=True):
        services.change_request_submit(actor=holder, expert=mine, changes={"position": "总工程师"})
        ImportJob.objects.create(
            created_by=staff,
            created_at=timezone.now(),
            finished_at=timezone.now(),
            status=ImportJob.Status.FAILED,
            file_name="二〇二六年名单.xlsx",
            message="导入过程中出现系统错误，未写入任何数据。",
        )

        log_in(page, base, "duty")
        expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()
        screenshot(page, "staff-dashboard")
        changes = _row(page, "专家提交的信息变更待确认")
        expect(changes).to_contain_text("1")
        over_age = _row(page, "在库专家超龄")
        expect(over_age).to_contain_text("1")
        failed = _row(page, "我上传的专家名单未能导入")
        expect(failed).to_contain_text("二〇二六年名单.xlsx")
        calendar = _row(page, "2027 年工作日历尚未录入")
        expect(calendar).to_be_visible()

        changes.get_by_role("link").click()
        expect(page.get_by_test_id("change-request")).to_contain_text("郑博文")
        page.go_back()
        over_age.get_by_role("link").click()
        expect(page.get_by_role("table")).to_contain_text("高龄专家")
        expect(page.get_by_role("table")).not_to_contain_text("郑博文")
        page.go_back()
        failed.get_by_role("link").click()
        expect(page.get_by_role("main")).to_contain_text("未导入（系统错误）")
        page.go_back()
        calendar.get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("2027")
        log_out(page)

        log_in(page, base, "rev")
        screenshot(page, "reviewer-dashboard")
        expect(_row(page, "专家提交的信息变更待确认")).to_be_visible()
        expect(_row(page, "在库专家超龄")).to_be_visible()
        # Another's import is not theirs to see; the calendar needs the parameters right.
        expect(_row(page, "我上传的专家名单未能导入")).to_have_count(0)
        expect(_row(page, "工作日历尚未录入")).to_have_count(0)

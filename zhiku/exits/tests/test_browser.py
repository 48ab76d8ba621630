"""In Chromium, a voluntary exit from the expert's request to the public announcement: the expert
asks in the expert area; staff find the case on the dashboard, record the verification, send the
written notice (the PDF e-mailed) and announce the exit; the public reads the announcement
(name, organisation, date, no ground); the expert, now 已出库, signs in to read it all. Then the
expert cannot be drawn, designated or invited, and an expert who left on ground 3 with a bar is
refused a new application, told until when."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import Page, expect

from zhiku.accounts.tests.factories import log_in, log_out, make_account
from zhiku.activities import services as activities
from zhiku.activities.choices import DesignationReason, Reason
from zhiku.activities.errors import DesignationError
from zhiku.activities.pool import Conditions
from zhiku.activities.tests.factories import make_activity, open_draw, operator, supervisor
from zhiku.exits import services
from zhiku.exits.choices import Ground
from zhiku.exits.models import ExitCase
from zhiku.exits.tests.factories import expert_with_account, notified_case
from zhiku.experts.choices import Status
from zhiku.experts.tests.factories import make_expert
from zhiku.recruitment.tests.factories import NOW, make_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def nav(page: Page, base: str, label: str) -> None:
    """Follow the signed-in menu's link ``label`` (wherever the menu keeps it)."""
    link = page.locator("nav").get_by_role("link", name=label, exact=True, include_hidden=True)
    href = link.first.get_attribute("href")
    assert href, label
    page.goto(base + href)


def test_voluntary_exit_from_request_to_announcement_then_out_of_every_draw(
    page: Page, live_server: Any, screenshot: Any, catalogues: None
) -> None:
    with time_machine.travel(NOW, tick=True):
        base = live_server.url
        leaving = expert_with_account(
            "lin", name="林自愿", organisation="中山大学", email="lin@example.org"
        )
        make_account("staff", username="clerk", full_name="周办理")
        make_expert(name="在库专家")  # someone left to draw

        # The expert asks to leave, in the expert area.
        log_in(page, base, "lin")
        nav(page, base, "退出智库")
        page.get_by_role("link", name="申请退出智库").click()
        page.get_by_role("button", name="提交退出申请").click()
        expect(page.get_by_role("main")).to_contain_text("请填写退出智库的理由。")
        page.get_by_label("退出理由").fill("已退休，不再从事质量工作。")
        page.get_by_label("我确认书面申请不再担任智库专家").check()
        page.get_by_role("button", name="提交退出申请").click()
        expect(page.get_by_role("main")).to_contain_text("已收到您的退出申请")
        expect(page.get_by_test_id("my-case-status")).to_have_text("待核实")
        screenshot(page, "expert-request")
        log_out(page)

        # Staff find it on the dashboard and verify it.
        log_in(page, base, "clerk")
        expect(page.get_by_test_id("dashboard")).to_contain_text("出库案件待核实")
        page.get_by_test_id("dashboard").get_by_role("row").filter(
            has_text="出库案件待核实"
        ).get_by_role("link").click()
        expect(page.get_by_test_id("case-list")).to_contain_text("专家本人申请")
        page.get_by_test_id("case-row").get_by_role("link", name=re.compile(r"^第 \d+ 号$")).click()
        expect(page.get_by_test_id("case-facts")).to_have_text("已退休，不再从事质量工作。")
        page.get_by_label("核实情况").fill("2026-09-14 电话联系本人，确认退出出于本人意愿。")
        page.get_by_label("核实结论").fill("本人书面申请属实，同意其退出智库。")
        page.get_by_role("button", name="记录核实情况和结论").click()
        expect(page.get_by_test_id("case-status")).to_have_text("已核实，待书面告知")

        # The written notice: made, kept on the case and e-mailed with the PDF.
        page.get_by_role("button", name="生成并发送书面告知书").click()
        expect(page.get_by_role("main")).to_contain_text(
            "已生成书面告知书，并已发送至 lin@example.org"
        )
        expect(page.get_by_test_id("case-status")).to_have_text("已书面告知，待公告")
        expect(page.get_by_test_id("notice")).to_contain_text("出库书面告知书")
        (letter,) = [m for m in mail.outbox if "出库书面告知" in m.subject]
        assert letter.to == ["lin@example.org"]
        assert letter.attachments[0][1][:5] == b"%PDF-"
        screenshot(page, "case-notified")

        # The exit is announced; the ground stays unpublished.
        page.get_by_role("link", name="去公告出库").click()
        page.get_by_role("group", name="公告出库的专家（已书面告知）").get_by_label(
            re.compile("林自愿")
        ).check()
        page.get_by_label("已核实上述专家均已收到书面告知，确认在官网公告其出库").check()
        page.get_by_role("button", name="发布出库公告").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "2026 年广东省质量发展智库专家出库公告"
        )
        log_out(page)

        # The public reads it on the portal.
        page.goto(base + "/announcements/")
        page.get_by_role("link", name="2026 年广东省质量发展智库专家出库公告").click()
        entries = page.get_by_test_id("announcement-entries")
        expect(entries).to_contain_text("林自愿")
        expect(entries).to_contain_text("中山大学")
        expect(entries).to_contain_text("出库日期：2026-09-14")
        expect(entries).to_contain_text(leaving.pool_number or "")
        expect(page.get_by_role("main")).not_to_contain_text("本人书面申请")
        screenshot(page, "public-announcement")

        # The expert, now out of the pool, signs in and reads their history.
        log_in(page, base, "lin")
        expect(page.get_by_role("main")).to_contain_text("已出库")
        nav(page, base, "退出智库")
        expect(page.get_by_test_id("exited-note")).to_contain_text("您已出库")
        expect(page.get_by_test_id("my-case-status")).to_have_text("已出库")
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile("下载")).click()
        assert download.value.suggested_filename.endswith(".pdf")
        expect(page.get_by_role("link", name="申请退出智库")).to_have_count(0)
        log_out(page)

        leaving.refresh_from_db()
        assert leaving.status == Status.EXITED

        # Out of every draw, designation and invitation.
        op, sv = operator(), supervisor()
        start = dt.date(2026, 10, 15)
        activity = make_activity(op, experts_needed=1, start_date=start, end_date=start)
        pool = activities.draw_preview(
            actor=op,
            activity=activity,
            setup=activities.DrawSetup(places=1, conditions=Conditions(), strata={}, supervisor=sv),
            today=NOW.date(),
        )
        excluded = {e.label: e.reasons for e in pool.excluded}
        assert excluded[leaving.pool_number or ""] == (Reason.EXITED,)
        with pytest.raises(DesignationError, match="林自愿"):
            activities.designation_create(
                actor=op,
                activity=activity,
                reason=DesignationReason.COMPLEX,
                justification="技术特别复杂，随机抽取的专家难以胜任，须由该专家参加。",
                experts=[leaving],
            )
        draw = open_draw(op, activity, sv, places=1)
        activities.draw_witness(actor=sv, draw=draw, value="20260914")
        (candidate,) = draw.candidates.select_related("expert")
        assert candidate.expert.name == "在库专家"  # drawn and invited in their place
        assert not leaving.invitations.exists()

        # An expert who left on ground 3, barred from applying again, is told until when.
        barred = expert_with_account("wang", name="王受限")
        clerk = make_account("staff", username="clerk")
        case = notified_case(clerk, barred, Ground.IRRESPONSIBLE, bars_reapplication=True)
        services.exit_cases_announce(actor=clerk, cases=[case])
        call = make_call()
        log_in(page, base, "wang")
        page.goto(f"{base}/calls/{call.pk}/")
        page.get_by_role("link", name="开始填写入库申请").click()
        page.get_by_label(re.compile("我已阅读并同意《个人信息处理告知书》")).check()
        page.get_by_role("button", name="同意并开始填写").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "出库之日起 3 年内（至 2029-09-14）不得重新申请入库"
        )
        screenshot(page, "reapplication-refused")
        assert ExitCase.objects.get(pk=case.pk).barred_until is not None

"""In Chromium: staff create an activity, set the conditions, see the pool with the recused
experts and their reasons, freeze it; the supervisor, in their own session, checks the
commitment and types the witness value; staff print the draw sheet, record a decline given by
telephone, run the top-up round, close the activity; the record they download verifies."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import log_in, menu_go
from zhiku.activities.models import Draw
from zhiku.activities.tests.factories import accept
from zhiku.core.tests.factories import pdf_text
from zhiku.experts.models import Conflict, Employment, ExpertiseField
from zhiku.experts.tests.factories import make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2026, 5, 6, 1, 30, tzinfo=dt.UTC)  # 09:30 in Guangzhou
CHECKER = Path(__file__).resolve().parents[3] / "zhiku" / "verify.py"


def test_a_draw_from_conditions_to_a_verified_record(
    page: Page,
    browser: Browser,
    live_server: Any,
    make_user: Any,
    screenshot: Any,
    catalogues: None,
    time_machine: Any,
    tmp_path: Path,
) -> None:
    time_machine.move_to(NOW, tick=True)
    make_user("staff", username="operator", full_name="李抽取", rights=(Right.RUN_DRAWS,))
    witness = make_user("supervisor", username="witness", full_name="王监督")
    field = ExpertiseField.objects.get(code="01.01")
    for i in range(6):
        make_expert(name=f"候选{i}", primary=field)
    past = make_expert(name="曾在被评单位", primary=field)
    Employment.objects.create(
        expert=past,
        organisation="广州某某检测有限公司",
        start=dt.date(2015, 3, 1),
        end=dt.date(2024, 5, 1),
    )
    conflicted = make_expert(name="声明利害关系", primary=field)
    Conflict.objects.create(
        expert=conflicted,
        kind=Conflict.Kind.ORGANISATION,
        party="广州某某检测有限责任公司",
        reason="配偶任职",
        declared_at=NOW,
        declared_by=witness,
    )
    base = live_server.url

    # The operator creates the activity.
    log_in(page, base, "operator")
    menu_go(page, "活动与抽取")
    page.get_by_role("link", name="新建活动").click()
    page.get_by_label("活动类型").select_option(label="评估")
    page.get_by_label("活动名称").fill("广州某某检测有限责任公司质量管理体系评估")
    page.get_by_label("开始日期").fill("2026-06-15")
    page.get_by_label("结束日期").fill("2026-06-16")
    page.get_by_label("地点").fill("广州市天河区")
    page.get_by_label("所需专家人数").fill("3")
    page.get_by_label("委托单位").fill("广东省市场监督管理局")
    page.get_by_label("被评单位（涉及单位）").fill("广州某某检测有限责任公司 ")
    page.get_by_role("button", name="创建活动").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "广州某某检测有限责任公司质量管理体系评估"
    )

    # Conditions, then the preview of the pool with the recused and their reasons.
    page.get_by_role("link", name="设定条件并随机抽取").click()
    page.get_by_label("专业领域").select_option(label="01 【质量管理】")
    page.get_by_label("正高级").check()
    page.get_by_label("监督人").select_option(label="王监督")
    page.get_by_role("button", name="预览候选池").click()
    preview = page.locator("#preview")
    expect(preview.get_by_test_id("preview-strata")).to_contain_text("6")
    expect(preview.get_by_test_id("reason-worked_for")).to_contain_text("曾在被评单位")
    expect(preview.get_by_test_id("reason-conflict")).to_contain_text("声明利害关系")
    screenshot(page, "1-preview")
    page.get_by_role("button", name="冻结名单并公布承诺值").click()
    expect(page.get_by_test_id("draw-status")).to_have_text("待抽取")
    commitment = page.get_by_test_id("commitment").inner_text()
    draw_url = page.url

    # The supervisor, in their own session, checks the commitment and types the value.
    other = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    supervisor_page = other.new_page()
    log_in(supervisor_page, base, "witness")
    expect(supervisor_page.get_by_role("heading", level=1)).to_have_text("监督工作台")
    supervisor_page.get_by_role("link", name="核对并录入见证值").click()
    expect(supervisor_page.get_by_test_id("commitment")).to_have_text(commitment)
    supervisor_page.get_by_role("textbox", name="见证值").fill("73914062")
    supervisor_page.get_by_role("button", name="录入见证值").click()
    expect(supervisor_page.get_by_test_id("round-1").locator("li")).to_have_count(3)
    screenshot(supervisor_page, "2-supervisor")
    other.close()

    # Back with the operator: the result, the draw sheet, one candidate declines.
    page.goto(draw_url)
    round1 = page.get_by_test_id("round-1")
    expect(round1.locator("tbody tr")).to_have_count(3)
    expect(page.get_by_test_id("witness-value")).to_have_text("73914062")
    draw = Draw.objects.get()
    sheet = page.request.get(f"{base}/workspace/activities/draws/{draw.pk}/sheet.pdf")
    flat = "".join(pdf_text(sheet.body()).split())
    assert "随机抽取记录表" in flat and "监督人（签字）" in flat and "73914062./" in flat

    first, second, third = draw.candidates.order_by("rank")
    # The first declines by telephone: the operator records it for them, marked as theirs.
    page.get_by_test_id(f"candidate-{first.label}").get_by_role("link").click()
    page.get_by_label("时间冲突").check()
    page.get_by_label("说明（选择“其他”时必填）").fill("评估期间出国")
    page.locator("form", has=page.get_by_role("button", name="记录：拒绝")).get_by_label(
        "联系情况"
    ).fill("5 月 6 日 10:30 电话联系本人")
    page.get_by_role("button", name="记录：拒绝").click()
    expect(page.get_by_text("已代专家记录答复，并标明由您记录。")).to_be_visible()
    expect(page.get_by_test_id("answer")).to_contain_text("工作人员代为记录")
    for c in (second, third):
        accept(c)
    page.goto(draw_url)

    # The top-up round: the next one-time code, exactly the shortfall.
    page.get_by_role("button", name="开始第 2 轮补充抽取").click()
    round2 = page.get_by_test_id("round-2")
    expect(round2).to_contain_text("第 2 轮（补充抽取）")
    expect(round2).to_contain_text("时间冲突，工作人员代为记录")
    expect(round2.locator("tbody tr")).to_have_count(1)
    screenshot(page, "3-top-up")

    # The activity closes; the record, secret revealed, verifies with the standalone checker.
    page.get_by_role("link", name="广州某某检测有限责任公司质量管理体系评估").first.click()
    page.get_by_role("button", name="结束活动").click()
    expect(page.get_by_test_id("activity-status")).to_have_text("已结束")
    page.goto(draw_url)
    page.get_by_role("button", name="在门户公布").click()
    expect(page.get_by_text("抽取记录已在门户公布。")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载抽取记录（JSON）").click()
    path = tmp_path / "record.json"
    download.value.save_as(path)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["one_time_code"]["secret"] and len(record["rounds"]) == 2
    result = subprocess.run(
        [sys.executable, "-I", "-S", str(CHECKER), str(path)], capture_output=True, text=True
    )
    assert (result.returncode, result.stdout) == (0, "OK\n")

"""In Chromium: after a seminar, its staff member scores the two experts who attended on the
anchored scale; runs the yearly assessment, grades by the thresholds and confirms it; and
downloads one expert's dossier, whose text (pdftotext) shows the scores and the training
attended. The expert then reads the result in the expert area and answers it in writing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import log_in, log_out, menu_go
from zhiku.core.tests.factories import pdf_text
from zhiku.evaluations.models import AssessmentResponse, Evaluation
from zhiku.evaluations.tests.factories import expert_with_account, held_training, served_activity
from zhiku.experts.tests.factories import make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2027, 1, 8, 2, 0, tzinfo=dt.UTC)  # Friday 10:00 in Guangzhou
INVITED = dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC)
SEMINAR = "2026 年广东省质量发展形势座谈研讨会"


def score_card(
    page: Page, pool_number: str, scores: tuple[int, int, int, int], comment: str
) -> None:
    card = page.get_by_test_id(f"score-{pool_number}")
    for label, value in zip(("工作态度", "专业水平", "知识面", "表达能力"), scores, strict=True):
        card.get_by_label(label, exact=True).select_option(str(value))
    card.get_by_label("评语（可选）").fill(comment)
    card.get_by_role("button", name="保存评价").click()
    expect(page.get_by_role("status")).to_contain_text("已保存")


def test_score_two_experts_assess_the_year_confirm_and_download_a_dossier(
    page: Page,
    live_server: Any,
    make_user: Any,
    screenshot: Any,
    catalogues: None,
    time_machine: Any,
) -> None:
    time_machine.move_to(NOW, tick=True)
    owner = make_user("staff", username="owner", full_name="李负责", rights=(Right.EXPORT_DATA,))
    approver = make_user(
        "staff", username="approver", full_name="赵批准", rights=(Right.APPROVE_DESIGNATIONS,)
    )
    zheng = expert_with_account("zheng", name="郑博文", pool_number="GDQ-2026-0001")
    lin = make_expert(name="林质安", pool_number="GDQ-2026-0002")
    make_expert(name="陈未参加", pool_number="GDQ-2026-0003")  # in the pool, no service
    held_training(owner, dt.date(2026, 5, 12), attended=[zheng], title="质量强省建设政策解读")
    served_activity(
        owner,
        approver,
        [zheng, lin],
        start=dt.date(2026, 11, 20),
        invited_at=INVITED,
        title=SEMINAR,
    )
    base = live_server.url

    # Scores: each expert who attended, on the anchored scale.
    log_in(page, base, "owner")
    menu_go(page, "活动评价")
    page.get_by_role("link", name=SEMINAR).click()
    expect(page.get_by_role("heading", name="评价专家")).to_be_visible()
    expect(
        page.get_by_test_id("score-GDQ-2026-0001").get_by_label("工作态度", exact=True)
    ).to_contain_text("5 — 高度负责、严谨细致")
    score_card(page, "GDQ-2026-0001", (5, 4, 4, 3), "研讨发言切中要点")
    score_card(page, "GDQ-2026-0002", (4, 4, 3, 4), "书面建议具体")
    screenshot(page, "1-scored")
    assert Evaluation.objects.count() == 2

    # The yearly assessment: by default the year just ended.
    menu_go(page, "专家考核")
    page.get_by_role("link", name="进行考核").click()
    expect(page.get_by_label("考核名称")).to_have_value("2026 年度专家考核")
    expect(page.get_by_label("考核期起")).to_have_value("2026-01-01")
    page.get_by_role("button", name="计算考核结果").click()
    expect(page.get_by_test_id("assessment-status")).to_have_text("待确认")
    # 郑博文: (5, 4, 4, 3) with equal weights, 4.00 of 5, 80 of 100: 合格 by the thresholds.
    row = page.get_by_test_id("result-GDQ-2026-0001")
    expect(row.get_by_test_id("overall")).to_have_text("4.00")
    expect(row).to_contain_text("合格")
    expect(row).to_contain_text("1 / 1")  # the training attended, of the one invited to
    expect(page.get_by_test_id("result-GDQ-2026-0003")).to_contain_text("—")
    screenshot(page, "2-assessment-computed")
    page.get_by_role("button", name=re.compile(r"其余 2 位按分数线评定等次")).click()
    page.get_by_role("button", name="确认考核结果").click()
    expect(page.get_by_test_id("assessment-status")).to_have_text("已确认")
    expect(row).to_contain_text("合格")
    screenshot(page, "3-assessment-confirmed")

    # The dossier, as a PDF: the scores and the training attended are in it.
    row.get_by_role("link", name="郑博文").click()
    expect(
        page.get_by_role("heading", name=re.compile("郑博文（GDQ-2026-0001）的综合考核档案"))
    ).to_be_visible()
    screenshot(page, "4-dossier")
    href = page.get_by_role("link", name="下载 PDF").get_attribute("href")
    response = page.request.get(f"{base}{href}")
    assert response.headers["content-type"] == "application/pdf"
    layout = pdf_text(response.body())
    text = "".join(layout.split())
    assert "专家综合考核档案" in text and "郑博文" in text
    # The evaluation's row: 工作态度 5, 专业水平 4, 知识面 4, 表达能力 3, of 5, and the comment.
    assert re.search(r"5\s+4\s+4\s+3\s+5", layout), layout
    assert "研讨发言" in text
    assert "2026年度专家考核" in text and "4.00" in text and "合格" in text
    assert "质量强省建设政策解读" in text and "出席" in text
    assert "生成时间：2027-01-08" in text and "第1页，共" in text
    log_out(page)

    # The expert reads the result and answers it in writing.
    log_in(page, base, "zheng")
    menu_go(page, "我的评价与考核")
    result = page.locator("article.assessment-result")
    expect(result).to_contain_text("2026 年度专家考核：合格")
    expect(page.get_by_test_id("my-evaluations")).to_contain_text("研讨发言切中要点")
    result.get_by_label("书面回应（可选）").fill("感谢评价，明年将多参加培训。")
    result.get_by_role("button", name="提交回应").click()
    expect(page.get_by_role("status")).to_contain_text("书面回应已提交")
    expect(result).to_contain_text("感谢评价，明年将多参加培训。")
    screenshot(page, "5-expert-area")
    assert AssessmentResponse.objects.get().result.expert == zheng

"""In Chromium: a round's invitations go out (letter, e-mail, the SMS log); one expert declines by
their personal link as 专业不熟悉, one accepts in the expert area with both declarations, one
lets the deadline pass; the top-up round invites the shortfall; a designation is refused when
its proposer approves it and approved by a second member of staff; after the activity,
attendance and a fee are recorded; the expert sees it all in the expert area."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import log_in, menu_go
from zhiku.activities import services
from zhiku.activities.choices import AnsweredVia, InvitationStatus
from zhiku.activities.models import Candidate, Draw, Invitation
from zhiku.activities.pool import Conditions
from zhiku.activities.services.links import link_token
from zhiku.activities.tests.factories import make_activity, open_draw
from zhiku.core.tests.factories import pdf_text
from zhiku.experts import crypto
from zhiku.experts.choices import TitleLevel
from zhiku.experts.models import Expert, ExpertiseField
from zhiku.experts.tests.factories import make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2026, 5, 6, 1, 30, tzinfo=dt.UTC)  # Wednesday 09:30 in Guangzhou
PAST_DEADLINE = dt.datetime(2026, 5, 11, 1, 0, tzinfo=dt.UTC)  # Monday, after 9 May 24:00
AFTER_ACTIVITY = dt.datetime(2026, 6, 17, 1, 0, tzinfo=dt.UTC)
LINK = re.compile(r"http://\S+/invitations/[\w-]+/")


def link_of(outbox: Any, expert: Expert) -> str:
    """The personal link in the latest text message to ``expert`` (as they would read it)."""
    number = crypto.decrypt(expert.mobile_token)
    texts = [m.text for m in outbox if m.number == number]
    found = LINK.search(texts[-1])
    assert found is not None
    return found.group(0)


def test_invitations_answers_top_up_designation_attendance_and_the_expert_area(
    page: Page,
    browser: Browser,
    live_server: Any,
    make_user: Any,
    screenshot: Any,
    catalogues: None,
    time_machine: Any,
    sms_outbox: Any,
    settings: Any,
) -> None:
    time_machine.move_to(NOW, tick=True)
    settings.ZHIKU_SITE_URL = live_server.url
    operator = make_user(
        "staff",
        username="operator",
        full_name="李抽取",
        rights=(Right.RUN_DRAWS, Right.APPROVE_DESIGNATIONS),
    )
    make_user(
        "staff", username="approver", full_name="赵批准", rights=(Right.APPROVE_DESIGNATIONS,)
    )
    witness = make_user("supervisor", username="witness", full_name="王监督")
    field = ExpertiseField.objects.get(code="01.01")
    experts = []
    for i in range(5):
        account = make_user("expert", username=f"expert{i}", full_name=f"专家{i}号")
        experts.append(
            make_expert(
                name=f"专家{i}号", user=account, email=f"expert{i}@example.org", primary=field
            )
        )
    designated = make_expert(
        name="锂电专家", title_level=TitleLevel.ASSOCIATE_SENIOR, email="lidian@example.org"
    )
    activity = make_activity(
        operator,
        title="锂电池企业质量管理体系评估",
        experts_needed=3,
        staff=[operator],
    )
    draw = open_draw(
        operator, activity, witness, places=3, conditions=Conditions(title_levels=("senior",))
    )
    services.draw_witness(actor=witness, draw=draw, value="73914062")
    first, second, third = (c.expert for c in Candidate.objects.filter(draw=draw).order_by("rank"))
    assert second.user is not None
    second_account = second.user.username
    base = live_server.url

    # The invitations went out with the round: three texts, three e-mails, each logged.
    assert len(sms_outbox) == 3 and len(mail.outbox) == 3
    log_in(page, base, "operator")
    page.goto(f"{base}/workspace/activities/{activity.pk}/")
    roster = page.get_by_test_id("roster")
    expect(roster.locator("tbody tr")).to_have_count(3)
    expect(roster).to_contain_text("待答复")
    roster.get_by_test_id(f"roster-{first.pool_number}").get_by_role("link").click()
    deliveries = page.get_by_test_id("deliveries")
    expect(deliveries.get_by_test_id("delivery-sms")).to_contain_text("已发送")
    expect(deliveries.get_by_test_id("delivery-sms")).to_contain_text("139")
    expect(deliveries.get_by_test_id("delivery-email")).to_contain_text("已发送")
    href = page.get_by_role("link", name="邀请函（PDF）").get_attribute("href")
    letter = page.request.get(f"{base}{href}")
    letter_text = "".join(pdf_text(letter.body()).split())
    assert (
        "邀请函" in letter_text
        and first.name in letter_text
        and "2026年5月9日24:00前" in letter_text
    )
    screenshot(page, "1-invitation-sent")

    # The first declines by the personal link in their text message: 专业不熟悉.
    anonymous = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    link_page = anonymous.new_page()
    link_page.goto(link_of(sms_outbox, first))
    expect(link_page.get_by_role("heading", level=1)).to_contain_text("锂电池企业质量管理体系评估")
    link_page.get_by_label("专业不熟悉").check()
    link_page.get_by_role("button", name="拒绝邀请").click()
    expect(link_page.get_by_test_id("done")).to_contain_text("您已拒绝邀请（专业不熟悉）")
    link_page.goto(link_of(sms_outbox, first))
    expect(link_page.get_by_test_id("closed")).to_contain_text("链接不再有效")
    anonymous.close()

    # The second accepts in the expert area, with both declarations.
    area = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    expert_page = area.new_page()
    log_in(expert_page, base, second_account)
    expert_page.get_by_role("link", name="我的邀请与活动").click()
    expert_page.get_by_test_id("open-invitations").get_by_role("link").click()
    expert_page.get_by_role("button", name="声明并接受邀请").click()
    expect(expert_page.get_by_text("接受邀请须声明不存在利害关系。")).to_be_visible()
    expert_page.get_by_label("不存在利害关系").check()
    expert_page.get_by_label("严格保密").check()
    expert_page.get_by_role("button", name="声明并接受邀请").click()
    expect(expert_page.get_by_text("您已接受邀请，感谢您的支持。")).to_be_visible()
    screenshot(expert_page, "2-accepted-in-the-expert-area")
    area.close()

    # The third lets the deadline pass: counted as declined; the top-up invites the shortfall.
    time_machine.move_to(PAST_DEADLINE, tick=True)
    log_in(page, base, "operator")
    page.goto(f"{base}/workspace/activities/draws/{draw.pk}/")
    expect(page.get_by_test_id("state")).to_contain_text(
        "已确认 1 / 3 人；待答复 0 人；已离开 2 人"
    )
    page.get_by_role("button", name="开始第 2 轮补充抽取").click()
    round2 = page.get_by_test_id("round-2")
    expect(round2).to_contain_text("专业不熟悉")
    expect(round2).to_contain_text("未在答复期限内答复")
    expect(round2.locator("tbody tr")).to_have_count(2)
    expect(round2).to_contain_text("待答复")
    assert len(sms_outbox) == 5 and len(mail.outbox) == 5
    assert Invitation.objects.get(expert=third).status == InvitationStatus.LAPSED
    screenshot(page, "3-top-up-invited")

    # A designation: refused when its proposer approves it, approved by a second member of staff.
    page.goto(f"{base}/workspace/activities/{activity.pk}/")
    page.get_by_role("link", name="提出指定专家").click()
    page.get_by_label("指定的专家（专家编号）").fill(str(designated.pool_number))
    page.get_by_label("技术特别复杂").check()
    page.get_by_label("书面说明").fill(
        "评估涉及锂电池热失控检测，抽取的专家均不熟悉，须由该领域专家参加。"
    )
    page.get_by_role("button", name="提出指定").click()
    page.get_by_role("button", name="批准指定").click()
    expect(page.get_by_text("不能处理自己的指定")).to_be_visible()
    expect(page.get_by_test_id("designation-status")).to_have_text("待批准")
    other = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    approver_page = other.new_page()
    log_in(approver_page, base, "approver")
    expect(
        approver_page.get_by_role("cell", name="指定专家待批准（第十九条）", exact=True)
    ).to_be_visible()
    menu_go(approver_page, "指定专家")
    approver_page.get_by_role("link", name="锂电池企业质量管理体系评估").click()
    expect(approver_page.get_by_test_id("members")).to_contain_text("锂电专家")
    approver_page.get_by_role("button", name="批准指定").click()
    expect(approver_page.get_by_text("已批准指定。")).to_be_visible()
    expect(approver_page.get_by_test_id("member-invitation")).to_contain_text("待答复")
    screenshot(approver_page, "4-designation-approved")
    other.close()
    assert Invitation.objects.get(expert=designated).source == "designated"

    # Everyone still invited accepts by their link; the activity takes place and closes.
    for invitation in Invitation.objects.filter(activity=activity, status=InvitationStatus.SENT):
        services.invitation_accept(
            invitation=invitation,
            via=AnsweredVia.LINK,
            token=link_token(invitation),
            no_conflict=True,
            confidentiality=True,
        )
    time_machine.move_to(AFTER_ACTIVITY, tick=True)
    log_in(page, base, "operator")
    page.goto(f"{base}/workspace/activities/{activity.pk}/")
    expect(page.get_by_test_id("roster")).to_contain_text("锂电专家")
    page.get_by_role("button", name="结束活动").click()
    expect(page.get_by_test_id("activity-status")).to_have_text("已结束")
    page.get_by_role("link", name="登记出席情况与劳动报酬").click()
    card = page.get_by_test_id(f"attendance-{second.pool_number}")
    card.get_by_label("出席情况").select_option(label="出席")
    card.get_by_label("意见或报告").fill("建议企业建立电芯来料批次追溯。")
    card.get_by_role("button", name="保存出席情况").click()
    expect(page.get_by_text(f"已登记 {second.name} 的出席情况。")).to_be_visible()
    card = page.get_by_test_id(f"attendance-{second.pool_number}")
    card.get_by_label("金额（元）").fill("2000")
    card.get_by_role("button", name="登记报酬").click()
    expect(page.get_by_text(f"已登记 {second.name} 的劳动报酬。")).to_be_visible()
    absent = Expert.objects.filter(
        draw_candidacies__draw=draw, draw_candidacies__round__number=2
    ).first()
    assert absent is not None
    card = page.get_by_test_id(f"attendance-{absent.pool_number}")
    card.get_by_label("出席情况").select_option(label="无故缺席")
    card.get_by_role("button", name="保存出席情况").click()
    expect(page.get_by_text(f"已登记 {absent.name} 的出席情况。")).to_be_visible()
    screenshot(page, "5-attendance-and-fees")

    # The expert sees it all in the expert area.
    area = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    expert_page = area.new_page()
    log_in(expert_page, base, second_account)
    expert_page.get_by_role("link", name="我的邀请与活动").click()
    expect(expert_page.get_by_test_id("my-invitations")).to_contain_text("已接受")
    expect(expert_page.get_by_test_id("my-activities")).to_contain_text(
        "锂电池企业质量管理体系评估"
    )
    expect(expert_page.get_by_test_id("my-activities")).to_contain_text("出席")
    expect(expert_page.get_by_test_id("my-fee-totals")).to_have_text("2026 年合计 2000.00 元")
    expect(expert_page.get_by_test_id("my-fees")).to_contain_text("2000.00")
    screenshot(expert_page, "6-expert-area")
    area.close()
    assert Draw.objects.get().rounds.count() == 2

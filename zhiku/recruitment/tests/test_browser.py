"""In Chromium, the whole of recruitment part 1: a call is published; a person registers with an
e-mailed code, fills the application, uploads the documents, downloads the filled form and
submits; staff return it; the applicant corrects and resubmits; staff verify and pass it and put
it before the council; two of three members vote and the round closes; the applicant is on the
proposed list, and saw each step in the expert area and by e-mail."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import Page, expect

from zhiku.accounts.tests.factories import log_in, log_out, menu_go
from zhiku.core.tests.factories import pdf_embedded_cjk_fonts, pdf_text
from zhiku.core.tests.uploads import image_bytes, pdf_bytes
from zhiku.recruitment.models import Application
from zhiku.recruitment.tests.factories import ID_NUMBER, NOW, make_council, make_reviewer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Shen-Qing-2026!x"
DOCUMENTS = {
    "application_form": ("入库申请表.pdf", "application/pdf", pdf_bytes(text="signed form")),
    "identity": ("身份证.png", "image/png", image_bytes("PNG")),
    "title": ("职称证书.pdf", "application/pdf", pdf_bytes(text="title")),
    "education": ("学历证书.jpg", "image/jpeg", image_bytes("JPEG")),
    "cv": ("个人简历.pdf", "application/pdf", pdf_bytes(text="cv")),
    "achievements": ("成就.pdf", "application/pdf", pdf_bytes(text="achievements")),
    "service_years": ("工作年限证明.pdf", "application/pdf", pdf_bytes(text="years")),
}


def test_call_application_review_return_resubmission_council_vote_proposed_list(
    page: Page, live_server: Any, screenshot: Any, catalogues: None
) -> None:
    with time_machine.travel(NOW, tick=True):
        make_reviewer()
        make_council(3)
        base = live_server.url

        # Staff write the call and publish it.
        log_in(page, base, "reviewer")
        menu_go(page, "征集通知")
        page.get_by_role("link", name="起草征集通知").click()
        page.get_by_label("标题").fill("2026 年第二批智库专家征集")
        page.get_by_label("正文").fill("质促会面向全省公开征集标准化领域专家。")
        page.get_by_label("开始日期").fill("2026-09-01")
        page.get_by_label("截止日期").fill("2026-09-30")
        page.get_by_label("联系方式").fill("联系人：陈老师　020-12345678")
        page.get_by_label("企业高层管理者任职证明").uncheck()
        page.get_by_role("button", name="保存草稿").click()
        page.get_by_role("button", name="发布").click()
        expect(page.get_by_role("main")).to_contain_text("已发布")
        log_out(page)

        # A person finds it on the portal and registers with an e-mailed code.
        page.goto(base + "/")
        page.get_by_role("navigation", name="公共导航").get_by_role("link", name="专家征集").click()
        page.get_by_role("link", name="2026 年第二批智库专家征集").click()
        expect(page.get_by_role("main")).to_contain_text("2026-09-30 24:00（北京时间）")
        page.get_by_role("link", name="注册并申请").click()
        page.get_by_label("电子邮箱或手机号码").fill("lin@example.org")
        page.get_by_label("我已阅读并同意《个人信息处理告知书》").check()
        page.get_by_role("button", name="获取验证码").click()
        expect(page.get_by_role("main")).to_contain_text("li***@example.org")
        code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
        assert code is not None
        page.get_by_label("验证码").fill(code.group(1))
        page.get_by_label("姓名").fill("林申请")
        page.get_by_label("用户名").fill("lin@example.org")
        page.get_by_label("登录密码").fill(PASSWORD)
        page.get_by_label("再次输入密码").fill(PASSWORD)
        page.get_by_role("button", name="注册并登录").click()
        expect(page.get_by_role("main")).to_contain_text("个人信息处理告知书")
        page.get_by_label(re.compile("我已阅读并同意《个人信息处理告知书》")).check()
        page.get_by_role("button", name="同意并开始填写").click()

        # The application: the profile saves as it is typed, the art. 6 check beside it.
        expect(page.get_by_role("heading", level=1)).to_contain_text("入库申请")
        page.get_by_label("性别").select_option(label="女")
        page.get_by_label("出生日期").fill("1975-04-18")
        page.get_by_label("证件类型").select_option(label="居民身份证")
        page.get_by_label("证件号码").fill(ID_NUMBER)
        page.get_by_label("手机号码").fill("13912345678")
        page.get_by_label("所在地区").select_option(label="广州市")
        page.get_by_label("工作单位", exact=True).fill("广东省标准化研究院")
        page.get_by_label("单位类型").select_option(label="科研院所")
        page.get_by_label("职称", exact=True).fill("研究员")
        page.get_by_label("职称级别").select_option(label="正高级")
        page.get_by_label("学历", exact=True).select_option(label="博士研究生")
        page.get_by_label("主要专业领域").select_option(label="02.01 标准制修订")
        page.get_by_label("本人具备良好的职业道德").check()
        page.get_by_label("本人身体健康").check()
        expect(page.get_by_test_id("autosave-state")).to_contain_text("草稿已自动保存")
        expect(page.get_by_test_id("condition-5")).to_contain_text("51 周岁")
        page.get_by_role("button", name="保存草稿").click()
        expect(page.get_by_role("main")).to_contain_text("已保存")
        employment = page.locator("form.employment-form")
        employment.get_by_label("单位").fill("广东省标准化研究院")
        employment.get_by_label("起始日期").fill("2012-07-01")
        employment.get_by_role("button", name="添加工作经历").click()
        expect(page.get_by_test_id("employment-row")).to_have_count(1)
        expect(page.get_by_test_id("condition-1")).to_contain_text("符合")
        screenshot(page, "1-application")

        # The filled form downloads as a real PDF.
        with page.expect_download() as download:
            page.get_by_test_id("form-pdf").click()
        pdf = open(download.value.path(), "rb").read()  # noqa: SIM115
        assert "林申请" in pdf_text(pdf)
        assert pdf_embedded_cjk_fonts(pdf)

        for kind, (name, mime, data) in DOCUMENTS.items():
            slot = page.get_by_test_id(f"slot-{kind}")
            slot.locator("input[type=file]").set_input_files(
                {"name": name, "mimeType": mime, "buffer": data}
            )
            slot.get_by_role("button", name=re.compile("上传")).click()
            expect(page.get_by_role("main")).to_contain_text(f"已上传：{name}")
        expect(page.get_by_test_id("missing-items")).to_contain_text("必填信息和材料已齐全")
        page.get_by_label("我已阅读并签署上述承诺书").check()
        page.get_by_role("button", name="提交申请").click()
        expect(page.get_by_test_id("application-status")).to_have_text("已提交，待资格审核")
        screenshot(page, "2-submitted")
        log_out(page)

        # Staff return it for correction.
        log_in(page, base, "reviewer")
        menu_go(page, "入库申请")
        page.get_by_role("link", name="林申请").click()
        expect(page.locator("#eligibility")).to_contain_text("符合")
        page.get_by_label("退回申请人修改").check()
        page.get_by_label("审核意见").fill("请填写工作单位全称（含研究中心名称）。")
        page.get_by_role("button", name="提交审核结论").click()
        expect(page.get_by_test_id("application-status")).to_have_text("退回修改")
        log_out(page)

        # The applicant sees the return, corrects and resubmits.
        log_in(page, base, "lin@example.org", PASSWORD)
        page.get_by_role("link", name="我的入库申请").first.click()
        expect(page.get_by_test_id("application-status")).to_have_text("退回修改")
        expect(page.get_by_role("main")).to_contain_text("请填写工作单位全称")
        page.get_by_role("link", name="修改并重新提交").click()
        page.get_by_label("工作单位", exact=True).fill(
            "广东省标准化研究院（广东省 WTO/TBT 通报咨询研究中心）"
        )
        page.get_by_role("button", name="保存草稿").click()
        expect(page.get_by_test_id("changes")).to_contain_text("WTO/TBT")
        page.get_by_label("我已阅读并签署上述承诺书").check()
        page.get_by_role("button", name="重新提交申请").click()
        expect(page.get_by_test_id("application-status")).to_have_text("已提交，待资格审核")
        log_out(page)

        # Staff see what changed, verify every document, pass it and open a council round.
        log_in(page, base, "reviewer")
        menu_go(page, "入库申请")
        page.get_by_role("link", name="林申请").click()
        expect(page.get_by_test_id("changes")).to_contain_text("WTO/TBT")
        page.locator("#documents details.preview").first.locator("summary").click()
        verify = page.get_by_role("button", name=re.compile("^核验无误"))
        expect(verify).to_have_count(len(DOCUMENTS))
        for left in range(len(DOCUMENTS) - 1, -1, -1):
            verify.first.click()
            expect(verify).to_have_count(left)
        screenshot(page, "3-review")
        page.get_by_label("通过，提交理事会审议").check()
        page.get_by_role("button", name="提交审核结论").click()
        expect(page.get_by_test_id("application-status")).to_have_text("资格审核通过，待理事会审议")
        menu_go(page, "理事会审议")
        page.get_by_role("link", name="发起理事会审议").click()
        page.get_by_label("名称").fill("2026 年第 1 次理事会审议")
        page.get_by_label("投票截止日期").fill("2026-09-25")
        page.get_by_label(re.compile("林申请")).check()
        page.get_by_role("button", name="发起审议").click()
        expect(page.get_by_test_id("round-status")).to_contain_text("审议中")
        log_out(page)

        # Two of three council members vote; the round closes by itself.
        for member in ("council1", "council2"):
            log_in(page, base, member)
            expect(page.get_by_role("heading", level=1)).to_have_text("理事会工作台")
            page.get_by_role("link", name="2026 年第 1 次理事会审议").click()
            # The profile and the check; never the identity number or the documents.
            expect(page.get_by_role("main")).to_contain_text("标准化 / 标准制修订")
            expect(page.get_by_role("main")).not_to_contain_text(ID_NUMBER[-4:])
            expect(page.locator("main a[href*='/documents/']")).to_have_count(0)
            page.get_by_role("radio", name="同意", exact=True).check()
            page.get_by_role("button", name="提交投票").click()
            expect(page.get_by_role("main")).to_contain_text("已投票")
            log_out(page)
        log_in(page, base, "council3")
        page.get_by_role("link", name="2026 年第 1 次理事会审议").click()
        expect(page.get_by_test_id("round-status")).to_contain_text("已形成审议结论")
        expect(page.get_by_role("main")).to_contain_text("未投票")
        screenshot(page, "4-council")
        log_out(page)

        # The applicant is on the proposed list.
        log_in(page, base, "reviewer")
        menu_go(page, "拟入库名单")
        expect(page.get_by_test_id("proposed-list")).to_contain_text("林申请")
        log_out(page)

        # And saw every step in the expert area and by e-mail.
        log_in(page, base, "lin@example.org", PASSWORD)
        page.get_by_role("link", name="我的入库申请").first.click()
        page.get_by_role("link", name="查看申请与办理进度").click()
        expect(page.get_by_test_id("application-status")).to_have_text(
            "理事会审议通过，列入拟入库名单"
        )
        timeline = page.locator("ol.timeline")
        for step in (
            "已提交，待资格审核",
            "退回修改",
            "资格审核通过，待理事会审议",
            "理事会审议中",
        ):
            expect(timeline).to_contain_text(step)
        screenshot(page, "5-applicant")

    subjects = [m.subject for m in mail.outbox if m.to == ["lin@example.org"]]
    assert subjects == [
        "【广东省质量发展智库】注册验证码",
        "【广东省质量发展智库】已收到您的入库申请",
        "【广东省质量发展智库】入库申请需要修改",
        "【广东省质量发展智库】已收到您修改后的入库申请",
        "【广东省质量发展智库】入库申请通过资格审核",
        "【广东省质量发展智库】理事会审议通过，您已列入拟入库专家名单",
    ]
    assert Application.objects.get().status == Application.Status.APPROVED

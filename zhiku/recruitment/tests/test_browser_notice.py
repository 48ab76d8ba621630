"""In Chromium, recruitment part 2: staff publish the notice; a member of the public objects from a
phone; staff accept, verify and dismiss it, and both letters are made; a second objection,
received by post, is upheld; the notice ends; one applicant is admitted and appears in the
announcement with a pool number and a certificate, the other is not and is told why."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import Page, ViewportSize, expect

from zhiku.accounts.tests.factories import log_in, log_out, menu_go
from zhiku.core.tests.factories import pdf_embedded_cjk_fonts, pdf_text
from zhiku.core.tests.uploads import pdf_bytes
from zhiku.core.uploads import stored_file_bytes
from zhiku.recruitment.models import NoticeEntry, Objection
from zhiku.recruitment.tests.factories import NOTICE_DAY, approved, at, make_reviewer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 900}


def test_notice_objections_letters_admission_announcement_certificate(
    page: Page, live_server: Any, screenshot: Any, catalogues: None
) -> None:
    base = live_server.url
    with time_machine.travel(at(NOTICE_DAY, 8), tick=True):
        reviewer = make_reviewer()
        approved(reviewer, username="zhang", name="张拟入", serial=11)
        approved(reviewer, username="li", name="李拟入", serial=12)

        # Staff publish the proposed list as a notice.
        page.set_viewport_size(DESK)
        log_in(page, base, "reviewer")
        menu_go(page, "公示与入库")
        page.get_by_role("link", name="发布拟入库名单公示").click()
        expect(page.get_by_label("张拟入（广东省标准化研究院，研究员）")).to_be_checked()
        page.get_by_label("书面异议邮寄地址").fill("广州市越秀区示例路 8 号 广东省质量发展促进会")
        page.get_by_label("现场递交地址及时间").fill("广州市越秀区示例路 8 号 3 楼（工作日）")
        page.get_by_label("联系人及电话").fill("陈老师 020-12345678")
        page.get_by_role("button", name="发布公示").click()
        expect(page.get_by_role("main")).to_contain_text("公示期至 2026-10-13 24:00（北京时间）")
        log_out(page)

    # A member of the public objects from a phone, on the third day.
    with time_machine.travel(at(dt.date(2026, 9, 30), 20), tick=True):
        page.set_viewport_size(PHONE)
        page.goto(base + "/")
        page.get_by_text("菜单", exact=True).click()
        page.get_by_role("navigation", name="公共导航").get_by_role("link", name="公示").click()
        page.get_by_role("link", name="2026 年拟入库广东省质量发展智库专家名单公示").first.click()
        expect(page.get_by_test_id("notice-period")).to_contain_text("2026-09-28 至 2026-10-13")
        expect(page.get_by_test_id("days-left")).to_have_text("还剩 6 个工作日")
        expect(page.get_by_test_id("notice-entries")).to_contain_text("张拟入")
        screenshot(page, "1-notice-phone")
        page.get_by_role("link", name="在线提出异议").click()
        page.get_by_label("被异议的专家").select_option(label="张拟入（广东省标准化研究院）")
        page.get_by_label("异议的事实和理由").fill(
            "据了解，该同志所报职称证书与单位记录不符，请予核实。"
        )
        page.get_by_label("签名的书面异议扫描件（可选）").set_input_files(
            {"name": "异议书.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(text="x")}
        )
        page.get_by_label("您的真实姓名").fill("王公众")
        page.get_by_label("联系电话").fill("13800001111")
        page.get_by_label("电子邮箱（可选）").fill("wang@example.net")
        page.get_by_label("本人以真实姓名提出异议").check()
        screenshot(page, "2-objection-phone")
        page.get_by_role("button", name="提交异议").click()
        receipt = page.get_by_test_id("objection-receipt")
        expect(receipt).to_contain_text("编号为 第 ")
        found = re.search(r"第 (\d+) 号", receipt.inner_text())
        assert found is not None
        number = found.group(1)

    # Staff accept, verify and dismiss it; enter a posted objection and uphold it.
    with time_machine.travel(at(dt.date(2026, 10, 9), 10), tick=True):
        page.set_viewport_size(DESK)
        log_in(page, base, "reviewer")
        expect(page.get_by_test_id("dashboard")).to_contain_text("异议待受理")
        menu_go(page, "异议")
        page.get_by_role("link", name=f"第 {number} 号").click()
        expect(page.get_by_test_id("objector")).to_contain_text("王公众")
        page.get_by_label("受理日期").fill("2026-09-30")
        page.get_by_role("button", name="受理", exact=True).click()
        expect(page.get_by_test_id("due")).to_contain_text("2026-10-27")
        page.get_by_label("核实情况").fill("向其单位人事处核实：职称证书编号与评审文件一致。")
        page.get_by_role("button", name="记录核实情况").click()
        expect(page.get_by_test_id("verification")).to_have_count(1)
        page.get_by_label("异议不成立（不影响入库）").check()
        page.get_by_label("决定理由").fill("经向其单位核实，职称证书真实有效，异议所述情况不属实。")
        page.get_by_role("button", name="作出处理决定并生成告知书").click()
        expect(page.get_by_test_id("objection-status")).to_have_text("异议不成立")
        expect(page.get_by_test_id("letters").get_by_role("link")).to_have_count(2)
        screenshot(page, "3-objection-decided")

        menu_go(page, "公示与入库")
        page.get_by_role("link", name="2026 年拟入库广东省质量发展智库专家名单公示").click()
        page.get_by_role("link", name="登记邮寄或现场递交的异议").click()
        page.get_by_label("被异议的专家").select_option(label="李拟入（广东省标准化研究院）")
        page.get_by_label("邮寄").check()
        page.get_by_label("收到日期").fill("2026-10-08")
        page.get_by_label("异议的事实和理由").fill("来信反映该同志所报职称证书系伪造。")
        page.get_by_label("异议人姓名").fill("赵来信")
        page.get_by_label("联系电话").fill("020-87654321")
        page.get_by_role("button", name="登记异议").click()
        page.get_by_role("button", name="受理", exact=True).click()
        page.get_by_label("核实情况").fill("向发证机关核实：证书编号不存在。")
        page.get_by_role("button", name="记录核实情况").click()
        page.get_by_label("异议成立（不予入库）").check()
        page.get_by_label("决定理由").fill(
            "所报职称证书经发证机关核实不存在，不符合第六条第（一）项。"
        )
        page.get_by_role("button", name="作出处理决定并生成告知书").click()
        expect(page.get_by_test_id("objection-status")).to_have_text("异议成立")
        log_out(page)

    # The notice has ended: the public page says so; staff admit in one step.
    with time_machine.travel(at(dt.date(2026, 10, 14), 9), tick=True):
        page.set_viewport_size(PHONE)
        page.goto(base + "/notices/")
        expect(page.get_by_role("main")).to_contain_text("往期公示")
        page.get_by_role("link", name="2026 年拟入库广东省质量发展智库专家名单公示").click()
        expect(page.get_by_test_id("notice-state")).to_have_text("已结束")
        expect(page.get_by_role("link", name="在线提出异议")).to_have_count(0)

        page.set_viewport_size(DESK)
        log_in(page, base, "reviewer")
        menu_go(page, "公示与入库")
        page.get_by_role("link", name="2026 年拟入库广东省质量发展智库专家名单公示").click()
        page.get_by_role("button", name="批准入库并发布公告").click()
        main = page.get_by_role("main")
        expect(main).to_contain_text("已批准入库：张拟入（GDQ-2026-")
        expect(main).to_contain_text("异议成立，不予入库：李拟入")
        admitted = NoticeEntry.objects.select_related("certificate").get(name="张拟入")
        pool = admitted.pool_number
        expect(main).to_contain_text(f"已批准入库：张拟入（{pool}）")
        expect(page.get_by_test_id("entry-1")).to_contain_text(admitted.certificate.number)
        screenshot(page, "4-admitted")
        log_out(page)

        # The announcement, on a phone.
        page.set_viewport_size(PHONE)
        page.goto(base + "/")
        page.get_by_text("菜单", exact=True).click()
        page.get_by_role("navigation", name="公共导航").get_by_role("link", name="公告").click()
        page.get_by_role("link", name=re.compile("入库公告")).first.click()
        entries = page.get_by_test_id("announcement-entries")
        expect(entries).to_contain_text("张拟入")
        expect(entries.get_by_test_id("pool-number")).to_have_text([pool])
        expect(entries).not_to_contain_text("李拟入")
        screenshot(page, "5-announcement-phone")

        # The admitted expert downloads the certificate; the other is told why.
        page.set_viewport_size(DESK)
        log_in(page, base, "zhang")
        page.get_by_role("link", name="我的入库申请").first.click()
        page.get_by_role("link", name="查看申请与办理进度").click()
        expect(page.get_by_test_id("admitted")).to_contain_text(f"专家编号：{pool}")
        with page.expect_download() as download:
            page.get_by_test_id("my-certificate").click()
        certificate = open(download.value.path(), "rb").read()  # noqa: SIM115
        assert pool in pdf_text(certificate) and "张拟入" in pdf_text(certificate)
        assert pdf_embedded_cjk_fonts(certificate)
        log_out(page)
        log_in(page, base, "li")
        page.get_by_role("link", name="我的入库申请").first.click()
        page.get_by_role("link", name="查看申请与办理进度").click()
        expect(page.get_by_test_id("application-status")).to_have_text("公示异议成立，不予入库")
        expect(page.get_by_test_id("not-admitted-reason")).to_contain_text("不符合第六条第（一）项")
        screenshot(page, "6-not-admitted")

    # Both letters of each decided objection are real PDFs, the expert's without the objector.
    for objection in Objection.objects.order_by("pk"):
        assert objection.letter_to_objector and objection.letter_to_expert
        to_objector = pdf_text(stored_file_bytes(objection.letter_to_objector))
        to_expert = pdf_text(stored_file_bytes(objection.letter_to_expert))
        assert objection.objector_name in to_objector
        assert objection.objector_name not in to_expert
        assert objection.entry.name in to_expert
    letters = [m for m in mail.outbox if "异议处理结果告知" in m.subject]
    assert {tuple(m.to) for m in letters} == {
        ("wang@example.net",),
        ("zhang@example.org",),
        ("li@example.org",),
    }

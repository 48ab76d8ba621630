"""In Chromium: staff import 1,000 experts from the template while a progress bar polls, find
them in the list, and export a masked list that names who exported it and when."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import log_in
from zhiku.experts.models import Expert, ImportJob
from zhiku.experts.services import import_job_run, import_job_send_activations
from zhiku.experts.tests.factories import roster_file, roster_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = 1000


def test_staff_import_a_thousand_experts_find_them_and_export_a_masked_list(
    page: Page,
    live_server: Any,
    make_user: Any,
    screenshot: Any,
    catalogues: None,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # The job waits in the queue, as with the database worker, so the page shows it polling.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    make_user(
        "staff",
        username="importer",
        full_name="陈导入",
        rights=(Right.REVIEW_APPLICATIONS, Right.EXPORT_DATA),
    )
    base = live_server.url

    log_in(page, base, "importer")
    page.get_by_role("link", name="批量导入").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("批量导入专家")
    expect(page.locator(".notice")).to_contain_text("审核入库申请")
    with page.expect_download() as template_download:
        page.get_by_role("link", name="下载导入模板（.xlsx）").click()
    template = Path(template_download.value.path()).read_bytes()
    roster = tmp_path / "专家名单.xlsx"
    roster.write_bytes(roster_file(template, [roster_row(n) for n in range(ROWS)]))
    screenshot(page, "1-import-page")

    page.get_by_label("专家名单文件（.xlsx）").set_input_files(str(roster))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"导入任务 #\d+"))
    expect(page.locator("#import-progress progress")).to_be_visible()
    expect(page.locator("#import-progress")).to_contain_text("排队中")
    screenshot(page, "2-queued")

    import_job_run(job=ImportJob.objects.get())  # what the worker does

    expect(page.locator(".import-message")).to_have_text(f"已导入 {ROWS} 位专家。", timeout=10_000)
    expect(page.locator("#import-progress")).to_contain_text("GDQ-")
    expect(page.locator(".import-counts")).to_contain_text(f"{ROWS} 行")
    # The activation e-mails wait for the worker: the page keeps polling, then stops.
    expect(page.locator(".import-emails")).to_contain_text(f"待发送{ROWS} 封")
    screenshot(page, "3-done")
    assert Expert.objects.count() == ROWS

    import_job_send_activations(job=ImportJob.objects.get())  # what the worker does
    expect(page.locator("#import-progress h3")).to_contain_text("已全部发出", timeout=10_000)
    expect(page.locator(".import-emails")).to_contain_text(f"已发送{ROWS} 封")
    expect(page.locator("#import-progress")).not_to_have_attribute("hx-trigger", re.compile("."))
    screenshot(page, "3b-emails-sent")

    page.get_by_role("link", name="到专家库查看").click()
    expect(page.locator(".hint").first).to_contain_text(f"共 {ROWS} 位专家")
    page.get_by_label("姓名、单位或编号").fill("导入专家999")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("table.expert-table tbody tr")).to_have_count(1)
    expect(page.locator("table.expert-table")).to_contain_text("导入专家999")
    screenshot(page, "4-found")

    with page.expect_download() as export_download:
        page.get_by_role("link", name="按当前筛选导出 Excel").click()
    rows = list(
        load_workbook(io.BytesIO(Path(export_download.value.path()).read_bytes()))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert re.fullmatch(
        r"导出人：陈导入（importer）　导出时间：\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", str(rows[0][0])
    )
    expert = rows[3]
    assert expert[1] == "导入专家999"
    number = roster_row(999)["证件号码"]
    assert expert[5] == number[0] + "*" * 16 + number[-1]  # first and last character only
    assert expert[6] == "137****0999"

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{base}/workspace/experts/import/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "5-phone")

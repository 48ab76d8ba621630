"""In Chromium: staff import a roster as an office keeps it (a title row and a group header
above the header, a 序号 column, its own column names and order, an extra column, optional
columns missing), see on the job page what was left out, then import the same file again with
the people already in the pool skipped and listed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import log_in
from zhiku.experts.models import Expert, ImportJob
from zhiku.experts.services import import_job_run
from zhiku.experts.tests.factories import roster_row
from zhiku.experts.tests.test_import_header import kept_roster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_import_a_roster_as_kept_and_again_with_the_people_in_the_pool_skipped(
    page: Page,
    live_server: Any,
    make_user: Any,
    screenshot: Any,
    catalogues: None,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # The job waits in the queue, as with the database worker; the test runs it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    make_user("staff", username="importer", full_name="陈导入", rights=(Right.REVIEW_APPLICATIONS,))
    roster = tmp_path / "2026年专家名单（办公室）.xlsx"
    roster.write_bytes(kept_roster([roster_row(n) for n in range(8)]))
    base = live_server.url

    log_in(page, base, "importer")
    page.goto(f"{base}/workspace/experts/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("批量导入专家")
    page.get_by_label("专家名单文件（.xlsx）").set_input_files(str(roster))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"导入任务 #\d+"))

    import_job_run(job=ImportJob.objects.get())  # what the worker does

    expect(page.locator(".import-message")).to_have_text("已导入 8 位专家。", timeout=10_000)
    expect(page.locator(".import-layout")).to_contain_text("工作表“2026年专家”第 3 行")
    expect(page.locator(".import-ignored")).to_contain_text("序号（A 列）、备注（P 列）")
    expect(page.locator(".import-missing")).to_contain_text("通讯地址")
    screenshot(page, "1-roster-as-kept-imported")
    assert Expert.objects.count() == 8
    assert Expert.objects.get(name="导入专家3").mobile_masked == "137****0003"

    # The same file again, two more people added: without the choice it is refused...
    roster.write_bytes(kept_roster([roster_row(n) for n in range(10)]))
    page.goto(f"{base}/workspace/experts/import/")
    page.get_by_label("专家名单文件（.xlsx）").set_input_files(str(roster))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"导入任务 #\d+"))
    import_job_run(job=ImportJob.objects.latest("pk"))
    expect(page.locator(".import-existing")).to_contain_text(
        "其中 8 行的人员已在专家库中", timeout=10_000
    )
    expect(page.locator("table.import-errors tbody tr")).to_have_count(8)
    screenshot(page, "2-refused-offers-skip")

    # ... and with it, the two are imported and the eight listed.
    page.goto(f"{base}/workspace/experts/import/")
    page.get_by_label("专家名单文件（.xlsx）").set_input_files(str(roster))
    page.get_by_label("跳过专家库中已有的人员（按证件号码），只导入其余各行").check()
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"导入任务 #\d+"))
    import_job_run(job=ImportJob.objects.latest("pk"))
    expect(page.locator(".import-message")).to_have_text(
        "已导入 2 位专家。8 位已在专家库中，按您的选择跳过，见下方名单。", timeout=10_000
    )
    expect(page.locator("table.import-skipped tbody tr")).to_have_count(8)
    expect(page.locator("table.import-skipped")).to_contain_text("导入专家7")
    screenshot(page, "3-skipped-listed")
    assert Expert.objects.count() == 10

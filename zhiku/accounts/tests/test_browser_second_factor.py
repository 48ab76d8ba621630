"""In Chromium: a member of staff holding the export right cannot export before enrolling a
second factor. Asking for the export after the password lands on enrolment; they scan (here:
read) the secret, confirm with the code it gives, keep the recovery codes shown once, and are
taken on to the export. Next time, the password alone is not enough."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import PASSWORD, enrol_in_browser, log_in, log_out, menu_go
from zhiku.core.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_with_the_export_right_enrols_a_second_factor_before_exporting(
    page: Page, live_server: Any, make_user: Any, screenshot: Any
) -> None:
    base = live_server.url
    make_user(
        "staff",
        username="clerk",
        full_name="陈导出",
        rights=(Right.EXPORT_DATA,),
        second_factor=False,
    )

    # The password alone: the export address leads to enrolment, and so does the menu.
    log_in(page, base, "clerk")
    expect(page.get_by_role("heading", name="启用双因素认证")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("须启用双因素认证后方可使用本系统")
    page.goto(f"{base}/workspace/experts/")
    expect(page.get_by_role("heading", name="启用双因素认证")).to_be_visible()
    with page.expect_navigation():
        page.evaluate("location.href = '/workspace/experts/export/'")
    expect(page.get_by_role("heading", name="启用双因素认证")).to_be_visible()
    assert "next=%2Fworkspace%2Fexperts%2Fexport%2F" in page.url
    expect(page.locator("figure.otp-qr svg")).to_be_visible()
    assert not AuditEntry.objects.filter(action__startswith="experts.export").exists()
    screenshot(page, "1-enrol")

    # A wrong code is refused; the code of the secret shown is taken.
    page.get_by_label("验证码").fill("000000")
    page.get_by_role("button", name="启用").click()
    expect(page.locator(".errorlist, .field-error, [role=alert]").first).to_contain_text(
        "验证码不正确"
    )
    # After a wrong code django-otp refuses any code for a second; a person takes longer than
    # that to read the next one, a test does not: the failure is dated a few seconds back.
    TOTPDevice.objects.filter(user__username="clerk").update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5)
    )
    codes = enrol_in_browser(page)
    assert len(codes) == 10
    screenshot(page, "2-recovery-codes")

    # On to the export asked for at first.
    with page.expect_download() as download:
        page.get_by_role("link", name="我已妥善保存，继续").click()
    rows = list(
        load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert str(rows[0][0]).startswith("导出人：陈导出（clerk）")
    assert TOTPDevice.objects.get(user__username="clerk").confirmed

    # Signed out and in again: after the password comes the code.
    page.goto(f"{base}/workspace/experts/")
    log_out(page)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="输入验证码")).to_be_visible()
    # A recovery code instead of the phone.
    page.get_by_label("验证码").fill(codes[0])
    page.get_by_role("button", name="验证").click()
    expect(page.locator(".messages")).to_contain_text("还剩 9 个")
    menu_go(page, "账户安全")
    expect(page.get_by_test_id("factor-status")).to_contain_text("剩余 9 个恢复码")
    expect(page.get_by_test_id("sign-ins")).to_contain_text("使用恢复码通过")
    screenshot(page, "3-account-security")

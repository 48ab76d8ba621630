"""The written notice (书面告知书, art. 9(2)) is a real PDF in Chinese: poppler reads the expert's
name, the ground and the finding, and the CJK font is embedded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from zhiku.accounts.tests.factories import make_account
from zhiku.core import uploads
from zhiku.core.tests.factories import pdf_embedded_cjk_fonts, pdf_text
from zhiku.exits.choices import Ground
from zhiku.exits.tests.factories import notified_case
from zhiku.experts.tests.factories import make_expert

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, catalogues: None) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC), tick=False)


def _text(pdf: bytes) -> str:
    # pdftotext -layout may break a long line; compare without the white space.
    return "".join(pdf_text(pdf).split())


def test_the_notice_names_the_expert_and_the_ground_in_an_embedded_cjk_font() -> None:
    clerk = make_account("staff", username="clerk")
    expert = make_expert(name="欧阳明远", email="")
    case = notified_case(clerk, expert, Ground.DISCLOSURE, bars_reapplication=True)
    assert case.notice_file is not None

    pdf = uploads.stored_file_bytes(case.notice_file)
    text = _text(pdf)

    assert pdf.startswith(b"%PDF-")
    assert "出库书面告知书" in text
    assert f"欧阳明远（专家编号{expert.pool_number}）" in text
    assert "第八条第（七）项（未经同意泄露评估内容等）" in text
    assert "情形属实。" in text  # the finding
    assert "自出库之日起3年内，您不得重新申请加入智库" in text
    assert f"出库案件第{case.pk}号" in text
    assert "2026年6月10日" in text
    assert pdf_embedded_cjk_fonts(pdf)


def test_a_voluntary_exit_reads_as_the_experts_own_request() -> None:
    clerk = make_account("staff", username="clerk")
    case = notified_case(clerk, make_expert(name="陈自愿"), Ground.REQUEST)
    assert case.notice_file is not None

    text = _text(uploads.stored_file_bytes(case.notice_file))

    assert "您于2026年6月10日书面申请不再担任广东省质量发展智库专家" in text
    assert "质促会同意您的申请" in text
    assert "第八条第（二）项（本人书面申请）" in text
    assert "可在质促会发布征集通知时重新提交入库申请" in text

"""In Chromium at a phone's width: tables keep words and dates whole ("待确认", not "待确/认";
"2026-11-28 10:00", not "2026-11-/28") and scroll sideways instead."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page

from zhiku.accounts.tests.factories import log_in
from zhiku.experts.models import ChangeRequest
from zhiku.experts.tests.factories import make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _lines(cell: Locator) -> int:
    """How many lines the cell's text takes on the screen."""
    return int(
        cell.evaluate(
            """td => {
                const range = document.createRange();
                range.selectNodeContents(td);
                const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                return tops.size;
            }"""
        )
    )


def test_on_a_phone_the_change_table_keeps_dates_and_words_whole(
    page: Page, live_server: Any, make_user: Any, screenshot: Any, catalogues: None
) -> None:
    me = make_user("expert", username="phone")
    expert = make_expert(user=me, name="林手机")
    ChangeRequest.objects.create(
        expert=expert,
        changes={"organisation": [expert.organisation, "广东省质量技术监督标准与编码所"]},
        submitted_by=me,
        submitted_at=expert.created_at,
    )
    page.set_viewport_size({"width": 360, "height": 740})

    log_in(page, live_server.url, "phone")
    row = page.get_by_test_id("my-change-request")
    screenshot(page, "me")

    cells = row.locator("td")
    assert cells.nth(0).inner_text().count("-") == 2  # the date and time
    assert _lines(cells.nth(0)) == 1
    assert cells.nth(2).inner_text() == "待确认"
    assert _lines(cells.nth(2)) == 1

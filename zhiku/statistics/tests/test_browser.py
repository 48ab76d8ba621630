"""In Chromium: the statistics page draws its charts (SVG from the server, no script) and each
chart's table beside it holds the numbers the database holds."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from zhiku.accounts.models import Right
from zhiku.accounts.tests.factories import log_in, menu_go
from zhiku.activities import services as activities
from zhiku.activities.choices import AttendanceStatus, Outcome
from zhiku.activities.models import Candidate
from zhiku.activities.selectors import participation
from zhiku.activities.tests.factories import accept, decline, make_activity, open_draw
from zhiku.evaluations.tests.factories import score, served_activity
from zhiku.experts.choices import Region, Status
from zhiku.experts.models import Expert
from zhiku.experts.tests.factories import make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAWN_AT = dt.datetime(2026, 5, 6, 1, 30, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 9, 1, 2, 0, tzinfo=dt.UTC)


def cells(page: Page, key: str) -> list[list[str]]:
    """A chart's table as read on the page: one list of cell texts per body row."""
    rows = page.get_by_test_id(f"table-{key}").locator("tbody tr")
    return [
        [c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
        for i in range(rows.count())
    ]


def test_the_charts_are_drawn_and_their_tables_match_the_database(
    page: Page,
    live_server: Any,
    make_user: Any,
    screenshot: Any,
    catalogues: None,
    time_machine: Any,
) -> None:
    time_machine.move_to(DRAWN_AT, tick=True)
    operator = make_user(
        "staff",
        username="operator",
        full_name="李统计",
        rights=(Right.RUN_DRAWS, Right.EXPORT_DATA),
    )
    approver = make_user("staff", username="approver", rights=(Right.APPROVE_DESIGNATIONS,))
    witness = make_user("supervisor", username="witness")
    regions = [Region.GUANGZHOU] * 4 + [Region.SHENZHEN] * 2 + [Region.FOSHAN, Region.HONG_KONG]
    for i, region in enumerate(regions):
        make_expert(name=f"统计专家{i}", region=region, pool_number=f"GDQ-2026-{i + 1:04d}")
    make_expert(
        name="已出库", region=Region.ZHUHAI, status=Status.EXITED, pool_number="GDQ-2025-0001"
    )

    # June: a draw of three; one declines as 专业不熟悉, two accept.
    drawn = make_activity(operator, title="锂电池企业质量管理体系评估", staff=[operator])
    draw = open_draw(operator, drawn, witness, places=3)
    activities.draw_witness(actor=witness, draw=draw, value="73914062")
    first, *others = Candidate.objects.filter(draw=draw).order_by("rank")
    decline(first, reason="unfamiliar")
    for candidate in others:
        accept(candidate)
    time_machine.move_to(NOW, tick=True)
    activities.activity_close(actor=operator, activity=drawn, reason="评估已完成")
    served = [c.expert for c in others]
    activities.attendance_record(
        actor=operator, activity=drawn, expert=served[0], status=AttendanceStatus.ATTENDED
    )
    activities.attendance_record(
        actor=operator, activity=drawn, expert=served[1], status=AttendanceStatus.UNEXCUSED
    )
    score(operator, drawn, served[0], (5, 4, 4, 3))
    # July: a seminar of two designated experts, both attended and scored.
    seminar_experts = list(
        Expert.objects.filter(status=Status.ACTIVE).exclude(pk__in=[e.pk for e in served])[:2]
    )
    seminar = served_activity(
        operator,
        approver,
        seminar_experts,
        start=dt.date(2026, 7, 14),
        invited_at=dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC),
    )
    score(operator, seminar, seminar_experts[0], (4, 4, 3, 3))
    score(operator, seminar, seminar_experts[1], (3, 5, 4, 4))

    log_in(page, live_server.url, "operator")
    menu_go(page, "统计分析")
    expect(page.get_by_role("heading", name="统计分析", level=1)).to_be_visible()
    for key in ("regions", "use", "declines", "scores", "participation", "lorenz"):
        chart = page.get_by_test_id(f"chart-{key}")
        expect(chart.locator("svg.chart")).to_be_visible()
    expect(page.get_by_test_id("chart-regions").locator("svg rect.bar").first).to_be_visible()
    expect(page.get_by_test_id("chart-lorenz").locator("svg polyline.curve")).to_be_visible()
    screenshot(page, "statistics")

    # The pool by region: active and suspended experts, as the database counts them.
    pool = Counter(
        Expert.objects.filter(status__in=(Status.ACTIVE, Status.SUSPENDED)).values_list(
            "region", flat=True
        )
    )
    from zhiku.experts.choices import Region as R

    by_region = {row[0]: int(row[1]) for row in cells(page, "regions")}
    assert {R(code).label: n for code, n in pool.items()} == {
        label: n for label, n in by_region.items() if n
    }
    # Use of experts: June two drawn (confirmed), July two designated.
    use = {row[0]: row[1:] for row in cells(page, "use")}
    confirmed = Candidate.objects.filter(draw=draw, outcome=Outcome.CONFIRMED).count()
    assert use["6月"] == [str(confirmed), "0", str(confirmed)]
    assert use["7月"] == ["0", "2", "2"]
    declines = {row[0]: row[1:] for row in cells(page, "declines")}
    assert declines["专业不熟悉"] == ["1", "0", "0", "1"]
    absences = {row[0]: row[1:] for row in cells(page, "absences")}
    assert absences["6月"] == ["0", "1", "1"]
    scores = {row[0]: row[1:] for row in cells(page, "scores")}
    assert scores["4"] == ["1", "2", "2", "1"] and scores["3"] == ["1", "0", "1", "2"]
    # Participation: the activities app's own count, and its Gini coefficient.
    p = participation(2026)
    assert [(int(a), int(b)) for a, b in cells(page, "participation")] == p.spread
    expect(page.get_by_test_id("chart-participation")).to_contain_text(f"基尼系数：{p.gini:.3f}")
    lorenz = cells(page, "lorenz")
    assert lorenz[0][1:] == ["0", "0"] and lorenz[-1][1:] == ["100", "100"]

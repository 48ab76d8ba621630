"""The statistics page (art. 22): each chart's table holds the database's numbers, the charts are
SVG drawn by the server, the Lorenz curve and the Gini coefficient are computed by hand, and a
chart's Excel needs 导出数据 and is audited."""

from __future__ import annotations

import datetime as dt
import io
import re
from fractions import Fraction
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zhiku.activities.choices import AttendanceStatus
from zhiku.core.models import AuditEntry
from zhiku.evaluations.tests.factories import closed_activity, score
from zhiku.experts.choices import OrgType, Region, Status, TitleLevel
from zhiku.experts.tests.factories import make_expert
from zhiku.statistics import charts

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 9, 1, 2, 0, tzinfo=dt.UTC)


def table(page: str, key: str) -> list[list[str]]:
    """The rows of a chart's table as a person reads them (header row first)."""
    found = re.search(rf'<table data-testid="table-{key}">(.*?)</table>', page, re.DOTALL)
    assert found is not None, key
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.DOTALL)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL) for row in rows]


def test_nice_axis_tops_and_the_lorenz_curve_by_hand() -> None:
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 12, 48, 51, 1000)] == [
        1,
        1,
        5,
        10,
        20,
        50,
        100,
        1000,
    ]
    # Four experts: two with none, one with 1, one with 3 — 4 participations in all.
    points = charts.lorenz_points([(0, 2), (1, 1), (3, 1)])
    assert points == [
        (Fraction(0), Fraction(0)),
        (Fraction(1, 2), Fraction(0)),
        (Fraction(3, 4), Fraction(1, 4)),
        (Fraction(1), Fraction(1)),
    ]
    assert charts.lorenz_points([(0, 5)]) == []


@pytest.fixture
def data(make_user: Any, catalogues: None, time_machine: Any) -> dict[str, Any]:
    time_machine.move_to(NOW, tick=False)
    staff = make_user("staff", username="analyst", full_name="孙统计")
    gz = [make_expert(name=f"广州{i}", region=Region.GUANGZHOU) for i in range(3)]
    sz = make_expert(
        name="深圳专家",
        region=Region.SHENZHEN,
        org_type=OrgType.ENTERPRISE,
        title_level=TitleLevel.ASSOCIATE_SENIOR,
        birth_date=dt.date(1985, 1, 1),
    )
    make_expert(name="暂停专家", region=Region.FOSHAN, status=Status.SUSPENDED)
    make_expert(name="已出库专家", region=Region.FOSHAN, status=Status.EXITED)
    march = closed_activity(
        staff,
        dt.date(2026, 3, 10),
        {gz[0]: AttendanceStatus.ATTENDED, gz[1]: AttendanceStatus.UNEXCUSED},
    )
    june = closed_activity(
        staff, dt.date(2026, 6, 2), {gz[0]: AttendanceStatus.ATTENDED, sz: AttendanceStatus.EXCUSED}
    )
    score(staff, march, gz[0], (5, 4, 4, 3))
    score(staff, june, gz[0], (5, 5, 3, 3))
    return {"staff": staff, "gz": gz, "sz": sz}


def test_the_tables_hold_the_databases_numbers(data: dict[str, Any]) -> None:
    client = Client()
    client.force_login(data["staff"])

    page = client.get(reverse("statistics:overview"), {"year": "2026"}).content.decode()

    regions = {row[0]: row[1] for row in table(page, "regions")[1:]}
    assert regions["广州市"] == "3" and regions["深圳市"] == "1" and regions["佛山市"] == "1"
    assert sum(int(v) for v in regions.values()) == 5  # in the pool: active and suspended
    titles = {row[0]: row[1] for row in table(page, "titles")[1:]}
    assert titles["正高级"] == "4" and titles["副高级"] == "1"
    ages = {row[0]: row[1] for row in table(page, "ages")[1:]}
    assert ages["45 周岁以下"] == "1" and ages["55–60 周岁"] == "4"  # born 1970-05-17: 56
    absences = table(page, "absences")
    assert absences[0] == ["月份", "请假缺席", "无故缺席", "合计"]
    assert absences[3] == ["3月", "0", "1", "1"] and absences[6] == ["6月", "1", "0", "1"]
    scores = {row[0]: row[1:] for row in table(page, "scores")[1:]}
    # 工作态度 5 twice; 专业水平 4 and 5; 知识面 4 and 3; 表达能力 3 twice.
    assert scores["5"] == ["2", "1", "0", "0"] and scores["3"] == ["0", "0", "1", "2"]
    assert scores["4"] == ["0", "1", "1", "0"]
    assert '<svg class="chart chart-bars"' in page and '<svg class="chart chart-columns"' in page


def test_the_participation_spread_and_its_gini_match_the_activities_count(
    data: dict[str, Any],
) -> None:
    from zhiku.activities.selectors import participation

    client = Client()
    client.force_login(data["staff"])
    page = client.get(reverse("statistics:overview"), {"year": "2026"}).content.decode()

    p = participation(2026)
    spread = [(int(row[0]), int(row[1])) for row in table(page, "participation")[1:]]
    assert spread == p.spread
    assert f"基尼系数：<strong>{p.gini:.3f}</strong>" in page
    lorenz = table(page, "lorenz")
    assert lorenz[0] == ["专家（按参加次数从少到多）", "专家累计（%）", "参加人次累计（%）"]


def test_a_chart_downloads_as_excel_for_exporters_only(
    data: dict[str, Any], make_user: Any
) -> None:
    client = Client()
    client.force_login(data["staff"])
    url = reverse("statistics:chart_download", kwargs={"key": "regions"})
    assert client.get(url).status_code == 403
    assert (
        "下载“所在地区”的 Excel" not in client.get(reverse("statistics:overview")).content.decode()
    )

    exporter = make_user("staff", username="exporter", full_name="吴导出", rights=("export_data",))
    client.force_login(exporter)
    response = client.get(url, {"year": "2026"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert str(values[0][0]).startswith("导出人：吴导出")
    assert ["地区", "专家人数"] in values and ["广州市", 3] in values
    entry = AuditEntry.objects.get(action="statistics.chart.exported")
    assert entry.data["chart"] == "所在地区" and entry.data["year"] == 2026
    assert (
        client.get(reverse("statistics:chart_download", kwargs={"key": "nothing"})).status_code
        == 404
    )


def test_a_year_without_records_says_so(data: dict[str, Any]) -> None:
    client = Client()
    client.force_login(data["staff"])

    page = client.get(reverse("statistics:overview"), {"year": "2001"}).content.decode()

    found = re.search(r'data-testid="chart-scores".*?</article>', page, re.DOTALL)
    assert found is not None and "暂无数据。" in found.group(0)
    bad = client.get(reverse("statistics:overview"), {"year": "abc"})
    assert (
        bad.status_code == 200
        and f"{timezone.localdate().year} 年专家使用情况" in bad.content.decode()
    )

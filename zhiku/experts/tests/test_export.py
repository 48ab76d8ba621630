"""Exporting the filtered expert list: the right is checked, every file says who and when."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhiku.accounts.models import Right, User
from zhiku.core.models import AuditEntry
from zhiku.experts.choices import Region, TitleLevel
from zhiku.experts.tests.factories import make_expert, resident_number

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)  # 10:30 in Guangzhou
STAMP = "导出人：林导出（exporter）　导出时间：2026-11-27 10:30:00"
ID_NUMBER = resident_number(dt.date(1970, 5, 17), 321)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def experts() -> None:
    make_expert(name="甲", id_number=ID_NUMBER, mobile="13912345678", region=Region.SHENZHEN)
    make_expert(name="乙", region=Region.SHENZHEN, title_level=TitleLevel.INTERMEDIATE)
    make_expert(name="丙", region=Region.GUANGZHOU)


def exporter(make_user: Any, *rights: str) -> Client:
    user: User = make_user("staff", username="exporter", full_name="林导出", rights=rights)
    client = Client()
    client.force_login(user)
    return client


def rows_of(response: Any) -> list[tuple[Any, ...]]:
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return list(ws.iter_rows(values_only=True))


def test_export_masks_the_numbers_and_names_who_exported_it_and_when(
    make_user: Any, experts: None
) -> None:
    client = exporter(make_user, Right.EXPORT_DATA)

    response = client.get(reverse("experts:expert_export"), {"region": "shenzhen"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="experts-20261127-103000.xlsx"'
    rows = rows_of(response)
    assert rows[0][0] == STAMP
    assert "筛选条件：地区：深圳市" in rows[1][0] and "共 2 人" in rows[1][0]
    assert rows[2][:7] == (
        "专家编号",
        "姓名",
        "性别",
        "出生日期",
        "证件类型",
        "证件号码",
        "手机号码",
    )
    data = {r[1]: r for r in rows[3:-2]}
    assert set(data) == {"甲", "乙"}
    assert data["甲"][5] == ID_NUMBER[0] + "*" * 16 + ID_NUMBER[-1]
    assert data["甲"][6] == "139****5678"
    assert ID_NUMBER not in str(rows) and "13912345678" not in str(rows)
    assert rows[-1][0] == STAMP
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.properties.creator == "林导出（exporter）"
    assert wb.properties.title == "专家名单"
    assert STAMP in (wb.properties.description or "")
    sheet = wb.worksheets[0]
    header, footer = sheet.oddHeader, sheet.oddFooter
    assert header is not None and header.center.text == STAMP
    assert footer is not None and footer.left.text == STAMP
    entry = AuditEntry.objects.get(action="experts.list.exported")
    assert entry.actor is not None and entry.actor.username == "exporter"
    assert entry.data == {
        "filters": {"region": "shenzhen"},
        "count": 2,
        "format": "xlsx",
        "protected": "masked",
    }


def test_with_the_reveal_right_the_numbers_are_full_and_the_audit_entry_says_so(
    make_user: Any, experts: None
) -> None:
    client = exporter(make_user, Right.EXPORT_DATA, Right.REVEAL_PERSONAL_DATA)

    response = client.get(reverse("experts:expert_export"), {"q": "甲"})

    rows = rows_of(response)
    assert rows[3][5:7] == (ID_NUMBER, "13912345678")
    assert "完整号码" in rows[1][0]
    entry = AuditEntry.objects.get(action="experts.list.exported")
    assert entry.data["protected"] == "revealed"
    assert entry.data["filters"] == {"q": "甲"}


def test_an_export_without_the_right_is_refused_and_logged(make_user: Any, experts: None) -> None:
    client = exporter(make_user, Right.REVEAL_PERSONAL_DATA)

    response = client.get(reverse("experts:expert_export"), {"region": "shenzhen"})

    assert response.status_code == 403
    entry = AuditEntry.objects.get(action="accounts.access.refused")
    assert entry.actor is not None and entry.actor.username == "exporter"
    assert entry.data["path"] == reverse("experts:expert_export")
    assert "export_data" in entry.data["policy"]
    assert not AuditEntry.objects.filter(action="experts.list.exported").exists()


def test_the_export_keeps_a_formula_typed_into_a_profile_as_text(make_user: Any) -> None:
    make_expert(name='=HYPERLINK("http://x")', organisation="=1+1")
    client = exporter(make_user, Right.EXPORT_DATA)

    response = client.get(reverse("experts:expert_export"))

    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cell = next(c for r in ws.iter_rows() for c in r if c.value == "=1+1")
    assert cell.data_type == "s"


def test_the_list_offers_export_with_its_filters_only_to_holders_of_the_right(
    make_user: Any,
) -> None:
    with_right = exporter(make_user, Right.EXPORT_DATA)
    without = Client()
    without.force_login(make_user("staff", username="plain"))
    url = reverse("experts:expert_list")

    page = with_right.get(url, {"region": "shenzhen", "title_level": "senior"}).content.decode()

    assert "/workspace/experts/export/?region=shenzhen&amp;title_level=senior" in page
    assert "按当前筛选导出 Excel" not in without.get(url).content.decode()

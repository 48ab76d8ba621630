"""The table of the ways people write coded values (导入值对照): seeded by the migration, extended
by staff in the browser (audited), read by the import and listed on the template's notes sheet."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhiku.accounts.models import Right, User
from zhiku.core.models import AuditEntry
from zhiku.experts.models import Expert, ValueAlias
from zhiku.experts.services import aliases
from zhiku.experts.services._common import ExpertError
from zhiku.experts.spreadsheets import NOTES_SHEET
from zhiku.experts.tests.test_import_values import imported, person, refused

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def importer(make_user: Any) -> User:
    user: User = make_user(
        "staff", username="importer", full_name="陈导入", rights=(Right.REVIEW_APPLICATIONS,)
    )
    return user


@pytest.fixture
def client_in(client: Client, importer: User) -> Client:
    client.force_login(importer)
    return client


def notes_of(client: Client) -> dict[str, str]:
    """Return the template's notes sheet: header -> its accepted forms (column F)."""
    content = client.get(reverse("experts:import_template")).content
    sheet = load_workbook(io.BytesIO(content))[NOTES_SHEET]
    return {
        str(row[1]): str(row[5] or "")
        for row in sheet.iter_rows(min_row=5, values_only=True)
        if row[1]
    }


def test_the_migration_seeds_the_common_forms() -> None:
    seeded = set(ValueAlias.objects.values_list("column", "written", "canonical"))

    assert {
        ("title_level", "正高", "senior"),
        ("title_level", "副高", "associate_senior"),
        ("region", "广州", "guangzhou"),
        ("gender", "男性", "male"),
        ("gender", "女性", "female"),
        ("education", "本科", "bachelor"),
        ("id_type", "身份证", "resident"),
    } <= seeded


def test_staff_add_a_form_in_the_browser_and_the_next_import_reads_it(
    client_in: Client, importer: User, django_capture_on_commit_callbacks: Any
) -> None:
    refused_before = refused(
        client_in, django_capture_on_commit_callbacks, person(0, 职称级别="教授级")
    )
    assert refused_before == [("职称级别", "“教授级”不是可选值，请从下拉列表选择。")]

    response = client_in.post(
        reverse("experts:value_alias_create"),
        {"column": "title_level", "written": "教授级", "meaning": "正高级"},
        follow=True,
    )

    assert "已添加：名单中写作“教授级”的值将按“正高级”导入。" in response.content.decode()
    alias = ValueAlias.objects.get(written="教授级")
    assert (alias.column, alias.canonical, alias.created_by) == ("title_level", "senior", importer)
    entry = AuditEntry.objects.get(action="experts.value_alias.created")
    assert entry.data == {"column": "职称级别", "written": "教授级", "value": "正高级"}
    page = client_in.get(reverse("experts:value_alias_list")).content.decode()
    assert "教授级" in page and "陈导入" in page

    job = imported(client_in, django_capture_on_commit_callbacks, [person(0, 职称级别="教授级")])

    assert Expert.objects.get().title_level == "senior"
    assert {"row": 2, "column": "职称级别", "original": "教授级", "stored": "正高级"}.items() <= {
        **next(n for n in job.notices if n["column"] == "职称级别")
    }.items()


def test_a_form_deleted_is_refused_again_and_the_deletion_audited(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    alias = ValueAlias.objects.get(column="region", written="广州")

    client_in.post(reverse("experts:value_alias_delete", args=[alias.pk]))

    assert not ValueAlias.objects.filter(pk=alias.pk).exists()
    entry = AuditEntry.objects.get(action="experts.value_alias.deleted")
    assert entry.data == {"column": "所在地区", "written": "广州", "value": "广州市"}
    errors = refused(client_in, django_capture_on_commit_callbacks, person(0, 所在地区="广州"))
    assert errors == [("所在地区", "“广州”不是可选值，请从下拉列表选择。")]


def test_a_field_of_expertise_can_be_given_another_name(
    client_in: Client, importer: User, django_capture_on_commit_callbacks: Any
) -> None:
    aliases.value_alias_create(
        actor=importer, column="fields", written="电梯安全", meaning="06.03 电梯"
    )

    imported(client_in, django_capture_on_commit_callbacks, [person(0, 主要专业领域="电梯安全")])

    assert Expert.objects.get().primary_field().code == "06.03"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("column", "written", "meaning", "message"),
    [
        (
            "title_level",
            "正高",
            "正高级",
            "“职称级别”中的“正高”已对照为“正高级”；如需改变，请先删除该条。",
        ),
        (
            "title_level",
            "正 高 级",
            "正高级",
            "“正 高 级”本身就是“职称级别”可以填写的值，无需对照。",
        ),
        ("region", "穗", "羊城", "“羊城”不是“所在地区”的可选值；请填写其中之一："),
        ("fields", "锅炉", "99.99", "“99.99”不在目录中。"),
        ("gender", "  ", "男", "请填写名单中的写法。"),
    ],
)
def test_a_form_that_cannot_be_added_is_refused_saying_why(
    importer: User, column: str, written: str, meaning: str, message: str
) -> None:
    before = ValueAlias.objects.count()

    with pytest.raises(ExpertError) as refusal:
        aliases.value_alias_create(actor=importer, column=column, written=written, meaning=meaning)

    assert str(refusal.value).startswith(message)
    assert ValueAlias.objects.count() == before
    assert not AuditEntry.objects.filter(action="experts.value_alias.created").exists()


def test_the_notes_sheet_lists_every_form_of_the_table_and_what_is_refused(
    client_in: Client, importer: User
) -> None:
    aliases.value_alias_create(actor=importer, column="degree", written="工学博士", meaning="博士")

    notes = notes_of(client_in)

    headers = {
        "gender": "性别",
        "id_type": "证件类型",
        "org_type": "单位类型",
        "title_level": "职称级别",
        "education": "学历",
        "degree": "学位",
        "region": "所在地区",
        "special_categories": "特殊类别",
    }
    for column, written in ValueAlias.objects.values_list("column", "written"):
        assert f"{written} → " in notes[headers[column]], (column, written)
    assert "正高 → 正高级" in notes["职称级别"]
    assert "工学博士 → 博士" in notes["学位"]
    assert "不接受（含义不明）：大学、研究生" in notes["学历"]
    assert "唯一的名称（电梯）" in notes["主要专业领域"]
    assert "名称（制造业）" in notes["行业门类"]
    assert "15 位旧身份证号码按 GB 11643" in notes["证件号码"]
    assert "+86" in notes["手机号码"]

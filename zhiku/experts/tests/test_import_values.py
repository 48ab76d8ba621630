"""Importing rosters as office staff type them (issue 10, item 1): what is unambiguous is stored
in its one form and listed on the job page, what is probably wrong is warned about, what is
ambiguous or destroyed is refused with a message that says what to do."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from zhiku.accounts.models import Right, User
from zhiku.experts import crypto, identity
from zhiku.experts.models import Expert, ImportJob
from zhiku.experts.spreadsheets import DATA_SHEET, HEADERS
from zhiku.experts.tests.factories import resident_number, roster_row
from zhiku.experts.tests.support import full_width

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)  # 10:30 in Guangzhou
BIRTH = dt.date(1968, 3, 8)


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


def person(n: int, **cells: Any) -> dict[str, Any]:
    """Return a valid row for person ``n`` (born 1968-03-08, a woman) with ``cells`` as typed."""
    row = roster_row(n)
    row.update(
        {
            "性别": "女",
            "出生日期": BIRTH,
            "证件号码": resident_number(BIRTH, 20 + 2 * n, area="440106"),
            "手机号码": f"1380013{n:04d}",
        }
    )
    row.update(cells)
    return row


def import_rows(client: Client, rows: list[dict[str, Any]], capture: Any) -> ImportJob:
    """Upload ``rows`` as a plain roster (the template's header, values as typed)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    ws.append(list(HEADERS))
    for row in rows:
        ws.append([row.get(h) if row.get(h) != "" else None for h in HEADERS])
    out = io.BytesIO()
    wb.save(out)
    with capture(execute=True):
        client.post(
            reverse("experts:import_start"),
            {"file": SimpleUploadedFile("名单.xlsx", out.getvalue()), "admit": "on"},
        )
    return ImportJob.objects.order_by("-pk").first()  # type: ignore[return-value]


def imported(client: Client, capture: Any, rows: list[dict[str, Any]]) -> ImportJob:
    job = import_rows(client, rows, capture)
    assert job.status == ImportJob.Status.COMPLETED, (job.message, job.errors)
    return job


def refused(client: Client, capture: Any, row: dict[str, Any]) -> list[tuple[str, str]]:
    """Import ``row`` alone; return its errors as (column, message), nothing written."""
    job = import_rows(client, [row], capture)
    assert job.status == ImportJob.Status.REJECTED
    assert not Expert.objects.exists()
    return [(e["column"], e["message"]) for e in job.errors]


def clear_id(expert: Expert) -> str:
    return crypto.decrypt(expert.id_number_token)


def clear_mobile(expert: Expert) -> str:
    return crypto.decrypt(expert.mobile_token)


# --- what is normalised ---------------------------------------------------------------------


def test_identity_numbers_mobiles_and_email_typed_loosely_are_stored_in_one_form(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    numbers = [resident_number(BIRTH, 20 + 2 * n, area="440106") for n in range(6)]
    rows = [
        person(0, 证件号码=full_width(numbers[0]), 手机号码=full_width("13800130000")),
        person(
            1,
            证件号码="\u200b" + numbers[1][:6] + "-" + numbers[1][6:],
            手机号码="+86 138-0013-0001",
        ),
        person(
            2,
            证件号码=numbers[2][:6] + " " + numbers[2][6:14] + " " + numbers[2][14:],
            手机号码="(+86)13800130002",
        ),
        person(3, 手机号码="86-13800130003", 电子邮箱="ＥＸＰＥＲＴ３＠ｅｘａｍｐｌｅ．ｏｒｇ"),
        person(4, 手机号码="＋８６ １３８００１３０００４"),
    ]

    job = imported(client_in, django_capture_on_commit_callbacks, rows)

    by_name = {e.name: e for e in Expert.objects.all()}
    for n in range(5):
        expert = by_name[f"导入专家{n}"]
        assert clear_id(expert) == numbers[n]
        assert expert.id_number_hash == crypto.lookup_hash(
            numbers[n], purpose=crypto.ID_HASH_PURPOSE
        )
        assert clear_mobile(expert) == f"1380013{n:04d}"
    assert by_name["导入专家3"].email == "expert3@example.org"
    listed = {(n["row"], n["column"]) for n in job.notices if n["kind"] == "normalised"}
    assert {(2, "证件号码"), (2, "手机号码"), (3, "证件号码"), (3, "手机号码")} <= listed
    assert {
        (4, "证件号码"),
        (4, "手机号码"),
        (5, "手机号码"),
        (5, "电子邮箱"),
        (6, "手机号码"),
    } <= listed
    # The job keeps no number in clear: identity numbers and mobiles are masked in its notices.
    for notice in job.notices:
        if notice["column"] in {"证件号码", "手机号码"}:
            assert "*" in notice["stored"] and "*" in notice["original"]
    email = next(n for n in job.notices if n["column"] == "电子邮箱")
    assert email["stored"] == "expert3@example.org"


def test_names_and_organisations_are_written_one_way(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        person(0, 姓名="买买提•艾力"),
        person(1, 姓名="阿不都・热合曼"),
        person(2, 姓名="阿依古丽.吐尔逊"),
        person(3, 姓名="买买提\u3000艾力江"),
        person(4, 姓名="王\u3000五"),
        person(5, 姓名="张 三丰"),
        person(6, 姓名="John Smith", 工作单位="广东省特种设备检测研究院(顺德检测院)"),
    ]

    imported(client_in, django_capture_on_commit_callbacks, rows)

    names = set(Expert.objects.values_list("name", flat=True))
    assert names == {
        "买买提·艾力",
        "阿不都·热合曼",
        "阿依古丽·吐尔逊",
        "买买提·艾力江",
        "王五",
        "张三丰",
        "John Smith",
    }
    assert Expert.objects.get(name="John Smith").organisation == (
        "广东省特种设备检测研究院（顺德检测院）"
    )


def test_birth_dates_are_taken_from_the_identity_number_when_blank_or_partial(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    serial = (BIRTH - dt.date(1899, 12, 30)).days  # 24905, as Excel counts
    rows = [
        person(0, 出生日期=None),
        person(1, 出生日期="1968-03"),
        person(2, 出生日期="1968年3月"),
        person(3, 出生日期=serial),
        person(4, 出生日期="1968-03-08 00:00:00"),
    ]

    job = imported(client_in, django_capture_on_commit_callbacks, rows)

    assert set(Expert.objects.values_list("birth_date", flat=True)) == {BIRTH}
    messages = {n["row"]: n["message"] for n in job.notices if n["column"] == "出生日期"}
    assert messages[2] == "出生日期为空，已取证件号码中的出生日期。"
    assert messages[3] == "出生日期只写了年月（1968-03），已取证件号码中的出生日期。"
    assert messages[5] == "“24905”是 Excel 的日期序号，即 1968-03-08，与证件号码一致。"
    assert messages[6] == "去掉了日期后的时间“00:00:00”。"


def test_a_blank_document_type_is_filled_from_a_valid_eighteen_digit_number(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    job = imported(client_in, django_capture_on_commit_callbacks, [person(0, 证件类型=None)])

    assert Expert.objects.get().id_type == identity.IdType.RESIDENT
    (notice,) = [n for n in job.notices if n["column"] == "证件类型"]
    assert notice["stored"] == "居民身份证"
    assert notice["message"] == "证件类型为空：证件号码为 18 位且校验位正确，已填为“居民身份证”。"


def test_a_fifteen_digit_old_number_is_made_eighteen_by_the_official_rule(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # GB 11643: 440106 680308 123 -> 440106 19 680308 123 + the check character.
    old = "440106680308123"
    expected = "44010619680308123" + identity.check_character("44010619680308123")

    job = imported(
        client_in, django_capture_on_commit_callbacks, [person(0, 证件号码=old, 性别="男")]
    )

    assert expected == "440106196803081231"  # 253 mod 11 = 0: the check character is 1
    expert = Expert.objects.get()
    assert clear_id(expert) == expected
    (notice,) = [n for n in job.notices if n["column"] == "证件号码"]
    assert notice["message"] == (
        "15 位旧身份证号码已按 GB 11643 转为 18 位（在第 6 位后加“19”并计算校验位），请与本人核实。"
    )
    assert notice["stored"] == "4****************1"


def test_a_fifteen_digit_number_read_as_a_number_is_converted_too(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    imported(
        client_in,
        django_capture_on_commit_callbacks,
        [person(0, 证件号码=440106680308123, 性别="男")],
    )

    assert clear_id(Expert.objects.get()) == "440106196803081231"


def test_coded_values_written_the_common_ways_map_to_their_one_value(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        person(0, 职称级别="正高", 所在地区="广州", 性别="女性", 学历="本科", 证件类型="身份证"),
        person(1, 职称级别="副高", 所在地区="深圳", 学历="大学本科", 学位="硕士学位"),
        person(2, 主要专业领域="电梯", 其他专业领域="06.01锅炉与压力容器、计量技术与校准"),
        person(3, 主要专业领域="06.03电梯", 行业门类="制造业、农、林、牧、渔业"),
        person(4, 特殊类别="博导、国务院特殊津贴", 法定退休年龄=65),
    ]

    job = imported(client_in, django_capture_on_commit_callbacks, rows)

    by_name = {e.name: e for e in Expert.objects.prefetch_related("industries")}
    first, second = by_name["导入专家0"], by_name["导入专家1"]
    assert (first.title_level, first.region, first.gender) == ("senior", "guangzhou", "female")
    assert (first.education, first.id_type) == ("bachelor", "resident")
    assert (second.title_level, second.region, second.education, second.degree) == (
        "associate_senior",
        "shenzhen",
        "bachelor",
        "master",
    )
    assert by_name["导入专家2"].primary_field().code == "06.03"  # type: ignore[union-attr]
    assert sorted(by_name["导入专家2"].field_links.values_list("field__code", flat=True)) == [
        "03.01",
        "06.01",
        "06.03",
    ]
    assert by_name["导入专家3"].primary_field().code == "06.03"  # type: ignore[union-attr]
    assert sorted(i.code for i in by_name["导入专家3"].industries.all()) == ["A", "C"]
    assert sorted(by_name["导入专家4"].special_categories) == [
        "doctoral_supervisor",
        "state_council_allowance",
    ]
    listed = {(n["row"], n["column"], n["original"], n["stored"]) for n in job.notices}
    assert (2, "职称级别", "正高", "正高级") in listed
    assert (2, "所在地区", "广州", "广州市") in listed
    assert (2, "性别", "女性", "女") in listed
    assert (2, "学历", "本科", "大学本科") in listed
    assert (2, "证件类型", "身份证", "居民身份证") in listed
    assert (4, "主要专业领域", "电梯", "06.03 电梯") in listed
    assert (5, "主要专业领域", "06.03电梯", "06.03 电梯") in listed
    assert (5, "行业门类", "制造业、农、林、牧、渔业", "C 制造业、A 农、林、牧、渔业") in listed
    # Written in its one form already: nothing to list.
    assert not [n for n in job.notices if n["row"] == 3 and n["column"] == "学历"]


def test_the_job_page_lists_what_was_normalised_by_row_and_column(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [person(0, 职称级别="正高"), person(1, 所在地区="广州", 姓名="王\u3000五")]

    job = imported(client_in, django_capture_on_commit_callbacks, rows)
    page = client_in.get(reverse("experts:import_job_detail", args=[job.pk])).content.decode()

    assert job.normalised_count == 3
    assert "已自动规范 3 处" in page
    assert "第 2 行" in page and "正高级" in page
    assert "第 3 行" in page and "广州市" in page and "王五" in page


# --- what is refused ------------------------------------------------------------------------


def test_daxue_as_education_is_refused_as_ambiguous(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    errors = refused(client_in, django_capture_on_commit_callbacks, person(0, 学历="大学"))

    assert errors == [
        ("学历", "“大学”可能是大学本科，也可能是大学专科：请写“大学本科”或“大学专科”。")
    ]


def test_a_two_digit_year_is_refused(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    errors = refused(client_in, django_capture_on_commit_callbacks, person(0, 出生日期="68-3-8"))

    assert errors == [
        (
            "出生日期",
            "年份只写了两位（68-3-8），无法确定是哪个世纪：请写四位年份的完整日期，如 1968-03-08。",
        )
    ]


def test_two_mobiles_in_one_cell_are_refused(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    errors = refused(
        client_in,
        django_capture_on_commit_callbacks,
        person(0, 手机号码="13800130000/13900139000"),
    )

    assert errors == [
        (
            "手机号码",
            "一个单元格只能填一个手机号码：请只保留专家本人最常用的一个，其他号码不要填在本列。",
        )
    ]


def test_a_landline_in_the_mobile_column_is_refused(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    errors = refused(
        client_in, django_capture_on_commit_callbacks, person(0, 手机号码="020-87654321")
    )

    assert errors == [
        ("手机号码", "这是固定电话号码：本列只填手机号码，请改填专家的手机号码，或留空。")
    ]


def test_an_identity_number_excel_stored_as_a_number_is_refused(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    number = resident_number(BIRTH, 20, area="440106")
    as_excel_keeps_it = float(number[:15] + "000")

    errors = refused(
        client_in, django_capture_on_commit_callbacks, person(0, 证件号码=as_excel_keeps_it)
    )

    assert errors == [
        (
            "证件号码",
            "证件号码被 Excel 存成了数字，末几位已丢失；请把该列设为文本格式后按证件重新填写。",
        )
    ]


def test_an_identity_number_in_scientific_notation_is_refused(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    errors = refused(
        client_in, django_capture_on_commit_callbacks, person(0, 证件号码="4.40106E+17")
    )

    assert errors == [
        (
            "证件号码",
            "证件号码显示为科学计数法（4.40106E+17），末几位已丢失：请把该列设为文本格式，"
            "按证件重新填写完整号码。",
        )
    ]


def test_a_wrong_check_digit_is_refused(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    number = resident_number(BIRTH, 20, area="440106")
    wrong = number[:17] + ("1" if number[17] != "1" else "2")

    errors = refused(client_in, django_capture_on_commit_callbacks, person(0, 证件号码=wrong))

    assert errors == [("证件号码", "居民身份证号码的校验位不正确，请逐位核对。")]


def test_a_number_whose_last_digits_excel_zeroed_says_so(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    number = resident_number(BIRTH, 20, area="440106")
    zeroed = number[:15] + "000"
    assert identity.check_character(zeroed[:17]) != "0"  # else the file would be valid

    errors = refused(client_in, django_capture_on_commit_callbacks, person(0, 证件号码=zeroed))

    assert errors == [
        (
            "证件号码",
            "证件号码末三位为 000 且校验位不符：多半是 Excel 曾把号码存成数字，末几位已丢失。"
            "请把该列设为文本格式，按证件重新填写。",
        )
    ]


def test_an_excel_date_serial_that_disagrees_with_the_number_is_refused(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    errors = refused(client_in, django_capture_on_commit_callbacks, person(0, 出生日期=24906))

    assert errors == [
        (
            "出生日期",
            "“24906”是 Excel 的日期序号，即 1968-03-09，与证件号码中的出生日期（1968-03-08）不一致，"
            "请核对。",
        )
    ]


# --- what is warned about -------------------------------------------------------------------


def test_a_gender_disagreeing_with_the_number_is_imported_with_a_warning(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    job = imported(client_in, django_capture_on_commit_callbacks, [person(0, 性别="男")])

    assert Expert.objects.get().gender == "male"  # as written: the number may be the wrong one
    (warning,) = [n for n in job.notices if n["kind"] == "warning"]
    assert (warning["row"], warning["column"]) == (2, "性别")
    assert warning["message"] == (
        "证件号码第 17 位是 0（偶数），表示女，与所填性别“男”不一致，已按所填性别导入，请核对。"
    )
    assert job.warning_count == 1
    page = client_in.get(reverse("experts:import_job_detail", args=[job.pk])).content.decode()
    assert "请核对 1 处" in page


def test_a_senior_title_with_the_level_left_blank_is_imported_with_a_warning(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        person(0, 职称="教授级高工", 职称级别=None),
        person(1, 职称="研究员", 职称级别=None),
        person(2, 职称="副教授", 职称级别=None),
        person(3, 职称="工程师", 职称级别=None),
        person(4, 职称="教授", 职称级别="正高级"),
    ]

    job = imported(client_in, django_capture_on_commit_callbacks, rows)

    assert Expert.objects.get(name="导入专家0").title_level == "none"
    warnings = {n["row"]: n["message"] for n in job.notices if n["kind"] == "warning"}
    assert warnings == {
        2: "职称“教授级高工”通常属正高级，但职称级别为空，已按“无”导入；请核对后在专家详情页修改。",
        3: "职称“研究员”通常属正高级，但职称级别为空，已按“无”导入；请核对后在专家详情页修改。",
        4: "职称“副教授”通常属副高级，但职称级别为空，已按“无”导入；请核对后在专家详情页修改。",
    }

"""Rosters as people keep them (art. 20): the header found wherever it stands, columns mapped
by their names, re-importing with the rows already in the pool skipped, the system's own export
imported again, and .xlsm read for its values only."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from zhiku.accounts.models import Right, User
from zhiku.core.models import AuditEntry
from zhiku.experts import services, spreadsheets
from zhiku.experts.models import Expert, ImportJob
from zhiku.experts.spreadsheets import SpreadsheetError
from zhiku.experts.tests.factories import roster_file, roster_row

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
def revealer(make_user: Any) -> User:
    user: User = make_user(
        "staff",
        username="revealer",
        full_name="林可见",
        rights=(Right.REVIEW_APPLICATIONS, Right.REVEAL_PERSONAL_DATA, Right.EXPORT_DATA),
    )
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def template(importer: User) -> bytes:
    return bytes(client_for(importer).get(reverse("experts:import_template")).content)


def upload(
    client: Client,
    content: bytes,
    capture: Any,
    *,
    name: str = "roster.xlsx",
    skip: bool = False,
) -> ImportJob:
    data: dict[str, Any] = {"file": SimpleUploadedFile(name, content), "admit": "on"}
    if skip:
        data["skip_existing"] = "on"
    with capture(execute=True):
        response = client.post(reverse("experts:import_start"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.order_by("-pk").first()  # type: ignore[return-value]


def job_page(client: Client, job: ImportJob) -> str:
    return client.get(reverse("experts:import_job_detail", args=[job.pk])).content.decode()


def save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# A roster as an office keeps it: its own headers, in its own order.
KEPT = [
    ("序号", None),
    ("姓名", "姓名"),
    ("身份证号", "证件号码"),
    ("证件类型", "证件类型"),
    ("性别", "性别"),
    ("出生年月日", "出生日期"),
    ("单位", "工作单位"),
    ("单位类型", "单位类型"),
    ("手机", "手机号码"),
    ("邮箱", "电子邮箱"),
    ("职称", "职称"),
    ("职称级别", "职称级别"),
    ("地区", "所在地区"),
    ("专业领域", "主要专业领域"),
    ("其他专业领域", "其他专业领域"),
    ("备注", None),
]


def kept_roster(rows: list[dict[str, Any]]) -> bytes:
    """A notes sheet first; on the roster sheet a title row, a merged group header, then the
    header (row 3) with 序号, reordered columns, an extra one, and no 通讯地址 etc."""
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["本表由办公室维护，2019 年起更新。"])
    notes.append(["姓名"])  # one column name alone is no header
    ws = wb.create_sheet("2026年专家")
    ws.append(["广东省质量发展智库专家名单（2026 年 11 月）"])
    ws.merge_cells("A1:P1")
    ws.append(["", "基本信息", None, None, None, None, "工作情况", None, "联系方式"])
    ws.merge_cells("B2:F2")
    ws.merge_cells("G2:H2")
    ws.merge_cells("I2:J2")
    ws.append([header for header, _key in KEPT])
    for n, row in enumerate(rows, start=1):
        values: list[Any] = []
        for header, key in KEPT:
            if key is None:
                values.append(n if header == "序号" else "老专家")
            else:
                values.append(row.get(key))
        ws.append(values)
    ws.append([len(rows) + 1])  # a 序号 numbered ahead, nothing else: a blank row
    return save(wb)


def test_a_roster_as_people_keep_it_imports_and_the_page_lists_what_was_left_out(
    importer: User, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [roster_row(n) for n in range(6)]
    client = client_for(importer)

    job = upload(client, kept_roster(rows), django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.COMPLETED, (job.message, job.errors)
    assert (job.created_count, job.blank_rows) == (6, 0)
    assert job.layout["sheet"] == "2026年专家"
    assert job.layout["header_row"] == 3
    assert job.layout["ignored"] == ["序号（A 列）", "备注（P 列）"]
    assert "通讯地址" in job.layout["missing"] and "工作经历" in job.layout["missing"]
    expert = Expert.objects.get(name="导入专家5")
    assert expert.organisation == rows[5]["工作单位"]
    assert expert.email == "expert5@example.org"
    assert expert.address == ""
    assert expert.birth_date == rows[5]["出生日期"]
    assert expert.get_title_level_display() == rows[5]["职称级别"]
    page = job_page(client, job)
    assert "工作表“2026年专家”第 3 行" in page
    assert "序号（A 列）、备注（P 列）" in page
    assert "通讯地址" in page


def test_a_kept_roster_without_rows_says_to_fill_in_below_its_own_header(
    importer: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(importer)

    job = upload(client, kept_roster([]), django_capture_on_commit_callbacks)

    message = "文件中没有专家数据：请在“2026年专家”工作表中从第 4 行起填写。"
    assert job.status == ImportJob.Status.REJECTED
    assert job.message.startswith(message)
    assert message in job_page(client, job)
    assert not Expert.objects.exists()


def test_the_first_row_naming_the_columns_is_the_header_and_rows_count_from_it(
    tmp_path: Path, template: bytes
) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(kept_roster([roster_row(n) for n in range(3)]))

    upload_ = spreadsheets.open_upload(path)
    try:
        read = list(upload_.rows)
    finally:
        upload_.close()

    assert [number for number, _values in read] == [4, 5, 6]
    first = dict(zip((c.key for c in spreadsheets.COLUMNS), read[0][1], strict=True))
    assert first["name"] == "导入专家0" and first["id_number"] == roster_row(0)["证件号码"]
    assert first["mobile"] == roster_row(0)["手机号码"] and first["address"] is None
    assert upload_.layout.positions["id_number"] == 2  # column C


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            ["序号", "姓名", "性别", "证件号码", "工作单位"],
            "找不到必填列：“出生日期”、“证件类型”、“单位类型”、“所在地区”、“主要专业领域”"
            "（表头在工作表“Sheet”第 1 行）",
        ),
        (
            ["姓名", "手机", "联系电话", "性别", "证件号码"],
            "表头（第 1 行）中“手机”（B 列）和“联系电话”（C 列）都是“手机号码”，无法确定用哪一列。",
        ),
        (["编号", "名称", "备注"], "找不到表头：每个工作表的前 20 行中都没有一行写着模板的列名"),
    ],
    ids=["missing-required", "named-twice", "no-header"],
)
def test_a_header_the_import_cannot_use_is_refused_with_what_to_do(
    tmp_path: Path, headers: list[str], message: str
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers)
    ws.append(["x"] * len(headers))
    path = tmp_path / "r.xlsx"
    path.write_bytes(save(wb))

    with pytest.raises(SpreadsheetError, match=re.escape(message)):
        spreadsheets.open_upload(path)


def test_a_header_below_the_first_twenty_rows_is_not_looked_for(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for n in range(20):
        ws.append([f"说明 {n}"])
    ws.append(list(spreadsheets.HEADERS))
    path = tmp_path / "r.xlsx"
    path.write_bytes(save(wb))

    with pytest.raises(SpreadsheetError, match="找不到表头"):
        spreadsheets.open_upload(path)


def test_two_sheets_that_both_look_like_rosters_are_not_guessed_between(
    tmp_path: Path, template: bytes
) -> None:
    wb = load_workbook(io.BytesIO(roster_file(template, [roster_row(1)])))
    wb["专家名单"].title = "2025年"
    wb.copy_worksheet(wb["2025年"]).title = "2026年"
    path = tmp_path / "r.xlsx"
    path.write_bytes(save(wb))

    with pytest.raises(SpreadsheetError, match="有 2 个工作表都像专家名单（“2025年”、“2026年”）"):
        spreadsheets.open_upload(path)


def test_a_header_cell_merged_down_over_two_rows_is_read_from_the_upper_row(
    tmp_path: Path,
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    required = [c.header for c in spreadsheets.COLUMNS if c.required]
    ws.append([*required, "联系方式", None])
    ws.append([None] * len(required) + ["手机", "邮箱"])
    for i in range(1, len(required) + 1):
        ws.merge_cells(start_row=1, start_column=i, end_row=2, end_column=i)
    path = tmp_path / "r.xlsx"
    path.write_bytes(save(wb))

    layout = spreadsheets.open_upload(path).layout

    assert layout.header_row == 2
    assert layout.positions["name"] == 0 and layout.positions["mobile"] == len(required)


# --- the marked copy ------------------------------------------------------------------------


def test_the_marked_copy_keeps_title_header_row_and_extra_columns_and_marks_both_copies(
    importer: User, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [roster_row(n) for n in range(4)]
    rows[3]["证件号码"] = rows[1]["证件号码"]
    rows[3]["出生日期"] = rows[1]["出生日期"]
    rows[3]["性别"] = rows[1]["性别"]
    rows[2]["手机号码"] = "123"
    client = client_for(importer)

    job = upload(client, kept_roster(rows), django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (5, "证件号码"),
        (6, "手机号码"),
        (7, "证件号码"),
    ]
    assert job.errors[0]["message"].startswith("与第 7 行重复（证件号码")
    assert job.errors[2]["message"].startswith("与第 5 行重复（证件号码")
    marked = client.get(reverse("experts:import_job_errors", args=[job.pk]))
    ws = load_workbook(io.BytesIO(marked.getvalue()))["专家名单"]
    assert ws["A1"].value == "广东省质量发展智库专家名单（2026 年 11 月）"
    header = [c.value for c in ws[3]]
    assert header == [h for h, _k in KEPT] + ["校验结果", "错误说明（修改后可删除本列）"]
    assert ws["C5"].fill.fgColor.rgb == "FFF4B6B6" and ws["C7"].fill.fgColor.rgb == "FFF4B6B6"
    assert ws["I6"].comment is not None and ws["I6"].number_format == "@"
    assert [ws.cell(row=r, column=17).value for r in range(4, 8)] == [
        "无误",
        "有误",
        "有误",
        "有误",
    ]
    assert ws["P4"].value == "老专家"  # the extra column, kept for the next upload
    assert (ws["A8"].value, ws["Q8"].value) == (5, None)  # a 序号 alone: copied, not judged
    assert ws.auto_filter.ref == "A3:R8"
    assert ws.freeze_panes == "B4"


# --- re-importing ---------------------------------------------------------------------------


def fifty_with_five_in_the_pool(
    client: Client, template: bytes, capture: Any
) -> tuple[list[dict[str, Any]], ImportJob]:
    rows = [roster_row(n) for n in range(50)]
    first = upload(client, roster_file(template, rows[10:15]), capture)
    assert first.status == ImportJob.Status.COMPLETED
    return rows, first


def test_re_importing_fifty_rows_of_which_five_are_in_the_pool_imports_forty_five_with_skip(
    importer: User, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(importer)
    rows, _first = fifty_with_five_in_the_pool(client, template, django_capture_on_commit_callbacks)
    before = {e.name: e.pool_number for e in Expert.objects.all()}

    refused = upload(client, roster_file(template, rows), django_capture_on_commit_callbacks)
    assert refused.status == ImportJob.Status.REJECTED
    assert refused.existing_rows == 5
    assert [e["row"] for e in refused.errors] == list(range(12, 17))  # one message per row
    assert "勾选“跳过专家库中已有的人员”" in job_page(client, refused)

    job = upload(client, roster_file(template, rows), django_capture_on_commit_callbacks, skip=True)

    assert job.status == ImportJob.Status.COMPLETED, (job.message, job.errors)
    assert (job.created_count, job.processed_rows, job.refused_rows) == (45, 50, 5)
    assert Expert.objects.count() == 50
    assert len(set(Expert.objects.values_list("id_number_hash", flat=True))) == 50
    assert {e.name: e.pool_number for e in Expert.objects.filter(name__in=before)} == before
    assert [s["row"] for s in job.skipped] == list(range(12, 17))
    assert [s["name"] for s in job.skipped] == [f"导入专家{n}" for n in range(10, 15)]
    assert all(s["pool_number"] == "" and s["expert"] == "" for s in job.skipped)
    assert job.message == "已导入 45 位专家。5 位已在专家库中，按您的选择跳过，见下方名单。"
    page = job_page(client, job)
    assert "按您的选择跳过的人员（5 位）" in page and "导入专家12" in page
    assert "GDQ-2026-0001" not in page.split("import-skipped")[1]  # the holder is not named
    entry = AuditEntry.objects.filter(action="experts.import.completed").latest("pk")
    assert entry.data["skipped_rows"] == [12, 13, 14, 15, 16]


def test_people_in_the_pool_are_found_across_lookup_chunks(
    importer: User,
    template: bytes,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The numbers are looked up 500 to a query; with 2 to a query, five holders take three
    queries per kind and every one of them is still found."""
    from zhiku.experts.services import duplicates

    client = client_for(importer)
    rows, _first = fifty_with_five_in_the_pool(client, template, django_capture_on_commit_callbacks)
    monkeypatch.setattr(duplicates, "LOOKUP_CHUNK", 2)

    refused = upload(client, roster_file(template, rows), django_capture_on_commit_callbacks)

    assert refused.status == ImportJob.Status.REJECTED
    assert refused.existing_rows == 5
    assert [e["row"] for e in refused.errors] == list(range(12, 17))


def test_the_skipped_list_names_the_experts_only_to_a_revealer(
    revealer: User, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(revealer)
    rows, first = fifty_with_five_in_the_pool(client, template, django_capture_on_commit_callbacks)

    job = upload(client, roster_file(template, rows), django_capture_on_commit_callbacks, skip=True)

    assert job.created_count == 45
    assert job.skipped[0]["pool_number"] == first.first_pool_number == "GDQ-2026-0001"
    assert job.skipped[0]["expert"] == "导入专家10（GDQ-2026-0001）"
    assert "导入专家10（GDQ-2026-0001）" in job_page(client, job)


def test_skipping_still_refuses_other_errors_and_marks_the_skipped_rows(
    importer: User, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(importer)
    rows, _first = fifty_with_five_in_the_pool(client, template, django_capture_on_commit_callbacks)
    rows[40]["手机号码"] = rows[41]["手机号码"]

    job = upload(client, roster_file(template, rows), django_capture_on_commit_callbacks, skip=True)

    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(42, "手机号码"), (43, "手机号码")]
    assert Expert.objects.count() == 5
    marked = client.get(reverse("experts:import_job_errors", args=[job.pk]))
    ws = load_workbook(io.BytesIO(marked.getvalue()))["专家名单"]
    result = len(spreadsheets.HEADERS) + 1
    assert ws.cell(row=12, column=result).value == "已在库中（已跳过）"
    assert ws.cell(row=42, column=result).value == "有误"
    assert ws.cell(row=2, column=result).value == "无误"


def test_past_the_daily_limit_nothing_is_skipped_for_staff_who_may_not_reveal(
    importer: User, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(importer)
    rows = [roster_row(n) for n in range(40)]
    upload(client, roster_file(template, rows[:35]), django_capture_on_commit_callbacks)

    job = upload(client, roster_file(template, rows), django_capture_on_commit_callbacks, skip=True)

    assert job.status == ImportJob.Status.REJECTED
    assert Expert.objects.count() == 35
    summary = next(e for e in job.errors if e["row"] == 1)
    assert summary["message"].startswith("另有 5 行")
    assert "已在库中的人员因此无法逐一跳过" in summary["message"]


# --- the system's own export ----------------------------------------------------------------


def forget_numbers() -> None:
    """Let the pool's experts no longer hold their numbers (an expert is never deleted)."""
    Expert.objects.update(  # same length, no longer a hash of any number
        id_number_hash=Concat(Value("x"), Substr("id_number_hash", 2)),
        mobile_hash=Concat(Value("x"), Substr("mobile_hash", 2)),
    )


def exported(user: User) -> bytes:
    return services.expert_list_export(actor=user, filters={}, today=NOW.date(), now=NOW).content


def test_the_full_export_re_imports_and_gives_back_the_same_experts(
    revealer: User, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(revealer)
    # Without e-mail: the accounts would outlive the experts deleted below.
    rows = [roster_row(n, email=False) for n in range(12)]
    upload(client, roster_file(template, rows), django_capture_on_commit_callbacks)
    fields = (
        "name",
        "gender",
        "birth_date",
        "id_type",
        "organisation",
        "org_type",
        "title",
        "title_level",
        "education",
        "degree",
        "region",
        "email",
    )

    def snapshot(experts: Any) -> dict[str, Any]:
        return {
            e.id_number_masked: (
                *(getattr(e, f) for f in fields),
                sorted((link.field.code, link.is_primary) for link in e.field_links.all()),
                sorted(e.industries.values_list("code", flat=True)),
            )
            for e in experts
        }

    before = snapshot(Expert.objects.all())
    content = exported(revealer)

    again = upload(client, content, django_capture_on_commit_callbacks, name="导出.xlsx", skip=True)
    assert again.status == ImportJob.Status.COMPLETED, (again.message, again.errors)
    assert (again.created_count, len(again.skipped)) == (0, 12)  # all there: nothing doubled
    assert again.layout["header_row"] == 3
    assert again.layout["ignored"] == ["专家编号（A 列）", "省外专家（Q 列）", "状态（U 列）"]

    forget_numbers()  # as if into a pool without them
    into_empty = upload(client, content, django_capture_on_commit_callbacks, name="导出.xlsx")
    assert into_empty.status == ImportJob.Status.COMPLETED, (into_empty.message, into_empty.errors)
    assert into_empty.created_count == 12
    assert snapshot(Expert.objects.filter(import_job=into_empty)) == before


def test_a_masked_export_is_refused_saying_whose_export_imports(
    importer: User,
    make_user: Any,
    template: bytes,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(importer)
    upload(
        client,
        roster_file(template, [roster_row(1, email=False)]),
        django_capture_on_commit_callbacks,
    )
    masked = exported(make_user("staff", username="exporter", rights=(Right.EXPORT_DATA,)))
    forget_numbers()

    job = upload(client, masked, django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "证件号码"), (4, "手机号码")]
    assert job.errors[0]["message"].startswith("证件号码是脱敏后的号码（含 *），无法导入。")
    assert "查看受保护的个人信息" in job.errors[0]["message"]


# --- .xlsm ----------------------------------------------------------------------------------

MACRO_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def as_xlsm(content: bytes, macro: bytes = b'Attribute VB_Name = "Module1"\n' * 50) -> bytes:
    """Return ``content`` as Excel saves a macro-enabled workbook: the workbook part typed as
    macro-enabled and a VBA project beside it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(PLAIN_TYPE.encode(), MACRO_TYPE.encode()).replace(
                    b"</Types>",
                    b'<Default Extension="bin" '
                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        dst.writestr("xl/vbaProject.bin", macro, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_an_xlsm_roster_imports_its_values(
    importer: User, template: bytes, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    content = as_xlsm(roster_file(template, [roster_row(n) for n in range(3)]))
    assert MACRO_TYPE.encode() in zipfile.ZipFile(io.BytesIO(content)).read("[Content_Types].xml")

    job = upload(
        client_for(importer), content, django_capture_on_commit_callbacks, name="名单.xlsm"
    )

    assert job.status == ImportJob.Status.COMPLETED, (job.message, job.errors)
    assert job.created_count == 3
    assert [p for p in (media / "imports").rglob("*") if p.is_file()] == []  # upload gone


def test_an_xlsm_is_held_to_the_same_archive_limits(
    importer: User, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    # A "macro" of 4 MB of zeros: the table of contents says so before anything is read.
    bomb = as_xlsm(roster_file(template, [roster_row(1)]), macro=b"\0" * (4 * 1024 * 1024))

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(importer).post(
            reverse("experts:import_start"),
            {"file": SimpleUploadedFile("名单.xlsm", bomb), "admit": "on"},
        )

    assert response.status_code == 400
    assert "文件的压缩比异常：“xl/vbaProject.bin”" in response.content.decode()
    assert not ImportJob.objects.exists()

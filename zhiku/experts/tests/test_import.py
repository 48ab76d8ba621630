"""Importing a roster spreadsheet: all rows valid or nothing written, errors by row and column."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from zhiku.accounts.models import AccountChange, Right, Role, User
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry
from zhiku.core.spreadsheets import XLSX_CONTENT_TYPE
from zhiku.experts import services, spreadsheets
from zhiku.experts.choices import Status
from zhiku.experts.models import (
    ActivationEmail,
    Expert,
    ImportJob,
    PoolNumberCounter,
    StatusChange,
)
from zhiku.experts.services import imports
from zhiku.experts.tests.factories import make_expert, resident_number, roster_file, roster_row

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)  # 10:30 in Guangzhou


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


@pytest.fixture
def template(client_in: Client) -> bytes:
    response = client_in.get(reverse("experts:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    return bytes(response.content)


def upload(client: Client, content: bytes, capture: Any, name: str = "roster.xlsx") -> Any:
    with capture(execute=True):
        return client.post(
            reverse("experts:import_start"),
            {"file": SimpleUploadedFile(name, content), "admit": "on"},
        )


def stored_files(media: Path) -> list[Path]:
    return sorted(p for p in (media / "imports").glob("*") if p.is_file())


def test_template_has_chinese_headers_notes_and_drop_down_lists(template: bytes) -> None:
    wb = load_workbook(io.BytesIO(template))

    assert wb.sheetnames == ["专家名单", "填写说明", "选项"]
    assert wb["选项"].sheet_state == "hidden"
    data = wb["专家名单"]
    assert tuple(c.value for c in data[1]) == spreadsheets.HEADERS
    lists = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in data.data_validations.dataValidation
    }
    assert lists["B2"].startswith("'选项'!$")  # 性别
    assert "T2" in lists and "U2" in lists  # 所在地区, 主要专业领域
    options = wb["选项"]
    all_options = {c.value for row in options.iter_rows() for c in row if c.value}
    assert {"02.01 标准制修订", "居民身份证", "外省（区、市）", "C 制造业"} <= all_options
    notes = [r for r in wb["填写说明"].iter_rows(values_only=True)]
    assert notes[8][:3] == ("E", "证件号码", "必填")
    assert data.column_dimensions["E"].number_format == "@"


def test_valid_file_imports_every_row_with_accounts_and_pool_numbers(
    client_in: Client,
    template: bytes,
    importer: User,
    media: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    rows = [roster_row(n, email=n % 10 != 3) for n in range(30)]

    response = upload(client_in, roster_file(template, rows), django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("experts:import_job_detail", args=[job.pk])
    assert job.status == ImportJob.Status.COMPLETED
    assert (job.created_count, job.account_count, job.no_email_count) == (30, 27, 3)
    assert (job.first_pool_number, job.last_pool_number) == ("GDQ-2026-0001", "GDQ-2026-0030")
    assert PoolNumberCounter.objects.get(year=2026).last == 30
    expert = Expert.objects.get(name="导入专家5")
    assert expert.status == Status.ACTIVE
    number = rows[5]["证件号码"]
    assert expert.id_number_masked == number[0] + "*" * 16 + number[-1]
    primary = expert.primary_field()
    assert primary is not None and primary.code == "02.01"
    assert sorted(expert.industries.values_list("code", flat=True)) == []
    assert sorted(f.field.code for f in expert.field_links.all()) == ["01.02", "02.01", "05.02"]
    assert expert.user is not None and expert.user.username == "expert5@example.org"
    assert not expert.user.has_usable_password()
    assert expert.user.role == Role.EXPERT
    assert Expert.objects.get(name="导入专家3").user is None
    first = Expert.objects.get(name="导入专家0")
    assert first.special_categories == ["doctoral_supervisor", "state_council_allowance"]
    assert first.statutory_retirement_age == 65
    assert (first.address, expert.address) == ("", "广州市天河区华观路 5 号")
    assert sorted(first.industries.values_list("code", flat=True)) == ["C", "M"]
    assert StatusChange.objects.filter(to_value=Status.ACTIVE).count() == 30
    assert AccountChange.objects.filter(kind=AccountChange.Kind.CREATED).count() == 27
    assert len(mail.outbox) == 27
    assert "http://testserver/accounts/password/reset/" in mail.outbox[0].body
    emails = ActivationEmail.objects.filter(job=job)
    assert emails.filter(status=ActivationEmail.Status.SENT).count() == 27
    assert ImportJob.objects.get().email_state == ImportJob.EmailState.DONE
    assert Expert.objects.filter(import_job=job).count() == 30
    actions = list(
        AuditEntry.objects.filter(action__startswith="experts.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "experts.import.started",
        "experts.import.completed",
        "experts.import.activation_sent",
    ]
    assert stored_files(media) == []
    page = client_in.get(response["Location"]).content.decode()
    assert "3 位专家未填写电子邮箱，没有开设账户" in page
    assert "GDQ-2026-0001 至 GDQ-2026-0030" in page
    assert "已全部发出" in page


def test_one_bad_row_among_500_writes_nothing_and_names_its_row_and_column(
    client_in: Client, template: bytes, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [roster_row(n) for n in range(500)]
    good = rows[137]["证件号码"]
    rows[137]["证件号码"] = good[:-1] + ("0" if good[-1] != "0" else "1")
    users_before = User.objects.count()

    upload(client_in, roster_file(template, rows), django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert job.errors == [
        {"row": 139, "column": "证件号码", "message": "居民身份证号码的校验位不正确，请逐位核对。"}
    ]
    assert "共读取 500 行，其中 1 行有错误（共 1 处），未导入任何数据" in job.message
    assert (job.processed_rows, job.created_count, job.refused_rows) == (500, 0, 500)
    assert Expert.objects.count() == 0
    assert User.objects.count() == users_before
    assert not PoolNumberCounter.objects.exists()
    assert AuditEntry.objects.filter(action="experts.import.rejected").count() == 1
    assert stored_files(media) == []  # the upload is gone; only the marked copy is kept
    page = client_in.get(reverse("experts:import_job_detail", args=[job.pk])).content.decode()
    assert "第 139 行" in page and "校验位不正确" in page

    marked = client_in.get(reverse("experts:import_job_errors", args=[job.pk]))
    assert marked.status_code == 200
    ws = load_workbook(io.BytesIO(marked.getvalue()))["专家名单"]
    assert ws["E139"].fill.fgColor.rgb == "FFF4B6B6"
    assert ws["E139"].comment is not None and "校验位" in ws["E139"].comment.text
    assert ws["E138"].comment is None
    result = len(spreadsheets.HEADERS) + 1  # 校验结果, then the errors in words
    assert (ws.cell(row=1, column=result).value, ws.cell(row=139, column=result).value) == (
        "校验结果",
        "有误",
    )
    assert ws.cell(row=138, column=result).value == "无误"
    assert "证件号码：" in str(ws.cell(row=139, column=result + 1).value)
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=501, column=result + 1).coordinate}"
    assert AuditEntry.objects.filter(action="experts.import.error_file_downloaded").count() == 1


def test_rows_are_numbered_as_excel_shows_them_when_blank_rows_stand_above_the_header(
    client_in: Client, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [roster_row(n) for n in range(2)]
    rows[0]["证件号码"] = "123"
    wb = load_workbook(io.BytesIO(roster_file(template, rows)))
    wb["专家名单"].insert_rows(1, amount=2)
    shifted = io.BytesIO()
    wb.save(shifted)

    upload(client_in, shifted.getvalue(), django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "证件号码")]


def test_marked_error_files_are_deleted_a_week_after_their_job_ended(
    client_in: Client,
    template: bytes,
    importer: User,
    media: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    old_file = media / "imports" / "errors" / "old.xlsx"
    old_file.parent.mkdir(parents=True)
    old_file.write_bytes(b"numbers in clear")
    old = ImportJob.objects.create(
        created_by=importer,
        created_at=NOW - dt.timedelta(days=9),
        finished_at=NOW - dt.timedelta(days=8),
        file_name="old.xlsx",
        status=ImportJob.Status.REJECTED,
        error_file="imports/errors/old.xlsx",
    )

    upload(client_in, roster_file(template, [roster_row(1)]), django_capture_on_commit_callbacks)

    old.refresh_from_db()
    assert not old_file.exists()
    assert old.error_file == ""
    assert client_in.get(reverse("experts:import_job_errors", args=[old.pk])).status_code == 404


def test_an_error_file_past_its_week_is_refused_and_deleted_even_without_a_new_import(
    client_in: Client, importer: User, media: Path
) -> None:
    stale = media / "imports" / "errors" / "stale.xlsx"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"numbers in clear")
    job = ImportJob.objects.create(
        created_by=importer,
        created_at=NOW - dt.timedelta(days=9),
        finished_at=NOW - dt.timedelta(days=7, minutes=1),
        file_name="stale.xlsx",
        status=ImportJob.Status.REJECTED,
        error_file="imports/errors/stale.xlsx",
    )

    response = client_in.get(reverse("experts:import_job_errors", args=[job.pk]))

    assert response.status_code == 404
    assert not stale.exists()


def test_duplicates_in_the_file_and_in_the_pool_are_named(
    client_in: Client, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    existing = resident_number(dt.date(1975, 3, 9), 12)
    make_expert(id_number=existing, birth_date=dt.date(1975, 3, 9), pool_number="GDQ-2025-0007")
    rows = [roster_row(n) for n in range(4)]
    rows[1]["出生日期"] = dt.date(1975, 3, 9)
    rows[1]["证件号码"] = existing
    rows[1]["性别"] = "女"  # the number's 17th digit is even
    rows[3]["手机号码"] = rows[2]["手机号码"]
    rows[3]["电子邮箱"] = rows[0]["电子邮箱"].upper()

    upload(client_in, roster_file(template, rows), django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    # One message per row, on both copies of a row repeated in the file.
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (2, "电子邮箱", "与第 5 行重复（电子邮箱相同），同一人只能填写一行。"),
        (3, "证件号码", job.errors[1]["message"]),
        (4, "手机号码", "与第 5 行重复（手机号码相同），同一人只能填写一行。"),
        (5, "手机号码", "与第 2、4 行重复（手机号码、电子邮箱相同），同一人只能填写一行。"),
    ]
    in_pool = job.errors[1]["message"]
    assert "已登记在专家库中" in in_pool and "不能重复录入" in in_pool
    assert "GDQ-2025-0007" not in in_pool  # the importer may not reveal numbers
    assert job.existing_rows == 1
    assert Expert.objects.count() == 1


def test_each_kind_of_bad_cell_gets_a_chinese_message(
    client_in: Client, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    row = roster_row(1)
    row.update(
        {
            "性别": "未知",
            "出生日期": "1970-13-01",
            "电子邮箱": "not-an-email",
            "主要专业领域": "99.99",
            "行业门类": "Z",
            "姓名": "",
        }
    )

    upload(client_in, roster_file(template, [row]), django_capture_on_commit_callbacks)

    errors = {(e["column"], e["message"]) for e in ImportJob.objects.get().errors}
    assert ("姓名", "必填，不能为空。") in errors
    assert ("性别", "“未知”不是可选值，请从下拉列表选择。") in errors
    assert ("出生日期", "应为日期，如 1970-05-17。") in errors
    assert "电子邮箱" in {column for column, _message in errors}  # Django words the rule
    assert ("主要专业领域", "“99.99”不在专业领域目录中。") in errors
    assert ("行业门类", "“Z”不是行业门类代码（A–T）。") in errors


def _empty_workbook() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def _wrong_headers(template: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    wb["专家名单"]["C1"] = "出身"  # no name of 出生日期
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: _empty_workbook(), "文件是空的：没有表头，也没有专家数据。"),
        (lambda t: t, "文件中没有专家数据：请在“专家名单”工作表中从第 2 行起填写。"),
        (
            _wrong_headers,
            "找不到必填列：“出生日期”（表头在工作表“专家名单”第 1 行）。",
        ),
    ],
    ids=["empty", "template-without-rows", "wrong-headers"],
)
def test_a_file_that_is_not_a_filled_template_gets_a_clear_message(
    client_in: Client,
    template: bytes,
    media: Path,
    django_capture_on_commit_callbacks: Any,
    make: Any,
    message: str,
) -> None:
    upload(client_in, make(template), django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert job.message.startswith(message)
    assert job.error_file == ""
    assert stored_files(media) == []
    page = client_in.get(reverse("experts:import_job_detail", args=[job.pk])).content.decode()
    assert message in page


def test_a_file_that_is_not_xlsx_by_name_is_refused_at_upload(
    client_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    response = upload(client_in, b"a,b\n", django_capture_on_commit_callbacks, name="名单.csv")

    assert response.status_code == 400
    assert "只接受 .xlsx 或 .xlsm 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused_at_upload_and_nothing_is_kept(
    client_in: Client, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    response = upload(client_in, b"name,mobile\n", django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "无法读取该文件：它不是 .xlsx 文件" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert stored_files(media) == []


def test_a_failure_in_the_middle_of_writing_leaves_nothing_behind(
    client_in: Client,
    template: bytes,
    media: Path,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    real_insert = imports.bulk_insert

    def failing_insert(model: Any, rows: Any) -> None:
        # Status rows are written after accounts, experts and fields: fail there.
        if model is StatusChange:
            raise RuntimeError("disk full")
        real_insert(model, rows)

    monkeypatch.setattr(imports, "bulk_insert", failing_insert)
    users_before = User.objects.count()

    upload(
        client_in,
        roster_file(template, [roster_row(n) for n in range(20)]),
        django_capture_on_commit_callbacks,
    )

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert "未写入任何数据" in job.message
    assert Expert.objects.count() == 0
    assert User.objects.count() == users_before
    assert not AccountChange.objects.exists()
    assert not PoolNumberCounter.objects.exists()
    assert len(mail.outbox) == 0
    assert AuditEntry.objects.filter(action="experts.import.failed").count() == 1
    assert stored_files(media) == []


def test_running_a_finished_job_again_changes_nothing(
    client_in: Client, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    upload(client_in, roster_file(template, [roster_row(1)]), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()

    again = services.import_job_run(job=job)

    assert again.status == ImportJob.Status.COMPLETED
    assert Expert.objects.count() == 1


def test_the_progress_fragment_polls_until_the_job_ends(client_in: Client, importer: User) -> None:
    job = ImportJob.objects.create(
        created_by=importer,
        created_at=dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC),
        file_name="big.xlsx",
        status=ImportJob.Status.RUNNING,
        total_rows=8000,
        processed_rows=2500,
    )
    url = reverse("experts:import_job_progress", args=[job.pk])

    running = client_in.get(url).content.decode()
    job.status, job.message = ImportJob.Status.COMPLETED, "已导入 8000 位专家。"
    job.save()
    done = client_in.get(url).content.decode()

    assert 'hx-trigger="every 1s"' in running
    assert '<progress max="8000" value="2500">' in running
    assert "hx-trigger" not in done
    assert "已导入 8000 位专家。" in done


def test_import_jobs_are_private_to_their_uploader(
    client_in: Client, importer: User, make_user: Any, media: Path
) -> None:
    error_file = media / "imports" / "errors" / "x.xlsx"
    error_file.parent.mkdir(parents=True)
    error_file.write_bytes(b"marked copy")
    job = ImportJob.objects.create(
        created_by=importer,
        created_at=dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC),
        finished_at=dt.datetime(2026, 11, 27, 2, 1, tzinfo=dt.UTC),
        file_name="mine.xlsx",
        status=ImportJob.Status.REJECTED,
        error_file="imports/errors/x.xlsx",
    )
    other = make_user("staff", username="other", rights=(Right.REVIEW_APPLICATIONS,))
    intruder = Client()
    intruder.force_login(other)

    assert "mine.xlsx" in client_in.get(reverse("experts:import_page")).content.decode()
    assert "mine.xlsx" not in intruder.get(reverse("experts:import_page")).content.decode()
    for name in ("import_job_detail", "import_job_progress", "import_job_errors"):
        assert client_in.get(reverse(f"experts:{name}", args=[job.pk])).status_code == 200
        assert intruder.get(reverse(f"experts:{name}", args=[job.pk])).status_code == 404


def test_import_needs_the_review_right_and_the_page_says_so(
    client_in: Client, make_user: Any
) -> None:
    clerk = Client()
    clerk.force_login(make_user("staff", username="clerk", rights=(Right.EXPORT_DATA,)))

    assert clerk.get(reverse("experts:import_page")).status_code == 403
    assert (
        "只有持有“审核入库申请”权限的工作人员可以导入"
        in client_in.get(reverse("experts:import_page")).content.decode()
    )
    with pytest.raises(AccessDenied, match="审核入库申请"):
        services.import_job_create(
            actor=User.objects.get(username="clerk"),
            upload=SimpleUploadedFile("a.xlsx", b"x"),
            admit_on=None,
        )

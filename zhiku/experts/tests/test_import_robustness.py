"""The import as a new user and an attacker found it (issue 9, items 1, 2, 4, 5 and 14).

Each fault is reproduced as it was found: a sheet whose declared size is stale, a 300 KB
workbook of 200 MB of empty rows, a 200 MB shared string, XML with entities, an e-mail task
dying midway. The bomb files are written here, with zipfile and deflate, never committed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import smtplib
import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends import locmem
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhiku.accounts.models import Right, User
from zhiku.core.models import AuditEntry
from zhiku.experts import services, spreadsheets
from zhiku.experts.models import ActivationEmail, Expert, ImportJob
from zhiku.experts.services import imports
from zhiku.experts.spreadsheets import SpreadsheetError, archive
from zhiku.experts.tests.factories import roster_file, roster_row

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)  # 10:30 in Guangzhou
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


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
    return bytes(client_in.get(reverse("experts:import_template")).content)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Stand in for time.sleep: record the pauses instead of waiting."""
    taken: list[float] = []
    monkeypatch.setattr("time.sleep", taken.append)
    return taken


def upload(client: Client, content: bytes, capture: Any, name: str = "roster.xlsx") -> Any:
    with capture(execute=True):
        return client.post(
            reverse("experts:import_start"),
            {"file": SimpleUploadedFile(name, content), "admit": "on"},
        )


def job_page(client: Client, job: ImportJob) -> str:
    return str(client.get(reverse("experts:import_job_detail", args=[job.pk])).content.decode())


def stored(media: Path) -> list[Path]:
    folder = media / "imports"
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.exists() else []


# --- building files -------------------------------------------------------------------------


def rewrite(content: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """Return the .xlsx ``content`` with ``part`` changed, every member deflated afresh."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    return out.getvalue()


def with_doctype(xml: bytes, doctype: bytes) -> bytes:
    """Put ``doctype`` before the root element (after the XML declaration, if there is one)."""
    if xml.startswith(b"<?xml"):
        declaration, rest = xml.split(b"?>", 1)
        return declaration + b"?>" + doctype + rest
    return doctype + xml


MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook_of(sheet: Iterator[bytes], strings: Iterator[bytes] | None = None) -> bytes:
    """Write a minimal .xlsx whose sheet (and shared strings) stream from the given chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
            b'-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            b'sharedStrings+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="' + REL + b'/officeDocument" '
            b'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            b'<?xml version="1.0"?><workbook xmlns="' + MAIN + b'" xmlns:r="' + REL + b'">'
            b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="' + REL + b'/worksheet" '
            b'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="' + REL + b"/"
            b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        for name, chunks in ((SHEET, sheet), (STRINGS, strings)):
            if chunks is None:  # the part the content types promise, empty
                chunks = iter([b'<?xml version="1.0"?><sst xmlns="' + MAIN + b'"/>'])
            with z.open(name, "w", force_zip64=True) as f:
                for chunk in chunks:
                    f.write(chunk)
    return out.getvalue()


def sheet_of(rows: Iterator[bytes]) -> Iterator[bytes]:
    yield b'<?xml version="1.0"?><worksheet xmlns="' + MAIN + b'"><sheetData>'
    yield from rows
    yield b"</sheetData></worksheet>"


def empty_rows(megabytes: int) -> Iterator[bytes]:
    chunk = b"<row/>" * (1 << 20)  # 6 MB
    for _ in range(megabytes // 6):
        yield chunk


def strings_of(*texts: Iterator[bytes]) -> Iterator[bytes]:
    yield b'<?xml version="1.0"?><sst xmlns="' + MAIN + b'">'
    for text in texts:
        yield b"<si><t>"
        yield from text
        yield b"</t></si>"
    yield b"</sst>"


def one_long_text(megabytes: int) -> Iterator[bytes]:
    chunk = b"A" * (1 << 20)
    for _ in range(megabytes):
        yield chunk


# --- 1. every row that is there -------------------------------------------------------------


def test_a_stale_declared_size_loses_no_row_and_the_counts_add_up(
    client_in: Client, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    # As found: the sheet declares A1:Y2 (one data row) but holds five; 1 was imported.
    content = roster_file(template, [roster_row(n) for n in range(5)])
    stale = rewrite(
        content, SHEET, lambda x: re.sub(rb'(<dimension ref="A1:[A-Z]+)6"', rb'\g<1>2"', x)
    )
    with zipfile.ZipFile(io.BytesIO(stale)) as z:
        declared = re.search(rb'<dimension ref="A1:[A-Z]+(\d+)"', z.read(SHEET))
    assert declared is not None and declared.group(1) == b"2"

    upload(client_in, stale, django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.COMPLETED
    assert Expert.objects.count() == 5
    assert (job.processed_rows, job.created_count, job.refused_rows) == (5, 5, 0)
    page = job_page(client_in, job)
    counts = re.sub(r"\s+", "", page[page.index("import-counts") :])
    assert "读取的数据行</dt><dd>5行" in counts
    assert "已导入</dt><dd>5行" in counts
    assert "未导入</dt><dd>0行" in counts


def test_blank_rows_are_skipped_not_read_and_rows_read_are_imported_plus_refused(
    client_in: Client, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    rows: list[dict[str, Any]] = [roster_row(0), {}, roster_row(1), {}, {}, roster_row(2), {}]
    rows[2]["证件号码"] = "123"

    upload(client_in, roster_file(template, rows), django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    # Three rows read (the blank ones between them are skipped, the trailing one ignored).
    assert (job.processed_rows, job.blank_rows, job.error_rows) == (3, 3, 1)
    assert job.processed_rows == job.created_count + job.refused_rows
    assert [e["row"] for e in job.errors] == [4]
    page = re.sub(r"\s+", "", job_page(client_in, job))
    assert "3行（另有3个空行，已跳过，不计入）" in page
    assert "未导入</dt><dd>3行（其中1行有错误，共1处）" in page


def test_reading_stops_at_the_row_limit(
    client_in: Client,
    template: bytes,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    checked: list[int] = []
    real_check = imports.row_checks.check_row

    def counting(number: int, values: Any, lookups: Any) -> Any:
        checked.append(number)
        return real_check(number, values, lookups)

    monkeypatch.setattr(imports.row_checks, "check_row", counting)

    upload(
        client_in,
        roster_file(template, [roster_row(n) for n in range(6)]),
        django_capture_on_commit_callbacks,
    )

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert job.message == "一次最多导入 3 行，请把文件分成几个再上传。"
    assert checked == [2, 3, 4]  # the fourth data row was never checked
    assert Expert.objects.count() == 0


# --- 2. what an upload may cost -------------------------------------------------------------


@pytest.fixture
def no_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any member of an archive is opened (inflated)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a member was unpacked")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


def test_a_300_kb_workbook_of_200_mb_of_empty_rows_is_refused_from_its_table_of_contents(
    client_in: Client, media: Path, django_capture_on_commit_callbacks: Any, request: Any
) -> None:
    bomb = workbook_of(sheet_of(empty_rows(200)))
    assert len(bomb) < 400_000  # the file as found: 308 KB
    request.getfixturevalue("no_unpacking")

    response = upload(client_in, bomb, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    text = response.content.decode()
    assert "文件解压后过大" in text and "xl/worksheets/sheet1.xml" in text
    assert "超过每个部分 100 MB 的上限" in text
    assert not ImportJob.objects.exists()
    assert stored(media) == []


def test_a_single_200_mb_shared_string_is_refused_before_it_is_read(
    client_in: Client, media: Path, django_capture_on_commit_callbacks: Any, request: Any
) -> None:
    bomb = workbook_of(sheet_of(iter([])), strings_of(one_long_text(200)))
    request.getfixturevalue("no_unpacking")

    response = upload(client_in, bomb, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "“xl/sharedStrings.xml”解压后有 200 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_worker_refuses_a_bomb_too_without_unpacking_it(
    importer: User, media: Path, request: Any
) -> None:
    # A file that reached the worker some other way (stored before this check existed).
    path = media / "imports" / "bomb.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(workbook_of(sheet_of(empty_rows(200))))
    job = ImportJob.objects.create(
        created_by=importer, created_at=NOW, file_name="bomb.xlsx", stored_file="imports/bomb.xlsx"
    )
    request.getfixturevalue("no_unpacking")

    services.import_job_run(job=job)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED
    assert job.message.startswith("文件解压后过大")
    assert not path.exists()


def test_a_compression_ratio_no_roster_has_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dense.xlsx"
    path.write_bytes(workbook_of(sheet_of(empty_rows(12))))

    with pytest.raises(SpreadsheetError, match=r"压缩比异常.*上限 200 倍"):
        spreadsheets.open_upload(path)


def lie_about_size(content: bytes, part: str, size: int) -> bytes:
    """Return ``content`` whose table of contents declares ``part`` to be ``size`` bytes."""
    data = bytearray(content)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if bytes(data[at + 46 : at + 46 + name_length]).decode() == part:
            data[at + 24 : at + 28] = struct.pack("<L", size)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def mark_encrypted(content: bytes, part: str) -> bytes:
    """Return ``content`` whose table of contents says ``part`` is encrypted."""
    data = bytearray(content)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if bytes(data[at + 46 : at + 46 + name_length]).decode() == part:
            data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


@pytest.mark.parametrize(
    "damage",
    [
        # zipfile inflates no more than the declared size, then finds the CRC wrong.
        lambda content: lie_about_size(content, SHEET, 300),
        lambda content: mark_encrypted(content, SHEET),
    ],
    ids=["larger-than-declared", "encrypted-member"],
)
def test_a_damaged_member_is_refused_as_damaged(
    client_in: Client,
    template: bytes,
    django_capture_on_commit_callbacks: Any,
    damage: Callable[[bytes], bytes],
) -> None:
    content = damage(roster_file(template, [roster_row(1)]))

    upload(client_in, content, django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert job.message.startswith("无法读取该文件：文件内部“xl/worksheets/sheet1.xml”已损坏")


@pytest.mark.parametrize(
    ("sheet", "strings", "message"),
    [
        (
            sheet_of(iter([b"<row/>" * 100_001])),
            None,
            "有超过 100000 行（含空行），超过读取上限",
        ),
        (
            sheet_of(iter([b'<row r="1048577"/>'])),
            None,
            "行号“1048577”超出 Excel 的 1048576 行范围",
        ),
        (
            sheet_of(iter([b"<row>" + b"<c/>" * 16_385 + b"</row>"])),
            None,
            "第 1 行超过 Excel 的 16384 列上限",
        ),
        (
            sheet_of(iter([])),
            strings_of(iter([b"B" * 32_768])),
            "有一段文字超过 32767 个字符",
        ),
        (
            sheet_of(iter([])),
            strings_of(*(iter([b"%x" % n]) for n in range(300_001))),
            "文字条目超过 300000 条",
        ),
    ],
    ids=["rows", "row-number", "columns", "long-text", "many-strings"],
)
def test_parts_that_pass_the_size_limits_are_still_bounded_while_streaming(
    tmp_path: Path, sheet: Iterator[bytes], strings: Iterator[bytes] | None, message: str
) -> None:
    path = tmp_path / "part.xlsx"
    path.write_bytes(workbook_of(sheet, strings))
    archive.archive_check(path)  # each is small enough to pass the table of contents

    with pytest.raises(SpreadsheetError, match=re.escape(message)):
        spreadsheets.open_upload(path)


# --- 5. a malformed file is the file's fault, and says why -----------------------------------

LAUGHS = (
    b'<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)
XXE = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(
    ("part", "change", "message"),
    [
        (
            SHEET,
            lambda x: with_doctype(x, LAUGHS).replace(b"<t>", b"<t>&lol9;", 1),
            "文件内部“xl/worksheets/sheet1.xml”含有 DOCTYPE 声明",
        ),
        (
            SHEET,
            lambda x: with_doctype(x, XXE).replace(b"<t>", b"<t>&xxe;", 1),
            "文件内部“xl/worksheets/sheet1.xml”含有 DOCTYPE 声明",
        ),
        (
            SHEET,
            lambda x: x[: len(x) // 2],
            "文件内部“xl/worksheets/sheet1.xml”的 XML 已损坏（第 ",
        ),
        (
            SHEET,
            lambda x: x.replace(b"<sheetData>", b"<sheetData><row><c>", 1),
            "开始和结束标签不匹配",
        ),
    ],
    ids=["entity-expansion", "external-entity", "truncated", "mismatched-tag"],
)
def test_broken_or_hostile_xml_is_refused_as_unreadable_with_the_reason(
    client_in: Client,
    template: bytes,
    media: Path,
    django_capture_on_commit_callbacks: Any,
    part: str,
    change: Callable[[bytes], bytes],
    message: str,
) -> None:
    content = rewrite(roster_file(template, [roster_row(n) for n in range(3)]), part, change)

    upload(client_in, content, django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED  # 未导入（文件有误）, not a system error
    assert message in job.message
    assert "root:" not in job.message
    assert Expert.objects.count() == 0
    assert stored(media) == []
    page = job_page(client_in, job)
    assert "未导入（文件有误）" in page and "系统错误" not in page


def test_openpyxl_reads_xml_through_defusedxml() -> None:
    # A second guard behind the scan: openpyxl uses defusedxml when it is installed.
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


# --- the marked copy, streamed ----------------------------------------------------------------


def test_the_marked_copy_keeps_row_numbers_drop_downs_and_text(
    client_in: Client, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [roster_row(n) for n in range(3)]
    rows[1]["证件号码"] = "123"
    rows[2]["性别"] = "未知"
    wb = load_workbook(io.BytesIO(roster_file(template, rows)))
    typed = wb["专家名单"].cell(row=4, column=8, value='=HYPERLINK("http://example.org")')
    typed.data_type = "s"  # text someone typed, not a formula
    wb["专家名单"].insert_rows(1, amount=2)  # the header now stands on row 3
    shifted = io.BytesIO()
    wb.save(shifted)

    upload(client_in, shifted.getvalue(), django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    marked = client_in.get(reverse("experts:import_job_errors", args=[job.pk]))
    out = load_workbook(io.BytesIO(marked.getvalue()))
    assert out.sheetnames == ["专家名单", "选项"] and out["选项"].sheet_state == "hidden"
    ws = out["专家名单"]
    assert [c.value for c in ws[3]][: len(spreadsheets.HEADERS)] == list(spreadsheets.HEADERS)
    assert ws["E5"].comment is not None and ws["E5"].number_format == "@"
    assert ws["E5"].value == "123" and ws["E5"].fill.fgColor.rgb == "FFF4B6B6"
    assert ws["H6"].data_type == "s" and ws["H6"].value.startswith("=HYPERLINK")
    assert ws["B6"].comment is not None and "未知" in ws["B6"].comment.text
    assert ws["A4"].value == "导入专家0" and ws["A4"].comment is None
    gender = [dv for dv in ws.data_validations.dataValidation if "B4" in str(dv.sqref)]
    assert gender and gender[0].formula1.startswith("'选项'!$")


def test_past_the_marked_limit_errors_are_counted_and_the_message_says_so(
    client_in: Client,
    template: bytes,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(imports, "MAX_MARKED", 2)
    rows = [roster_row(n) for n in range(4)]
    for row in rows:
        row["证件号码"] = "123"

    upload(client_in, roster_file(template, rows), django_capture_on_commit_callbacks)

    job = ImportJob.objects.get()
    assert (job.error_count, job.error_rows, len(job.errors)) == (4, 4, 2)
    assert "共读取 4 行，其中 4 行有错误（共 4 处）" in job.message
    assert "错误太多，文件中只标出了前 2 处。" in job.message


# --- 14. the history of an imported expert ---------------------------------------------------


def test_an_imported_expert_has_a_history_entry_pointing_at_its_job(
    client_in: Client, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    upload(
        client_in,
        roster_file(template, [roster_row(n) for n in range(3)]),
        django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    expert = Expert.objects.get(name="导入专家1")

    page = client_in.get(reverse("experts:expert_detail", args=[expert.pk])).content.decode()

    history = page[page.index("变更历史") :]
    assert "暂无记录" not in history
    assert "导入专家名单" in history
    assert f"#{job.pk}" in history and "roster.xlsx" in history
    # One audit entry for the whole file, not one per expert.
    assert AuditEntry.objects.filter(action="experts.import.completed").count() == 1
    assert expert.import_job_id == job.pk


# --- 4. activation e-mails --------------------------------------------------------------------


class FlakyBackend(locmem.EmailBackend):
    """A mail server that accepts ``accept`` messages, then drops every connection; or drops
    once, at message ``drop_at``, and comes back."""

    accept = 10_000
    drop_at: int | None = None
    refuse: str = ""  # an address the server refuses
    depths: list[int] = []

    def send_messages(self, messages: Any) -> int:
        FlakyBackend.depths.append(len(connection.atomic_blocks))
        if FlakyBackend.refuse in messages[0].to:
            raise smtplib.SMTPRecipientsRefused({FlakyBackend.refuse: (550, b"No such user")})
        if len(mail.outbox) >= FlakyBackend.accept:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        if FlakyBackend.drop_at is not None and len(mail.outbox) == FlakyBackend.drop_at:
            FlakyBackend.drop_at = None
            raise smtplib.SMTPServerDisconnected("Connection reset by peer")
        return int(super().send_messages(messages))


@pytest.fixture
def flaky(settings: Any) -> type[FlakyBackend]:
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.accept, FlakyBackend.drop_at, FlakyBackend.depths = 10_000, None, []
    FlakyBackend.refuse = ""
    return FlakyBackend


def facts(page: str, css: str) -> str:
    return re.sub(r"\s+", "", page[page.index(css) :])


def test_the_mail_server_failing_midway_leaves_true_counts_a_failed_state_and_a_resend(
    client_in: Client,
    template: bytes,
    flaky: type[FlakyBackend],
    pauses: list[float],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # As found: the task died after about 200 of 3,502 e-mails; the page said 已发送 100 封 and
    # polled forever. Here the server goes away after 12 of 30.
    flaky.accept = 12
    upload(
        client_in,
        roster_file(template, [roster_row(n) for n in range(30)]),
        django_capture_on_commit_callbacks,
    )

    job = ImportJob.objects.get()
    assert job.email_state == ImportJob.EmailState.INCOMPLETE
    assert len(mail.outbox) == 12
    assert pauses == [
        2.0,
        4.0,
    ]  # the 13th was tried three times, pausing longer, then the run stopped
    page = job_page(client_in, job)
    emails = facts(page, "import-emails")
    assert "已发送</dt><dd>12封" in emails
    assert "发送失败</dt><dd>1封" in emails
    assert "待发送</dt><dd>17封" in emails
    assert "未全部发出" in page
    assert "已停止发送：无法连接邮件服务器或连接中断（SMTPServerDisconnected" in page
    assert "hx-trigger" not in page  # nothing is going out: the page stops polling
    assert "重新发送给尚未收到邮件的 18 位专家" in page
    failed = ActivationEmail.objects.get(status=ActivationEmail.Status.FAILED)
    assert failed.user.email == "expert12@example.org" and failed.sent_at is None

    flaky.accept = 10_000  # the server is back
    with django_capture_on_commit_callbacks(execute=True):
        response = client_in.post(reverse("experts:import_job_resend", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.email_state == ImportJob.EmailState.DONE
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == 30 and len(set(recipients)) == 30  # nobody mailed twice
    page = job_page(client_in, job)
    assert "已全部发出" in page and "已发送</dt><dd>30封" in facts(page, "import-emails")
    assert "重新发送给" not in page
    assert AuditEntry.objects.filter(action="experts.import.activation_resent").count() == 1
    sent = AuditEntry.objects.filter(action="experts.import.activation_sent").order_by("seq")
    assert [(e.data["sent"], e.data["failed"], e.data["pending"]) for e in sent] == [
        (12, 1, 17),
        (18, 0, 0),
    ]


def test_a_dropped_connection_is_tried_again_and_no_mail_goes_out_inside_a_transaction(
    client_in: Client,
    template: bytes,
    flaky: type[FlakyBackend],
    pauses: list[float],
    django_capture_on_commit_callbacks: Any,
) -> None:
    flaky.drop_at = 5
    base = len(connection.atomic_blocks)  # the test's own transaction

    upload(
        client_in,
        roster_file(template, [roster_row(n) for n in range(8)]),
        django_capture_on_commit_callbacks,
    )

    job = ImportJob.objects.get()
    assert job.email_state == ImportJob.EmailState.DONE
    assert len(mail.outbox) == 8 and pauses == [2.0]
    # No write lock is held while mail goes out: sending happens outside any transaction.
    assert set(flaky.depths) == {base}


def test_an_address_the_server_refuses_fails_at_once_and_the_rest_go(
    client_in: Client,
    template: bytes,
    flaky: type[FlakyBackend],
    pauses: list[float],
    django_capture_on_commit_callbacks: Any,
) -> None:
    flaky.refuse = "expert3@example.org"

    upload(
        client_in,
        roster_file(template, [roster_row(n) for n in range(6)]),
        django_capture_on_commit_callbacks,
    )

    job = ImportJob.objects.get()
    assert job.email_state == ImportJob.EmailState.INCOMPLETE
    assert len(mail.outbox) == 5 and pauses == []  # no retry of a refusal
    page = job_page(client_in, job)
    assert "已发送</dt><dd>5封" in facts(page, "import-emails")
    assert "1 封邮件发送失败，原因见下表" in page
    assert "expert3@example.org" in page and "邮件服务器拒收该地址" in page
    assert "重新发送给尚未收到邮件的 1 位专家" in page


@pytest.fixture
def locked() -> Iterator[Callable[[int], list[int]]]:
    """Make the database answer "database is locked" to the next ``n`` writes of e-mail rows,
    as SQLite does when another writer holds the lock past the busy timeout."""
    with contextlib.ExitStack() as stack:

        def install(n: int) -> list[int]:
            refused: list[int] = []

            def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
                if sql.startswith("UPDATE") and "activationemail" in sql and len(refused) < n:
                    refused.append(1)
                    raise OperationalError("database is locked")
                return execute(sql, params, many, context)

            stack.enter_context(connection.execute_wrapper(wrapper))
            return refused

        yield install


def test_a_locked_database_while_recording_a_batch_is_waited_out(
    client_in: Client,
    template: bytes,
    flaky: type[FlakyBackend],
    pauses: list[float],
    locked: Callable[[int], list[int]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    refused = locked(2)

    upload(
        client_in,
        roster_file(template, [roster_row(n) for n in range(6)]),
        django_capture_on_commit_callbacks,
    )

    job = ImportJob.objects.get()
    assert len(refused) == 2 and pauses == [1.0, 2.0]
    assert job.email_state == ImportJob.EmailState.DONE
    assert ActivationEmail.objects.filter(status=ActivationEmail.Status.SENT).count() == 6


def test_a_database_that_stays_locked_stops_the_sending_and_says_so(
    client_in: Client,
    template: bytes,
    flaky: type[FlakyBackend],
    pauses: list[float],
    locked: Callable[[int], list[int]],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(imports, "EMAIL_BATCH", 4)
    real_send = imports.account_activations_send
    calls: list[int] = []

    def send(**kwargs: Any) -> Any:
        # The first batch is recorded; from the second on the database stays locked.
        calls.append(1)
        if len(calls) == 2:
            locked(10_000)
        return real_send(**kwargs)

    monkeypatch.setattr(imports, "account_activations_send", send)

    upload(
        client_in,
        roster_file(template, [roster_row(n) for n in range(10)]),
        django_capture_on_commit_callbacks,
    )

    job = ImportJob.objects.get()
    assert job.email_state == ImportJob.EmailState.INCOMPLETE
    assert "发送过程中出现系统错误，已停止" in job.email_error
    assert ActivationEmail.objects.filter(status=ActivationEmail.Status.SENT).count() == 4
    assert ActivationEmail.objects.filter(status=ActivationEmail.Status.PENDING).count() == 6
    assert pauses == [1.0, 2.0, 3.0, 4.0]  # bounded: it gave up after five tries
    assert len(calls) == 2  # and sent nothing more


def test_a_sending_that_gives_no_news_is_shown_as_stopped_and_can_be_sent_again(
    client_in: Client, importer: User, make_user: Any, time_machine: Any
) -> None:
    job = ImportJob.objects.create(
        created_by=importer,
        created_at=NOW - dt.timedelta(hours=1),
        finished_at=NOW - dt.timedelta(hours=1),
        file_name="roster.xlsx",
        status=ImportJob.Status.COMPLETED,
        created_count=2,
        account_count=2,
        email_state=ImportJob.EmailState.SENDING,
        email_updated_at=NOW - dt.timedelta(minutes=1),
    )
    for n in range(2):
        ActivationEmail.objects.create(
            job=job,
            user=make_user("expert", username=f"e{n}@example.org", email=f"e{n}@example.org"),
        )
    url = reverse("experts:import_job_progress", args=[job.pk])

    going = client_in.get(url).content.decode()
    with pytest.raises(services.ExpertError, match="邮件正在发送"):
        services.import_job_activations_resend(actor=importer, job=job, now=NOW)
    time_machine.move_to(NOW + dt.timedelta(minutes=11), tick=False)
    stalled = client_in.get(url).content.decode()

    assert 'hx-trigger="every 2s"' in going and "重新发送给" not in going
    assert "hx-trigger" not in stalled
    assert "发送已中断" in stalled
    assert "重新发送给尚未收到邮件的 2 位专家" in stalled


def test_only_the_uploader_may_send_a_jobs_emails_again(
    client_in: Client, importer: User, make_user: Any
) -> None:
    job = ImportJob.objects.create(
        created_by=importer,
        created_at=NOW,
        file_name="roster.xlsx",
        status=ImportJob.Status.COMPLETED,
        email_state=ImportJob.EmailState.INCOMPLETE,
    )
    ActivationEmail.objects.create(
        job=job, user=make_user("expert", username="x@example.org", email="x@example.org")
    )
    other = make_user("staff", username="other", rights=(Right.REVIEW_APPLICATIONS,))
    intruder = Client()
    intruder.force_login(other)

    assert intruder.post(reverse("experts:import_job_resend", args=[job.pk])).status_code == 404
    with pytest.raises(services.ExpertError, match="只能重新发送您本人导入的任务的邮件"):
        services.import_job_activations_resend(actor=other, job=job, now=NOW)
    assert ImportJob.objects.get().email_state == ImportJob.EmailState.INCOMPLETE

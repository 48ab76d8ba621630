"""The .xlsx files of the registry (issue 5): the import template, reading an upload, the copy of
an upload with its bad cells marked, and the writer of exports that carries who and when.

No database writes here; the services decide, this module only speaks openpyxl.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from zhiku.experts.choices import Degree, Education, Gender, OrgType, Region, TitleLevel
from zhiku.experts.identity import IdType

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_SHEET = "专家名单"
NOTES_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
YES, NO = "是", "否"
# Drop-down lists and text formats reach this far down the template.
TEMPLATE_ROWS = 20_000
ERROR_FILL = PatternFill(fill_type="solid", start_color="FFF4B6B6", end_color="FFF4B6B6")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    note: str
    width: int = 14
    # A drop-down list: ``choices`` names a list of OPTION_LISTS (or "fields"/"industries").
    choices: str = ""
    text: bool = False


YES_NO_NOTE = "选择“是”或“否”；留空视为“否”。"

COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, "与身份证件一致。", 10),
    Column("gender", "性别", True, "从下拉列表选择。", 6, "gender"),
    Column(
        "birth_date",
        "出生日期",
        True,
        "日期格式，如 1970-05-17；须与证件号码中的出生日期一致。",
        12,
    ),
    Column("id_type", "证件类型", True, "从下拉列表选择。", 16, "id_type"),
    Column(
        "id_number",
        "证件号码",
        True,
        "按证件填写；居民身份证须为 18 位且校验位正确。本列已设为文本格式，请勿改为数字。",
        22,
        text=True,
    ),
    Column(
        "mobile",
        "手机号码",
        False,
        "11 位中国大陆手机号，或以 + 和国家/地区代码开头的号码（如 +852 91234567）。",
        15,
        text=True,
    ),
    Column(
        "email",
        "电子邮箱",
        False,
        "填写后将为专家开设账户，并发送设置密码的邮件（邮箱即登录用户名）；留空则不开设账户。",
        24,
    ),
    Column("address", "通讯地址", False, "", 24),
    Column("organisation", "工作单位", True, "单位全称。", 22),
    Column("org_type", "单位类型", True, "从下拉列表选择。", 12, "org_type"),
    Column("position", "职务", False, "", 12),
    Column("senior_manager", "企业高层管理者", False, YES_NO_NOTE, 10, "yes_no"),
    Column("title", "职称", False, "如 教授、正高级工程师。", 14),
    Column("title_level", "职称级别", False, "从下拉列表选择；留空视为“无”。", 10, "title_level"),
    Column(
        "senior_certificates", "专业技术高级水平证书", False, "证书名称、编号；多项用分号隔开。", 20
    ),
    Column("education", "学历", False, "从下拉列表选择。", 12, "education"),
    Column("degree", "学位", False, "从下拉列表选择。", 8, "degree"),
    Column(
        "special_categories",
        "特殊类别",
        False,
        "可填多项，用顿号“、”隔开：院士、博士生导师、享受国务院特殊津贴、享受省政府特殊津贴。",
        18,
    ),
    Column(
        "statutory_retirement_age", "法定退休年龄", False, "整数，如 63；特殊类别专家填写。", 10
    ),
    Column(
        "region", "所在地区", True, "从下拉列表选择；省外专家选“外省（区、市）”等。", 14, "region"
    ),
    Column("primary_field", "主要专业领域", True, "从下拉列表选择（代码 名称）。", 26, "fields"),
    Column(
        "other_fields",
        "其他专业领域",
        False,
        "可填多项专业领域代码，用顿号“、”或逗号隔开，如 01.02、05.01。",
        18,
    ),
    Column(
        "industries",
        "行业门类",
        False,
        "GB/T 4754-2017 门类代码，可填多项，用顿号“、”或逗号隔开，如 C、M。",
        12,
    ),
    Column("ethics_declared", "已声明职业道德与无不良记录", False, YES_NO_NOTE, 12, "yes_no"),
    Column("health_declared", "已声明身体健康、自愿参与", False, YES_NO_NOTE, 12, "yes_no"),
)
HEADERS = tuple(c.header for c in COLUMNS)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

# The fixed drop-down lists: label shown and accepted; the services map labels to codes.
OPTION_LISTS: dict[str, list[tuple[str, str]]] = {
    "gender": [(str(v), str(label)) for v, label in Gender.choices],
    "id_type": [(str(v), str(label)) for v, label in IdType.choices],
    "org_type": [(str(v), str(label)) for v, label in OrgType.choices],
    "title_level": [(str(v), str(label)) for v, label in TitleLevel.choices],
    "education": [(str(v), str(label)) for v, label in Education.choices],
    "degree": [(str(v), str(label)) for v, label in Degree.choices],
    "region": [(str(v), str(label)) for v, label in Region.choices],
    "yes_no": [("1", YES), ("0", NO)],
}


class SpreadsheetError(Exception):
    """The file as a whole cannot be read as the template; the message says what to do."""


def template_workbook(*, fields: Sequence[str], industries: Sequence[str]) -> bytes:
    """Return the import template: the data sheet, a notes sheet and a hidden sheet of lists.

    ``fields`` and ``industries`` are the labels of the active catalogue entries ("02.01 标准制修订").
    """
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = DATA_SHEET
    options = wb.create_sheet(OPTIONS_SHEET)
    notes = wb.create_sheet(NOTES_SHEET)
    wb.move_sheet(notes, offset=-1)  # data, notes, options

    lists: dict[str, list[str]] = {k: [label for _v, label in v] for k, v in OPTION_LISTS.items()}
    lists["fields"] = list(fields)
    lists["industries"] = list(industries)
    list_ranges: dict[str, str] = {}
    for i, (name, labels) in enumerate(lists.items(), start=1):
        letter = get_column_letter(i)
        options.cell(row=1, column=i, value=name)
        for r, label in enumerate(labels, start=2):
            options.cell(row=r, column=i, value=label).data_type = "s"
        list_ranges[name] = f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
    options.sheet_state = "hidden"

    bold = Font(bold=True)
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = Font(bold=True, color="FFA61B1B" if col.required else "FF000000")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        span = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        if col.text:
            ws.column_dimensions[letter].number_format = "@"
        if col.choices:
            dv = DataValidation(
                type="list",
                formula1=list_ranges[col.choices],
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle=_("请从列表中选择"),
                error=_("“%(h)s”请从下拉列表中选择。") % {"h": col.header},
            )
            dv.add(span)
            ws.add_data_validation(dv)
    ws.freeze_panes = "B2"

    notes.append([_("广东省质量发展智库 专家名单导入模板 · 填写说明")])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append(
        [
            _(
                "在“专家名单”工作表中从第 2 行起每行填写一位专家；请勿修改、增删或调换表头。"
                "红色表头为必填项。整份文件全部无误才会导入，有错误时一条也不写入，"
                "系统会列出错误并提供标出错误单元格的文件供修改。"
            )
        ]
    )
    notes.append([])
    notes.append([_("列"), _("表头"), _("是否必填"), _("说明"), _("可选值")])
    for cell in notes[4]:
        cell.font = bold
    for i, col in enumerate(COLUMNS, start=1):
        values = "、".join(lists[col.choices]) if col.choices and col.choices != "fields" else ""
        if col.choices == "fields":
            values = _("见下拉列表（专业领域目录，代码 名称）")
        notes.append(
            [get_column_letter(i), col.header, _("必填") if col.required else "", col.note, values]
        )
    for letter, width in zip("ABCDE", (6, 22, 10, 60, 60), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass
class Upload:
    """An opened upload: its data rows as (row number, values in template order)."""

    total_rows: int
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    close: Any


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip().rstrip("*＊").strip()


def open_upload(path: Path) -> Upload:
    """Open an upload read-only and check its header; raise SpreadsheetError saying what is wrong."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise SpreadsheetError(
            _(
                "无法读取该文件：请上传用 Excel 或 WPS 保存的 .xlsx 文件"
                "（不支持 .xls、.csv 或改了扩展名的其他文件）。"
            )
        ) from None
    ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header: tuple[Any, ...] | None = None
    header_row = 0
    for header_row, candidate in enumerate(rows, start=1):  # noqa: B007 - used after the loop
        if not all(is_blank(v) for v in candidate):
            header = candidate
            break
    if header is None:
        wb.close()
        raise SpreadsheetError(_("文件是空的：没有表头，也没有专家数据。请下载模板填写后再上传。"))
    found = [_header_text(v) for v in header[: len(HEADERS)]]
    found += [""] * (len(HEADERS) - len(found))
    for i, (want, got) in enumerate(zip(HEADERS, found, strict=True), start=1):
        if want != got:
            wb.close()
            raise SpreadsheetError(
                _(
                    "表头与模板不一致：第 %(col)s 列应为“%(want)s”，实为“%(got)s”。"
                    "请下载最新模板，把数据粘贴到模板中再上传。"
                )
                % {"col": get_column_letter(i), "want": want, "got": got or _("空")}
            )
    width = len(HEADERS)
    # The dimension the file declares; a file written without one is counted as it is read.
    total = max((ws.max_row or 1) - header_row, 0) if ws.max_row else 0

    def data() -> Iterator[tuple[int, tuple[Any, ...]]]:
        # Row numbers as Excel shows them, whatever blank rows stand above the header.
        for number, values in enumerate(rows, start=header_row + 1):
            values = values[:width]
            if all(is_blank(v) for v in values):
                continue
            if len(values) < width:
                values = values + (None,) * (width - len(values))
            yield number, values

    return Upload(total_rows=total, rows=data(), close=wb.close)


@dataclass(frozen=True)
class CellError:
    row: int
    column: str  # a Column.key
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": COLUMN_BY_KEY[self.column].header,
            "message": self.message,
        }


def marked_copy(path: Path, errors: Sequence[CellError]) -> bytes:
    """Return the upload with every bad cell filled and commented, and a column of row errors."""
    wb = load_workbook(path)
    ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
    index = {c.key: i for i, c in enumerate(COLUMNS, start=1)}
    by_cell: dict[tuple[int, int], list[str]] = {}
    by_row: dict[int, list[str]] = {}
    for e in errors:
        by_cell.setdefault((e.row, index[e.column]), []).append(e.message)
        by_row.setdefault(e.row, []).append(f"{COLUMN_BY_KEY[e.column].header}：{e.message}")
    for (row, col), messages in by_cell.items():
        cell = ws.cell(row=row, column=col)
        cell.fill = ERROR_FILL
        comment = Comment("\n".join(messages), _("智库导入校验"))
        comment.width, comment.height = 320, 120
        cell.comment = comment
    report_col = len(COLUMNS) + 1
    head = ws.cell(row=1, column=report_col, value=_("错误说明（修改后可删除本列）"))
    head.font = Font(bold=True, color="FFA61B1B")
    ws.column_dimensions[get_column_letter(report_col)].width = 60
    for row, messages in by_row.items():
        cell = ws.cell(row=row, column=report_col, value="；".join(messages))
        cell.data_type = "s"
        cell.fill = ERROR_FILL
    ws.freeze_panes = "B2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class ExportWriter:
    """A write-only workbook whose every copy names who exported it and when.

    The stamp is the first visible row, the printed page header and footer, and the document
    properties (creator, title, description). Text stays text: a value such as "=HYPERLINK(...)"
    typed into a profile must not become a formula in the exported file.
    """

    def __init__(self, *, title: str, stamp: str, description: str, creator: str) -> None:
        self.wb = Workbook(write_only=True)
        self.ws = self.wb.create_sheet(title=title[:31])
        props = self.wb.properties
        props.creator = creator
        props.lastModifiedBy = creator
        props.title = title
        props.subject = title
        props.description = f"{stamp}\n{description}"
        props.keywords = stamp
        for header in (self.ws.oddHeader, self.ws.evenHeader, self.ws.firstHeader):
            header.center.text = stamp
            header.center.size = 9
        for footer in (self.ws.oddFooter, self.ws.evenFooter, self.ws.firstFooter):
            footer.left.text = stamp
            footer.left.size = 9
            footer.right.text = "&P / &N"
        self.ws.print_title_rows = "1:3"
        self.ws.freeze_panes = "A4"

    def row(self, *values: Any, bold: bool = False) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(self.ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if bold:
                cell.font = Font(bold=True)
            cells.append(cell)
        self.ws.append(cells)

    def widths(self, widths: Sequence[int]) -> None:
        for i, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.wb.save(buffer)
        return buffer.getvalue()


def local_stamp(who: str, at: datetime) -> str:
    """Return the line every export carries: 导出人：… 导出时间：…"""
    return _("导出人：%(who)s　导出时间：%(at)s") % {
        "who": who,
        "at": at.strftime("%Y-%m-%d %H:%M:%S"),
    }

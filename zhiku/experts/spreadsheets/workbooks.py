"""The .xlsx files of the registry: the import template, reading an upload, and the copy of an
upload with its bad cells marked. (Exports are written by ``zhiku.core.spreadsheets``.)

No database writes here; the services decide, this module only speaks openpyxl.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
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
from zhiku.experts.spreadsheets import archive

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
        "填写后将为专家开设账户，并发送设置密码的邮件（电子邮箱即登录用户名）；留空则不开设账户。",
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
    Column(
        "employment",
        "工作经历",
        False,
        "每段一行（单元格内按 Alt+Enter 换行）或用分号隔开：单位，起始年月，截止年月或“至今”，"
        "是否从事本行业（是/否，可省略，默认为是）。例：广东省计量科学研究院，2015-03，至今，是。"
        "第六条第（一）项的本行业累计年限据此计算；不填也可导入，导入后在专家详情页补充。",
        40,
    ),
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


def template_workbook(
    *,
    fields: Sequence[str],
    industries: Sequence[str],
    accepted: Mapping[str, str] | None = None,
) -> bytes:
    """Return the import template: the data sheet, a notes sheet and a hidden sheet of lists.

    ``fields`` and ``industries`` are the labels of the active catalogue entries ("02.01 标准制修订");
    ``accepted`` the other forms each column accepts, by column key, as the import reads them
    (``rows.Lookups.accepted_forms``: the alias table and the automatic normalisations).
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
                "在“专家名单”工作表中从第 2 行起每行填写一位专家。表头按列名识别：列的顺序可以调整，"
                "序号等模板以外的列不会读取，选填列可以删除；请勿改动列名。"
                "红色表头为必填项。整份文件全部无误才会导入，有错误时一条也不写入，"
                "系统会列出错误并提供标出错误单元格的文件供修改。"
            )
        ]
    )
    notes.append([])
    notes.append(
        [_("列"), _("表头"), _("是否必填"), _("说明"), _("可选值"), _("可接受的其他写法与自动规范")]
    )
    for cell in notes[4]:
        cell.font = bold
    for i, col in enumerate(COLUMNS, start=1):
        values = "、".join(lists[col.choices]) if col.choices and col.choices != "fields" else ""
        if col.choices == "fields":
            values = _("见下拉列表（专业领域目录，代码 名称）")
        notes.append(
            [
                get_column_letter(i),
                col.header,
                _("必填") if col.required else "",
                col.note,
                values,
                (accepted or {}).get(col.key, ""),
            ]
        )
    for letter, width in zip("ABCDEF", (6, 22, 10, 60, 60, 70), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass
class Upload:
    """An opened upload: its data rows as (row number, values in template order), and where
    they were found (``layout``).

    ``rows`` reads every row the sheet holds, whatever size the sheet declares, skips blank
    rows (counting those that stand between data rows in ``blank_rows``), and raises
    ``SpreadsheetError`` at the first row past the limit or at a part it cannot read.
    """

    # What the sheet declares: a guess for the progress bar, never a bound (it can be stale).
    declared_rows: int
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    close: Callable[[], None]
    layout: Layout
    blank_rows: int = 0


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip().rstrip("*＊").strip()


def _unreadable() -> str:
    return _(
        "无法读取该文件：请上传用 Excel 或 WPS 保存的 .xlsx 文件"
        "（不支持 .xls、.csv 或改了扩展名的其他文件）。"
    )


# What openpyxl raises on a part it cannot parse or a value it cannot convert: a fault of the
# file, told to the person who sent it, never a system error.
FILE_FAULTS = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    OverflowError,
    SyntaxError,  # xml.etree.ElementTree.ParseError
)


def _open(path: Path) -> Any:
    """Check what reading ``path`` will cost, then open it read-only."""
    try:
        archive.upload_check(path)
    except archive.ArchiveRefused as exc:
        raise SpreadsheetError(str(exc)) from None
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except FILE_FAULTS:
        raise SpreadsheetError(_unreadable()) from None


# --- finding the header -------------------------------------------------------------------

# The header is looked for in this many rows at the top of every sheet.
HEADER_SCAN_ROWS = 20
# A row naming fewer of the template's columns than this is not taken for the header.
HEADER_MIN_COLUMNS = 3

# Other names people give the template's columns (compared without spaces, "*" or a note in
# brackets, so "手机号码（必填）" and "手 机" are "手机号码"). Kept small and unambiguous:
# "电话" alone may be a landline, "单位" alone stands for 工作单位 as rosters use it.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("专家姓名", "名字"),
    "birth_date": ("出生年月日", "出生年月", "生日", "出生时间"),
    "id_type": ("证件种类", "身份证件类型"),
    "id_number": (
        "身份证号",
        "身份证号码",
        "身份证",
        "公民身份号码",
        "身份证件号码",
        "证件号",
    ),
    "mobile": ("手机", "手机号", "联系电话", "移动电话", "手机号码/联系电话"),
    "email": ("邮箱", "电子邮件", "e-mail", "email", "邮箱地址", "电子邮箱地址"),
    "address": ("地址", "通信地址", "联系地址"),
    "organisation": ("单位", "单位名称", "所在单位", "工作单位名称"),
    "org_type": ("单位性质",),
    "position": ("行政职务", "职位"),
    "senior_manager": ("是否企业高层管理者",),
    "title": ("专业技术职称", "技术职称", "职称名称"),
    "title_level": ("职称等级",),
    "senior_certificates": ("高级水平证书",),
    "education": ("最高学历",),
    "degree": ("最高学位",),
    "region": ("地区", "所在地市", "地市", "所在城市"),
    "primary_field": ("专业领域", "主要领域"),
    "other_fields": ("其他领域",),
    "industries": ("行业", "所属行业"),
    "employment": ("工作简历",),
}
_HEADER_NOISE = re.compile(r"[\s*＊:：]+|[（(][^）)]*[）)]")


def header_key(value: Any) -> str:
    """Return a header cell as it is compared: no spaces, asterisks or bracketed notes."""
    return "" if value is None else _HEADER_NOISE.sub("", str(value)).lower()


REQUIRED_KEYS = tuple(c.key for c in COLUMNS if c.required)
HEADER_NAMES: dict[str, str] = {
    header_key(name): key
    for key, names in ((c.key, (c.header, *SYNONYMS.get(c.key, ()))) for c in COLUMNS)
    for name in names
}


@dataclass(frozen=True)
class Layout:
    """Where the roster stands in an upload: its sheet, header row and columns."""

    sheet: str
    header_row: int  # as Excel numbers it
    positions: dict[str, int]  # Column.key -> index of its column (0 = A)
    width: int  # columns read: up to the last one the header names
    ignored: tuple[str, ...]  # the header's other columns, "序号（A 列）"
    declared_rows: int = 0  # what the sheet declares (a guess for the progress bar)


def _header_of(row: Sequence[Any], above: Sequence[Any]) -> dict[int, str]:
    """Return {column index: key} for a candidate header row; a blank cell takes the name in
    the row above (a header cell merged down over two rows keeps its text in the upper one)."""
    found: dict[int, str] = {}
    for i, value in enumerate(row):
        key = HEADER_NAMES.get(header_key(value))
        if key is None and is_blank(value) and i < len(above):
            key = HEADER_NAMES.get(header_key(above[i]))
        if key is not None:
            found[i] = key
    return found


def _best_row(rows: list[tuple[Any, ...]]) -> tuple[int, dict[int, str]]:
    """Return the 1-based number of the row naming most template columns, and its names."""
    best, best_found = 0, dict[int, str]()
    for number, row in enumerate(rows, start=1):
        found = _header_of(row, rows[number - 2] if number > 1 else ())
        if len(set(found.values())) > len(set(best_found.values())):
            best, best_found = number, found
    return best, best_found


def _not_found() -> str:
    return _(
        "找不到表头：每个工作表的前 %(n)d 行中都没有一行写着模板的列名（如“姓名”“证件号码”"
        "“工作单位”）。请下载模板，把数据粘贴到模板中再上传。"
    ) % {"n": HEADER_SCAN_ROWS}


def locate(wb: Any) -> Layout:
    """Find the roster in an open workbook: the sheet and the row (among the first
    HEADER_SCAN_ROWS of each sheet) that names the template's columns, and where each is.

    The sheet named 专家名单 is looked at first; a notes sheet, a title row, a group header
    above the real one and blank rows are passed over. Raise SpreadsheetError saying what is
    missing: no header, a required column, or a column named twice.
    """
    sheets = sorted(wb.worksheets, key=lambda ws: ws.title != DATA_SHEET)
    candidates: list[tuple[Any, int, dict[int, str], tuple[Any, ...]]] = []
    anything = False
    declared: dict[str, int] = {}
    for ws in sheets:
        declared[ws.title] = ws.max_row or 0
        ws.reset_dimensions()  # read-only openpyxl trusts the declared size; it can be stale
        rows = list(ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True))
        anything = anything or any(not is_blank(v) for row in rows for v in row)
        number, found = _best_row(rows)
        if len(set(found.values())) >= HEADER_MIN_COLUMNS:
            candidates.append((ws, number, found, rows[number - 1]))
    if not candidates:
        if not anything:
            raise SpreadsheetError(
                _("文件是空的：没有表头，也没有专家数据。请下载模板填写后再上传。")
            )
        raise SpreadsheetError(_not_found())
    named = [c for c in candidates if c[0].title == DATA_SHEET]
    rosters = [c for c in candidates if all(k in set(c[2].values()) for k in REQUIRED_KEYS)]
    if not named and len(rosters) > 1:
        raise SpreadsheetError(
            _(
                "文件中有 %(n)d 个工作表都像专家名单（%(sheets)s），无法确定导入哪一个。"
                "请把要导入的名单放在名为“%(data)s”的工作表中，或删除其他工作表后再上传。"
            )
            % {
                "n": len(rosters),
                "sheets": "、".join(f"“{c[0].title}”" for c in rosters),
                "data": DATA_SHEET,
            }
        )
    ws, number, found, header = (named or rosters or candidates)[0]
    positions: dict[str, int] = {}
    for i, key in found.items():
        if key in positions:
            raise SpreadsheetError(
                _(
                    "表头（第 %(row)d 行）中“%(a)s”（%(ca)s 列）和“%(b)s”（%(cb)s 列）都是“%(h)s”，"
                    "无法确定用哪一列。请删除或改名其中一列后再上传。"
                )
                % {
                    "row": number,
                    "a": _header_text(header[positions[key]]) or COLUMN_BY_KEY[key].header,
                    "ca": get_column_letter(positions[key] + 1),
                    "b": _header_text(header[i]) or COLUMN_BY_KEY[key].header,
                    "cb": get_column_letter(i + 1),
                    "h": COLUMN_BY_KEY[key].header,
                }
            )
        positions[key] = i
    missing = [COLUMN_BY_KEY[k].header for k in REQUIRED_KEYS if k not in positions]
    if missing:
        raise SpreadsheetError(
            _(
                "找不到必填列：%(missing)s（表头在工作表“%(sheet)s”第 %(row)d 行）。"
                "请补上这些列，列名与模板一致，再上传。"
            )
            % {"missing": "、".join(f"“{h}”" for h in missing), "sheet": ws.title, "row": number}
        )
    last = max(i for i, v in enumerate(header) if not is_blank(v) or i in found)
    ignored = tuple(
        _("%(h)s（%(c)s 列）") % {"h": _header_text(v), "c": get_column_letter(i + 1)}
        for i, v in enumerate(header)
        if i not in found and not is_blank(v)
    )
    return Layout(ws.title, number, positions, last + 1, ignored, declared[ws.title])


def _pick(positions: dict[str, int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """Return a function taking a row as read to its values in template order."""
    order = [positions.get(c.key) for c in COLUMNS]
    if order == list(range(len(COLUMNS))):
        return lambda row: row[: len(COLUMNS)]
    present = [(t, i) for t, i in enumerate(order) if i is not None]
    blank: list[Any] = [None] * len(COLUMNS)

    def pick(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = blank.copy()
        for t, i in present:
            values[t] = row[i]
        return tuple(values)

    return pick


def open_upload(path: Path, *, max_rows: int = archive.MAX_ROWS) -> Upload:
    """Open an upload read-only and find its header; raise SpreadsheetError saying what is wrong.

    The rows come in template order whatever the file's order of columns; a column the file
    lacks reads blank, a column the template lacks is left out (``layout.ignored``).
    """
    wb = _open(path)
    try:
        layout = locate(wb)
        ws = wb[layout.sheet]
        ws.reset_dimensions()
        rows = ws.iter_rows(min_row=layout.header_row + 1, max_col=layout.width, values_only=True)
    except SpreadsheetError:
        wb.close()
        raise
    except FILE_FAULTS:
        wb.close()
        raise SpreadsheetError(_unreadable()) from None
    except BaseException:
        wb.close()
        raise
    header_row = layout.header_row
    pick = _pick(layout.positions)
    upload = Upload(
        declared_rows=max(layout.declared_rows - header_row, 0),
        rows=iter(()),
        close=wb.close,
        layout=layout,
    )

    def data() -> Iterator[tuple[int, tuple[Any, ...]]]:
        # Row numbers as Excel shows them, whatever stands above the header.
        number, count, blank = header_row, 0, 0
        try:
            for number, row in enumerate(rows, start=header_row + 1):
                values = pick(row)  # read with max_col: every row is ``width`` long
                # A row with nothing in the template's columns (a 序号 alone) is blank.
                if all(is_blank(v) for v in values):
                    blank += 1
                    continue
                count += 1
                if count > max_rows:
                    raise SpreadsheetError(
                        _("一次最多导入 %(n)d 行，请把文件分成几个再上传。") % {"n": max_rows}
                    )
                upload.blank_rows += blank
                blank = 0
                yield number, values
        except FILE_FAULTS:
            raise SpreadsheetError(
                _(
                    "无法读取该文件：第 %(row)d 行附近的内容已损坏或不是 Excel 能保存的值。"
                    "请用 Excel 或 WPS 打开后另存为新的 .xlsx 再上传。"
                )
                % {"row": number + 1}
            ) from None

    upload.rows = data()
    return upload


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


def marked_copy(
    path: Path,
    errors: Sequence[CellError],
    destination: Path,
    *,
    fields: Sequence[str],
    industries: Sequence[str],
    skipped: Sequence[int] = (),
) -> None:
    """Write the upload's roster to ``destination`` with every bad cell filled and commented,
    two columns after the last (校验结果 有误/无误/已在库中, and each row's errors in words)
    under an autofilter, and the template's drop-down lists.

    The sheet keeps its layout: what stands above the header, the header on its row, the
    columns in their order (extra ones too), so the row numbers and columns are those of the
    job page and the corrected file imports as it is. ``skipped`` are the rows found already
    in the pool and left out by the "skip" choice.

    Streamed (read-only in, write-only out): a 20,000-row roster costs a few megabytes, where
    loading it whole would take 250 MB. Only the roster sheet is copied.
    """
    source = _open(path)
    try:
        layout = locate(source)
        sheet = source[layout.sheet]
        sheet.reset_dimensions()
        _write_marked(
            sheet, layout, errors, set(skipped), destination, fields=fields, industries=industries
        )
    except FILE_FAULTS:
        raise SpreadsheetError(_unreadable()) from None
    finally:
        source.close()


def _text_cell(ws: Any, value: str) -> Any:
    """A cell of text: "=…" typed in a cell stays text here, never a formula."""
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def _write_marked(
    sheet: Any,
    layout: Layout,
    errors: Sequence[CellError],
    skipped: set[int],
    destination: Path,
    *,
    fields: Sequence[str],
    industries: Sequence[str],
) -> None:
    by_cell: dict[tuple[int, int], list[str]] = {}
    by_row: dict[int, list[str]] = {}
    for e in errors:
        at = layout.positions.get(e.column)
        if at is not None:
            by_cell.setdefault((e.row, at), []).append(e.message)
        by_row.setdefault(e.row, []).append(f"{COLUMN_BY_KEY[e.column].header}：{e.message}")
    column_of = {i: COLUMN_BY_KEY[key] for key, i in layout.positions.items()}
    width, header_row = layout.width, layout.header_row

    out = Workbook(write_only=True)
    ws = out.create_sheet(DATA_SHEET)
    options = out.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    lists: dict[str, list[str]] = {k: [label for _v, label in v] for k, v in OPTION_LISTS.items()}
    lists["fields"] = list(fields)
    lists["industries"] = list(industries)
    ranges = {
        name: f"'{OPTIONS_SHEET}'!${get_column_letter(i)}$2:${get_column_letter(i)}${len(v) + 1}"
        for i, (name, v) in enumerate(lists.items(), start=1)
    }
    for i, col in column_of.items():
        ws.column_dimensions[get_column_letter(i + 1)].width = col.width
    ws.column_dimensions[get_column_letter(width + 1)].width = 12
    ws.column_dimensions[get_column_letter(width + 2)].width = 60
    ws.freeze_panes = f"B{header_row + 1}"

    red_bold = Font(bold=True, color="FFA61B1B")
    author = _("智库导入校验")
    labels = {"bad": _("有误"), "good": _("无误"), "skipped": _("已在库中（已跳过）")}
    blank = 0
    last = header_row
    for number, row in enumerate(sheet.iter_rows(max_col=width, values_only=True), start=1):
        if all(is_blank(v) for v in row):
            blank += 1  # written only if a row with content follows
            continue
        for _n in range(blank):
            ws.append([])
        blank = 0
        last = number
        if number < header_row:  # a title or a group header: as it was
            ws.append([_text_cell(ws, v) if isinstance(v, str) else v for v in row])
            continue
        if number == header_row:
            head = []
            for i, v in enumerate(row):
                cell = WriteOnlyCell(ws, value=v)
                spec = column_of.get(i)
                cell.font = red_bold if spec is not None and spec.required else Font(bold=True)
                head.append(cell)
            for text in (_("校验结果"), _("错误说明（修改后可删除本列）")):
                report = WriteOnlyCell(ws, value=text)
                report.font = red_bold
                head.append(report)
            ws.append(head)
            continue
        cells: list[Any] = []
        for i, value in enumerate(row):
            spec = column_of.get(i)
            is_text = spec is not None and spec.text
            messages = by_cell.get((number, i))
            if not messages and not is_text and not isinstance(value, str):
                cells.append(value)
                continue
            cell = _text_cell(ws, value) if isinstance(value, str) else WriteOnlyCell(ws, value)
            if is_text:
                cell.number_format = "@"
            if messages:
                cell.fill = ERROR_FILL
                comment = Comment("\n".join(messages), author)
                comment.width, comment.height = 320, 120
                cell.comment = comment
            cells.append(cell)
        cells.extend([None] * (width - len(cells)))
        if all(is_blank(row[i]) for i in column_of if i < len(row)):
            result, detail = "", ""  # nothing in the template's columns: not a roster row
        elif number in by_row:
            result, detail = labels["bad"], "；".join(by_row[number])
        elif number in skipped:
            result, detail = labels["skipped"], ""
        else:
            result, detail = labels["good"], ""
        for text, fill in ((result, number in by_row), (detail, number in by_row)):
            report = WriteOnlyCell(ws, value=text or None)
            report.data_type = "s"
            if fill:
                report.fill = ERROR_FILL
            cells.append(report)
        ws.append(cells)

    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(width + 2)}{max(last, header_row + 1)}"
    bottom = max(TEMPLATE_ROWS + 1, header_row + 1)
    for i, col in column_of.items():
        if not col.choices:
            continue
        dv = DataValidation(
            type="list",
            formula1=ranges[col.choices],
            allow_blank=not col.required,
            showErrorMessage=True,
            errorTitle=_("请从列表中选择"),
            error=_("“%(h)s”请从下拉列表中选择。") % {"h": col.header},
        )
        letter = get_column_letter(i + 1)
        dv.add(f"{letter}{header_row + 1}:{letter}{bottom}")
        ws.data_validations.append(dv)
    options.append(list(lists))
    for r in range(max(len(v) for v in lists.values())):
        options.append([v[r] if r < len(v) else None for v in lists.values()])
    out.save(destination)

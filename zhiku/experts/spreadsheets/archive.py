"""What an uploaded .xlsx may cost to read, checked before openpyxl parses any of it.

An .xlsx is a zip archive of XML parts. A few hundred kilobytes can unpack to gigabytes (200 MB
of empty ``<row/>`` elements compress to 300 KB), and openpyxl, even in read-only mode, keeps
one element per row of a sheet while it looks for the sheet's size, and every shared string in
memory. So, in order, each step bounded by the one before:

1. ``archive_check``: the archive's table of contents is read from its end record (its size is
   bounded before ``zipfile`` builds an entry per member), then every member's declared
   uncompressed size, the total, and the compression ratio. ``zipfile`` never inflates a member
   past its declared size (it fails the CRC instead), so the declared sizes are real bounds.
2. ``parts_scan``: every XML part is streamed through expat with no tree: a DOCTYPE (entity
   expansion, external entities) is refused, and so are more rows in a sheet, more cells in a
   row, more strings, more elements or longer text than Excel itself can hold or than the
   import needs.

Each refusal is a ``SpreadsheetError`` whose Chinese message says what is wrong and the limit.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from django.utils.translation import gettext as _

MB = 1024 * 1024
# Excel's own limits: rows and columns of a sheet, characters in a cell.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_TEXT = 32_767

# The archive. A real 20,000-row roster is about 2 MB, its sheet about 30 MB unpacked (ratio 13).
DIRECTORY_LIMIT = 1 * MB  # the table of contents: about 10,000 members
PART_LIMIT = 100 * MB  # one part, unpacked
TOTAL_LIMIT = 200 * MB  # every part, unpacked
RATIO_LIMIT = 200  # unpacked / packed, for parts above RATIO_FLOOR
RATIO_FLOOR = 1 * MB

# Data rows one import reads at most: reading stops after them.
MAX_ROWS = 20_000

# The parts, counted while streaming. openpyxl keeps about 100 bytes per row element of a sheet
# and per shared string: these caps keep the reading worker far below 300 MB.
SHEET_ROW_LIMIT = 100_000  # row elements in one sheet, blank ones included
STRING_LIMIT = 300_000  # shared strings: 20,000 rows of 15 different texts
STRINGS_PART_LIMIT = 32 * MB  # the shared strings are all kept in memory while reading
ELEMENT_LIMIT = 50_000  # elements of any other part (styles, workbook, properties)

XML_SUFFIXES = (".xml", ".rels", ".vml")
CHUNK = 64 * 1024


class ArchiveRefused(Exception):
    """Raised for a file the import will not read; the message is for the person who sent it."""


def _megabytes(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{max(size // 1024, 1)} KB"


def _directory_size(path: Path) -> int | None:
    """Return the size the archive's end record gives its table of contents (None: no record)."""
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(size - (22 + 65_535), 0))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    directory = int(struct.unpack("<4s4H2LH", tail[at : at + 22])[5])
    if directory != 0xFFFFFFFF:
        return directory
    # ZIP64: the locator just before the end record points at the 64-bit record.
    locator = tail[at - 20 : at]
    if at < 20 or not locator.startswith(b"PK\x06\x07"):
        return None
    with path.open("rb") as f:
        f.seek(int(struct.unpack("<4sLQL", locator)[2]))
        record = f.read(56)
    if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
        return None
    return int(struct.unpack("<4sQ2H2L4Q", record)[7])


def not_an_xlsx() -> str:
    return _(
        "无法读取该文件：它不是 .xlsx 文件（无法作为 Excel 工作簿打开）。"
        "请上传用 Excel 或 WPS 保存的 .xlsx 文件（不支持 .xls、.csv 或改了扩展名的其他文件）；"
        "设置了打开密码的文件请先取消密码。"
    )


def archive_check(path: Path) -> list[zipfile.ZipInfo]:
    """Return the members of an upload after checking what unpacking them would cost."""
    directory = _directory_size(path)
    if directory is None:
        raise ArchiveRefused(not_an_xlsx())
    if directory > DIRECTORY_LIMIT:
        raise ArchiveRefused(
            _(
                "无法读取该文件：压缩包的目录有 %(size)s，超过 %(limit)s 的上限"
                "（正常的 .xlsx 文件只有几十个部分）。请用 Excel 或 WPS 另存为新的 .xlsx 后再上传。"
            )
            % {"size": _megabytes(directory), "limit": _megabytes(DIRECTORY_LIMIT)}
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ArchiveRefused(not_an_xlsx()) from None
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > PART_LIMIT:
            raise ArchiveRefused(
                _(
                    "文件解压后过大：其中的“%(part)s”解压后有 %(size)s，超过每个部分 %(limit)s 的上限"
                    "（一份 2 万行的名单解压后约 30 MB）。请检查文件内容，或把名单分成几个文件上传。"
                )
                % {
                    "part": info.filename,
                    "size": _megabytes(info.file_size),
                    "limit": _megabytes(PART_LIMIT),
                }
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > RATIO_LIMIT:
            raise ArchiveRefused(
                _(
                    "文件的压缩比异常：“%(part)s”从 %(packed)s 解压为 %(size)s（%(ratio)d 倍，上限 "
                    "%(limit)d 倍）。正常的名单不会如此，这样的文件可能是用来耗尽服务器资源的，"
                    "不予读取。请用 Excel 或 WPS 另存为新的 .xlsx 后再上传。"
                )
                % {
                    "part": info.filename,
                    "packed": _megabytes(info.compress_size),
                    "size": _megabytes(info.file_size),
                    "ratio": int(ratio),
                    "limit": RATIO_LIMIT,
                }
            )
    if total > TOTAL_LIMIT:
        raise ArchiveRefused(
            _(
                "文件解压后过大：共 %(size)s，超过 %(limit)s 的上限。"
                "请检查文件内容，或把名单分成几个文件上传。"
            )
            % {"size": _megabytes(total), "limit": _megabytes(TOTAL_LIMIT)}
        )
    return members


@dataclass
class _Scan:
    """The running counts of one part while expat streams it."""

    part: str
    size: int
    kind: str = ""  # "sheet", "strings" or "other", from the root element
    elements: int = 0
    rows: int = 0
    cells: int = 0  # in the current row
    strings: int = 0
    text: int = 0  # characters of the current text node

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        self.elements += 1
        self.text = 0
        if not self.kind:
            self.kind = {"worksheet": "sheet", "sst": "strings"}.get(local, "other")
            if self.kind == "strings" and self.size > STRINGS_PART_LIMIT:
                raise ArchiveRefused(
                    _(
                        "文件中的文字部分（“%(part)s”）解压后有 %(size)s，超过 %(limit)s 的上限"
                        "（一份 2 万行的名单约 10 MB）。请检查文件内容，或把名单分成几个文件上传。"
                    )
                    % {
                        "part": self.part,
                        "size": _megabytes(self.size),
                        "limit": _megabytes(STRINGS_PART_LIMIT),
                    }
                )
        if self.kind == "sheet":
            if local == "row":
                self._row(attrs)
            elif local == "c":
                self.cells += 1
                if self.cells > EXCEL_MAX_COLUMNS:
                    raise ArchiveRefused(
                        _(
                            "工作表（文件内部“%(part)s”）第 %(row)d 行超过 Excel 的 %(limit)d 列上限，"
                            "这不是 Excel 或 WPS 保存的正常文件。"
                        )
                        % {"part": self.part, "row": self.rows, "limit": EXCEL_MAX_COLUMNS}
                    )
        elif self.kind == "strings":
            if local == "si":
                self.strings += 1
                if self.strings > STRING_LIMIT:
                    raise ArchiveRefused(
                        _(
                            "文件中的文字条目超过 %(limit)d 条（一份 2 万行的名单约 20 万条），"
                            "不予读取。请把名单分成几个文件上传。"
                        )
                        % {"limit": STRING_LIMIT}
                    )
        elif self.elements > ELEMENT_LIMIT:
            raise ArchiveRefused(
                _(
                    "文件内部“%(part)s”有超过 %(limit)d 个元素，这不是 Excel 或 WPS 保存的正常文件。"
                    "请用 Excel 或 WPS 另存为新的 .xlsx 后再上传。"
                )
                % {"part": self.part, "limit": ELEMENT_LIMIT}
            )

    def _row(self, attrs: dict[str, str]) -> None:
        self.rows += 1
        self.cells = 0
        if self.rows > SHEET_ROW_LIMIT:
            raise ArchiveRefused(
                _(
                    "工作表（文件内部“%(part)s”）有超过 %(limit)d 行（含空行），超过读取上限。"
                    "一次最多导入 %(rows)d 位专家；请删除多余的行，或把名单分成几个文件上传。"
                )
                % {"part": self.part, "limit": SHEET_ROW_LIMIT, "rows": MAX_ROWS}
            )
        number = attrs.get("r", "")
        if number and (not number.isdigit() or int(number) > EXCEL_MAX_ROWS):
            raise ArchiveRefused(
                _(
                    "工作表（文件内部“%(part)s”）的行号“%(r)s”超出 Excel 的 %(limit)d 行范围，"
                    "这不是 Excel 或 WPS 保存的正常文件。"
                )
                % {"part": self.part, "r": number[:20], "limit": EXCEL_MAX_ROWS}
            )

    def end(self, name: str) -> None:
        self.text = 0

    def characters(self, data: str) -> None:
        self.text += len(data)
        if self.text > EXCEL_MAX_TEXT:
            raise ArchiveRefused(
                _(
                    "文件内部“%(part)s”中有一段文字超过 %(limit)d 个字符（Excel 单元格的上限），"
                    "不予读取。请检查文件内容后另存为新的 .xlsx 再上传。"
                )
                % {"part": self.part, "limit": EXCEL_MAX_TEXT}
            )

    def doctype(self, *args: Any) -> None:
        raise ArchiveRefused(
            _(
                "无法读取该文件：文件内部“%(part)s”含有 DOCTYPE 声明。Excel 和 WPS 保存的 .xlsx "
                "从不含这种声明，它可被用来展开大量实体或读取服务器上的文件，出于安全原因不予读取。"
                "请用 Excel 或 WPS 打开后另存为新的 .xlsx 再上传。"
            )
            % {"part": self.part}
        )


def _xml_error(code: int | None) -> str:
    """Return expat's reason for a broken part, in Chinese for the usual ones."""
    messages = expat.errors.messages
    known = {
        "XML_ERROR_SYNTAX": _("语法错误"),
        "XML_ERROR_INVALID_TOKEN": _("格式错误"),
        "XML_ERROR_UNCLOSED_TOKEN": _("标记未结束"),
        "XML_ERROR_TAG_MISMATCH": _("开始和结束标签不匹配"),
        "XML_ERROR_NO_ELEMENTS": _("内容不完整"),
        "XML_ERROR_JUNK_AFTER_DOC_ELEMENT": _("文档结束后还有多余内容"),
        "XML_ERROR_UNDEFINED_ENTITY": _("引用了未定义的实体"),
        "XML_ERROR_BAD_CHAR_REF": _("字符引用无效"),
        "XML_ERROR_UNKNOWN_ENCODING": _("未知的字符编码"),
        "XML_ERROR_INCORRECT_ENCODING": _("字符编码与声明不符"),
    }
    for name, label in known.items():
        if code is not None and getattr(expat.errors, name, None) == messages.get(code):
            return str(label)
    return expat.ErrorString(code) if code is not None else _("未知错误")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    scan = _Scan(part=info.filename, size=info.file_size)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.characters
    handler: Callable[..., None] = scan.doctype
    parser.StartDoctypeDeclHandler = handler
    parser.EntityDeclHandler = handler
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise ArchiveRefused(
            _(
                "无法读取该文件：文件内部“%(part)s”的 XML 已损坏（第 %(line)d 行第 %(col)d 列附近："
                "%(reason)s）。请用 Excel 或 WPS 打开后另存为新的 .xlsx 再上传。"
            )
            % {
                "part": info.filename,
                "line": exc.lineno,
                "col": exc.offset + 1,
                "reason": _xml_error(exc.code),
            }
        ) from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ):
        # A CRC mismatch, a member longer than it said, an unknown compression, encryption.
        raise ArchiveRefused(
            _(
                "无法读取该文件：文件内部“%(part)s”已损坏或无法解压。"
                "请用 Excel 或 WPS 打开后另存为新的 .xlsx 再上传。"
            )
            % {"part": info.filename}
        ) from None


def parts_scan(path: Path) -> None:
    """Stream every XML part of an upload that passed ``archive_check``; raise if one is refused."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename.lower().endswith(XML_SUFFIXES) and not info.is_dir():
                _scan_part(archive, info)


def upload_check(path: Path) -> None:
    """Check an upload's archive and stream its parts: what reading it will cost, before reading."""
    archive_check(path)
    parts_scan(path)

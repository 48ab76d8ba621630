"""The one writer of exported spreadsheets: every copy says who exported it and when.

Used by every export (the audit trail, the expert list, later the finance and statistics
exports), so the stamp and the formula guard are written once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_stamp(who: str, at: datetime) -> str:
    """Return the line every export carries: 导出人：… 导出时间：… (``at`` in local time)."""
    return _("导出人：%(who)s　导出时间：%(at)s") % {
        "who": who,
        "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
    }


class ExportWriter:
    """A write-only workbook whose every copy names who exported it and when.

    The stamp is the first visible row, the last row, the printed page header and footer, and
    the document properties (creator, title, description). Text stays text: a value such as
    "=HYPERLINK(...)" typed into a profile or a login form must not become a formula in the
    exported file.
    """

    def __init__(
        self, *, title: str, stamp: str, description: str, creator: str, header_rows: int = 3
    ) -> None:
        self.stamp = stamp
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
        self.ws.print_title_rows = f"1:{header_rows}"
        self.ws.freeze_panes = f"A{header_rows + 1}"

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
        """Close the sheet with a blank row and the stamp, and return the .xlsx bytes."""
        self.row()
        self.row(self.stamp)
        buffer = io.BytesIO()
        self.wb.save(buffer)
        return buffer.getvalue()

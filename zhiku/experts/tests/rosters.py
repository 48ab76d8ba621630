"""Roster spreadsheets for the import tests, written into the downloaded template."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from openpyxl import load_workbook

from zhiku.experts.spreadsheets import DATA_SHEET, HEADERS
from zhiku.experts.tests.factories import resident_number

FIELDS = ["01.01 质量管理体系", "02.01 标准制修订", "05.01 产品检验", "12.02 质量政策研究"]
REGIONS = ["广州市", "深圳市", "佛山市", "外省（区、市）"]
LEVELS = ["正高级", "副高级", "中级"]


def roster_row(n: int, *, email: bool = True) -> dict[str, Any]:
    """Return a valid row (header -> value) for person ``n``: distinct identity and mobile."""
    birth = date(1960, 1, 1) + timedelta(days=(n * 7) % 9000)
    return {
        "姓名": f"导入专家{n}",
        "性别": "女" if n % 2 else "男",
        "出生日期": birth,
        "证件类型": "居民身份证",
        "证件号码": resident_number(birth, n % 1000, area=f"44{n // 1000 % 100:02d}06"),
        "手机号码": f"137{n:08d}",
        "电子邮箱": f"expert{n}@example.org" if email else "",
        "通讯地址": f"广州市天河区华观路 {n} 号" if n % 2 else "",
        "工作单位": f"广东质量研究院{n % 7}所",
        "单位类型": "科研院所",
        "职称": "研究员",
        "职称级别": LEVELS[n % 3],
        "所在地区": REGIONS[n % 4],
        "主要专业领域": FIELDS[n % 4],
        "其他专业领域": "01.02、05.02" if n % 5 == 0 else "",
        "行业门类": "C、M" if n % 3 == 0 else "",
        "特殊类别": "博士生导师、享受国务院特殊津贴" if n % 11 == 0 else "",
        "法定退休年龄": 65 if n % 11 == 0 else None,
        "已声明职业道德与无不良记录": "是",
        "已声明身体健康、自愿参与": "是",
    }


def roster_file(template: bytes, rows: list[dict[str, Any]]) -> bytes:
    """Return the template with ``rows`` filled in from row 2."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb[DATA_SHEET]
    for r, row in enumerate(rows, start=2):
        for c, header in enumerate(HEADERS, start=1):
            value = row.get(header)
            if value not in (None, ""):
                ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

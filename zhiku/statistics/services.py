"""A chart's numbers as a spreadsheet, for staff holding 导出数据 (stamped and audited)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import log_action
from zhiku.core.permissions import EXPORTER
from zhiku.core.spreadsheets import ExportWriter, export_stamp
from zhiku.statistics.charts import Chart

# Charts of the pool as it is today (the others are of a year).
POOL_CHARTS = frozenset({"fields", "titles", "org_types", "regions", "ages"})


@transaction.atomic
def chart_export(*, actor: User, chart: Chart, year: int, now: dt.datetime) -> bytes:
    """The chart's table as .xlsx: the stamp, the title, the headers, a row per category."""
    EXPORTER.require(actor)
    who = actor.full_name or actor.username
    stamp = export_stamp(who, now)
    writer = ExportWriter(
        title=chart.title,
        stamp=stamp,
        description=_("统计分析：%(t)s") % {"t": chart.title},
        creator=who,
    )
    writer.row(stamp)
    scope = _("%(y)d 年") % {"y": year} if chart.key not in POOL_CHARTS else _("当前库中专家")
    writer.row(f"{chart.title}（{scope}{'，' + chart.unit if chart.unit else ''}）")
    writer.row(*chart.headers(), bold=True)
    rows = chart.rows()
    for row in rows:
        writer.row(*row)
    for label, value in chart.figures:
        writer.row(label, value)
    writer.widths([28, *[16] * (len(chart.headers()) - 1)])
    content = writer.save()
    log_action(
        "statistics.chart.exported",
        actor=actor,
        data={"chart": chart.title, "year": year, "rows": len(rows)},
    )
    return content

"""What the statistics page adds to the shell: its menu entry and the label of its export."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zhiku.core.plugins import MenuItem, Plugin, register

register(
    Plugin(
        app="zhiku.statistics",
        menu=[MenuItem(_("统计分析"), "statistics:overview", order=44)],
        audit_labels={"statistics.chart.exported": _("导出统计图表数据")},
        audit_fields={"chart": _("图表"), "year": _("年份"), "rows": _("行数")},
    )
)

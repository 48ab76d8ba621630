"""Spreadsheets out of evaluations: an assessment's results (导出数据, audited, stamped)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import log_action
from zhiku.core.permissions import EXPORTER
from zhiku.core.spreadsheets import ExportWriter, export_stamp
from zhiku.evaluations.choices import Dimension, Grade
from zhiku.evaluations.models import Assessment
from zhiku.evaluations.selectors.assessments import results_of


def _text(value: object) -> object:
    return "" if value is None else value


def assessment_export(*, actor: User, assessment: Assessment, now: dt.datetime) -> bytes:
    """The assessment's results, one row per expert, as .xlsx."""
    EXPORTER.require(actor)
    stamp = export_stamp(actor.full_name or actor.username, now)
    writer = ExportWriter(
        title=_("考核结果"),
        stamp=stamp,
        description=f"{assessment.title}（{assessment.get_status_display()}）",
        creator=actor.full_name or actor.username,
    )
    writer.row(stamp)
    writer.row(
        _("%(t)s　考核期：%(s)s 至 %(e)s　满分：%(n)d　状态：%(st)s")
        % {
            "t": assessment.title,
            "s": assessment.period_start.isoformat(),
            "e": assessment.period_end.isoformat(),
            "n": assessment.scale_max,
            "st": assessment.get_status_display(),
        }
    )
    writer.row(
        _("专家编号"),
        _("姓名"),
        _("评价次数"),
        *[str(d.label) for d in Dimension],
        _("总评"),
        _("折合百分制"),
        _("按分数线的等次"),
        _("考核等次"),
        _("考核意见"),
        _("出席次数"),
        _("请假缺席"),
        _("无故缺席"),
        _("出席率（%）"),
        _("受邀培训"),
        _("参加培训"),
        bold=True,
    )
    count = 0
    for r in results_of(assessment):
        writer.row(
            r.expert.pool_number or "",
            r.expert.name,
            r.evaluations,
            *[_text(getattr(r, f"mean_{d.value}")) for d in Dimension],
            _text(r.overall),
            _text(r.percent),
            str(Grade(r.suggested_grade).label) if r.suggested_grade else "",
            str(Grade(r.grade).label) if r.grade else "",
            r.remarks,
            r.services,
            r.excused,
            r.unexcused,
            _text(r.attendance_rate),
            r.trainings_invited,
            r.trainings_attended,
        )
        count += 1
    writer.widths([16, 10, 8, 9, 9, 9, 9, 8, 10, 12, 10, 30, 8, 8, 8, 10, 8, 8])
    content = writer.save()
    log_action(
        "evaluations.assessment.exported",
        actor=actor,
        obj=assessment,
        data={"rows": count, "at": timezone.localtime(now).isoformat(timespec="seconds")},
    )
    return content

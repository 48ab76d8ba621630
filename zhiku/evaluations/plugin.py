"""What training, evaluation, assessment and the dossier add to the shell: menus (staff and
expert), dashboard items, demo data, audit labels, the parameters (the scale, the dimensions'
weights, the grade thresholds) and the deadline step that deletes archives nobody fetched."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhiku.core.parameters import Parameter, parameter_value
from zhiku.core.plugins import DashboardItem, DashboardSource, MenuItem, Plugin, register
from zhiku.evaluations import personal_data
from zhiku.evaluations.choices import (
    AssessmentStatus,
    BatchStatus,
    Dimension,
    ExitReview,
    Grade,
    TrainingAttendance,
    TrainingStatus,
    TrainingTopic,
)
from zhiku.evaluations.demo import seed_evaluations
from zhiku.evaluations.models import Assessment
from zhiku.evaluations.selectors import assessments as assessment_selectors
from zhiku.evaluations.selectors import training as training_selectors
from zhiku.evaluations.selectors.evaluations import unscored
from zhiku.evaluations.services.dossiers import (
    ARCHIVE_HOURS,
    dossier_archives_purge,
    dossier_batches_fail_stalled,
)

UNSCORED_DAYS = 365


def _unscored(user: Any, today: dt.date) -> DashboardItem | None:
    activities = unscored(user, today - dt.timedelta(days=UNSCORED_DAYS))
    if not activities:
        return None
    closed = [timezone.localtime(a.closed_at).date() for a in activities if a.closed_at]
    return DashboardItem(
        title=_("活动已结束，专家评价待录入（第十一条）"),
        count=len(activities),
        url=reverse("evaluations:evaluation_list"),
        oldest=min(closed) if closed else None,
        note=_("为出席的专家按工作态度、专业水平、知识面、表达能力打分。"),
    )


def _training_attendance(user: Any, today: dt.date) -> DashboardItem | None:
    waiting = list(training_selectors.attendance_waiting(today))
    if not waiting:
        return None
    return DashboardItem(
        title=_("培训已举行，出席情况待登记"),
        count=len(waiting),
        url=reverse("evaluations:training_list") + f"?status={TrainingStatus.SCHEDULED}",
        oldest=waiting[0].date,
    )


def _drafts(user: Any, today: dt.date) -> DashboardItem | None:
    drafts = list(Assessment.objects.filter(status=AssessmentStatus.DRAFT).order_by("created_at"))
    if not drafts:
        return None
    return DashboardItem(
        title=_("考核待评定等次并确认"),
        count=len(drafts),
        url=reverse("evaluations:assessment_list"),
        oldest=timezone.localtime(drafts[0].created_at).date(),
    )


def _exit_reviews(user: Any, today: dt.date) -> DashboardItem | None:
    pending = list(assessment_selectors.exit_reviews_pending())
    if not pending:
        return None
    confirmed = [
        timezone.localtime(r.assessment.confirmed_at).date()
        for r in pending
        if r.assessment.confirmed_at
    ]
    return DashboardItem(
        title=_("考核不合格，待研究是否启动出库"),
        count=len(pending),
        url=reverse("evaluations:exit_review_list"),
        oldest=min(confirmed) if confirmed else None,
        note=_("依第八条第（三）项或第（八）项立案办理出库，或写明不启动出库的理由。"),
    )


def _deadlines(now: dt.datetime) -> Iterator[str]:
    """Delete the archives of dossiers nobody fetched within their retention; mark failed the
    batches whose worker died. Idempotent."""
    minutes = parameter_value("dossier_batch_stall_minutes", timezone.localdate(now))
    for batch in dossier_batches_fail_stalled(now=now, stalled_after=dt.timedelta(minutes=minutes)):
        yield gettext("档案批量生成第 %(n)d 号超过 %(m)d 分钟没有进展，已标记为生成失败。") % {
            "n": batch.pk,
            "m": minutes,
        }
    count = dossier_archives_purge(now=now)
    if count:
        yield gettext("删除超过保留期限（%(h)d 小时）的档案压缩包：%(n)d 个。") % {
            "h": ARCHIVE_HOURS,
            "n": count,
        }


def _marks(value: Any) -> str:
    """Attendance marks of a training: [[expert, before, after], …] in words."""
    if not isinstance(value, list):
        return str(value)
    labels = dict(TrainingAttendance.choices)
    parts = []
    for item in value:
        if isinstance(item, list) and len(item) == 3:
            who, before, after = item
            was = str(labels.get(before, before)) if before else gettext("（未登记）")
            parts.append(f"{who}：{was} → {labels.get(after, after)}")
    return "；".join(parts)


def _weights(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    labels = dict(Dimension.choices)
    return "；".join(f"{labels.get(k, k)} {v}" for k, v in value.items())


def _thresholds(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    names = {
        "excellent": Grade.EXCELLENT.label,
        "pass": Grade.PASS.label,
        "basic": Grade.BASIC.label,
    }
    return "；".join(f"{names.get(k, k)} ≥ {v}" for k, v in value.items())


def _grades(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    labels = dict(Grade.choices)
    return "；".join(f"{labels.get(k, k)} {v} 人" for k, v in value.items()) or gettext("（无）")


TRAINING_STATUS_ACTIONS = [
    "evaluations.training.planned",
    "evaluations.training.held",
    "evaluations.training.cancelled",
]
ASSESSMENT_STATUS_ACTIONS = [
    "evaluations.assessment.run",
    "evaluations.assessment.confirmed",
    "evaluations.assessment.withdrawn",
]


def _weight(dimension: Dimension) -> Parameter:
    return Parameter(
        f"evaluation_weight_{dimension.value}",
        format_lazy("{}{}", _("考核权重："), dimension.label),
        _("计算考核总评时该维度的权重（各维度权重之比即其占比，不必合计为 100）。"),
        25,
        "int",
        minimum=1,
        maximum=100,
    )


register(
    Plugin(
        app="zhiku.evaluations",
        **personal_data.HOOKS,  # the download's section and the dossier; a disclosure
        menu=[
            MenuItem(_("我的培训"), "me:training_list", order=21),
            MenuItem(_("我的评价与考核"), "me:evaluation_list", order=22),
            MenuItem(_("专家培训"), "evaluations:training_list", group=_("培训与考核"), order=40),
            MenuItem(_("活动评价"), "evaluations:evaluation_list", group=_("培训与考核"), order=41),
            MenuItem(_("专家考核"), "evaluations:assessment_list", group=_("培训与考核"), order=42),
            MenuItem(
                _("综合考核档案"), "evaluations:dossier_list", group=_("培训与考核"), order=43
            ),
        ],
        dashboard=[
            DashboardSource("evaluations:evaluation_list", _unscored, order=40),
            DashboardSource("evaluations:training_list", _training_attendance, order=41),
            DashboardSource("evaluations:assessment_list", _drafts, order=42),
            DashboardSource("evaluations:exit_review_list", _exit_reviews, order=43),
        ],
        demo=seed_evaluations,
        deadlines=_deadlines,
        audit_labels={
            "evaluations.training.planned": _("安排培训"),
            "evaluations.training.updated": _("修改培训安排"),
            "evaluations.training.cancelled": _("取消培训"),
            "evaluations.training.invited": _("邀请专家参加培训"),
            "evaluations.training.material_added": _("上传培训资料"),
            "evaluations.training.material_removed": _("撤下培训资料"),
            "evaluations.training.attendance_recorded": _("登记培训出席情况"),
            "evaluations.training.held": _("培训已举行"),
            "evaluations.evaluation.recorded": _("评价专家（打分）"),
            "evaluations.evaluation.corrected": _("修改专家评价"),
            "evaluations.assessment.run": _("进行考核（计算结果）"),
            "evaluations.assessment.recomputed": _("重新计算考核结果"),
            "evaluations.assessment.grades_accepted": _("按分数线评定考核等次"),
            "evaluations.assessment.confirmed": _("确认考核结果"),
            "evaluations.assessment.withdrawn": _("撤销考核"),
            "evaluations.assessment.exported": _("导出考核结果"),
            "evaluations.result.graded": _("评定考核等次"),
            "evaluations.result.responded": _("专家对考核结果作出书面回应"),
            "evaluations.result.exit_reviewed": _("研究考核不合格专家是否启动出库"),
            "evaluations.dossier.exported": _("导出综合考核档案"),
            "evaluations.dossier_batch.requested": _("申请批量生成综合考核档案"),
            "evaluations.dossier_batch.produced": _("批量生成综合考核档案完成"),
            "evaluations.dossier_batch.failed": _("批量生成综合考核档案失败"),
            "evaluations.dossier_batch.stalled": _("批量生成综合考核档案中断（长时间没有进展）"),
            "evaluations.dossier_batch.downloaded": _("下载综合考核档案压缩包"),
            "evaluations.dossier_batch.expired": _("删除超过保留期限的档案压缩包"),
        },
        audit_fields={
            "topic": _("培训内容"),
            "title": _("名称"),
            "date": _("日期"),
            "start_time": _("开始时间"),
            "end_time": _("结束时间"),
            "place": _("地点"),
            "online_link": _("线上参加链接"),
            "description": _("说明"),
            "invited": _("邀请人数"),
            "no_email": _("无电子邮箱人数"),
            "filters": _("筛选条件"),
            "file": _("文件"),
            "marks": _("出席情况"),
            "attended": _("出席人数"),
            "excused": _("请假人数"),
            "absent": _("缺席人数"),
            "attitude": Dimension.ATTITUDE.label,
            "professional": Dimension.PROFESSIONAL.label,
            "knowledge": Dimension.KNOWLEDGE.label,
            "expression": Dimension.EXPRESSION.label,
            "comment": _("评语"),
            "expert": _("专家"),
            "scale_max": _("满分"),
            "period": _("考核期"),
            "experts": _("专家人数"),
            "weights": _("各维度权重"),
            "thresholds": _("等次分数线（折合百分制）"),
            "grades": _("各等次人数"),
            "grade": _("考核等次"),
            "remarks": _("考核意见"),
            "assessment": _("考核"),
            "text": _("书面回应"),
            "decision": _("研究结论"),
            "note": _("研究意见"),
            "exit_case": _("出库案件"),
            "pages": _("页数"),
            "done": _("已生成"),
            "evaluations.dossier_batch.stalled:minutes": _("判定中断的时间（分钟）"),
            "error": _("错误"),
            "size": _("文件大小（字节）"),
            "hours": _("保留期限（小时）"),
            "rows": _("行数"),
            "at": _("导出时间"),
            "reason": _("原因"),
        },
        audit_values={
            "topic": TrainingTopic.choices,
            "grade": Grade.choices,
            "decision": ExitReview.choices,
            "marks": _marks,
            "weights": _weights,
            "thresholds": _thresholds,
            "grades": _grades,
            **{f"{a}:status": TrainingStatus.choices for a in TRAINING_STATUS_ACTIONS},
            **{f"{a}:status": AssessmentStatus.choices for a in ASSESSMENT_STATUS_ACTIONS},
            "evaluations.dossier_batch.requested:status": BatchStatus.choices,
        },
        parameters=[
            Parameter(
                "dossier_batch_stall_minutes",
                _("档案批量生成中断判定时间（分钟）"),
                _(
                    "全库档案批量生成中超过此时间没有进展，视为后台进程已中断：到期事项办理时将其"
                    "标记为生成失败，申请人可以重新申请。"
                ),
                30,
                "int",
                minimum=5,
                maximum=1440,
            ),
            Parameter(
                "evaluation_scale_max",
                _("评价满分（分值从 1 起）"),
                _(
                    "专家每次参加活动后，按工作态度、专业水平、知识面、表达能力四个维度各打 1 分至此分值，"
                    "每一分值附有评分说明。已打的分保留当时的满分；考核时按各自满分折算。"
                ),
                5,
                "int",
                minimum=3,
                maximum=10,
            ),
            *[_weight(d) for d in Dimension],
            Parameter(
                "assessment_excellent_percent",
                _("考核“优秀”分数线（折合百分制）"),
                _("总评 ÷ 满分 × 100 达到此数为“优秀”（默认 90，即五分制 4.5 分）。"),
                90,
                "int",
                minimum=0,
                maximum=100,
            ),
            Parameter(
                "assessment_pass_percent",
                _("考核“合格”分数线（折合百分制）"),
                _("总评 ÷ 满分 × 100 达到此数为“合格”（默认 70，即五分制 3.5 分）。"),
                70,
                "int",
                minimum=0,
                maximum=100,
            ),
            Parameter(
                "assessment_basic_percent",
                _("考核“基本合格”分数线（折合百分制）"),
                _(
                    "总评 ÷ 满分 × 100 达到此数为“基本合格”，低于此数为“不合格”"
                    "（默认 60，即五分制 3 分）。工作人员评定等次时可不同于分数线，须写明考核意见。"
                ),
                60,
                "int",
                minimum=0,
                maximum=100,
            ),
        ],
    )
)

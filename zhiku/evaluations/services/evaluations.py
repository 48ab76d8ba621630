"""Evaluation of each service (art. 11): after an activity, its staff score every expert who
attended on 工作态度, 专业水平, 知识面 and 表达能力, on the scale in force (parameter
``evaluation_scale_max``), with an optional comment. The expert's opinion given in the activity
(art. 12(1), 13(1)) is the attendance record's, under their name; it may be entered here too.

Scores of a day inside a confirmed assessment's period are frozen for the experts it assessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.activities.choices import AttendanceStatus
from zhiku.activities.models import Activity, Attendance
from zhiku.activities.services import attendance_record, require_in_charge
from zhiku.core.audit import diff, log_action
from zhiku.core.parameters import parameter_value
from zhiku.evaluations import rules
from zhiku.evaluations.choices import DIMENSIONS
from zhiku.evaluations.errors import EvaluationError
from zhiku.evaluations.models import Evaluation
from zhiku.evaluations.selectors.evaluations import frozen_results
from zhiku.experts.models import Expert

MAX_COMMENT = 1000


def scale_on(day: dt.date) -> int:
    """The scale (1 to this) on which an activity is scored on ``day``."""
    return int(parameter_value("evaluation_scale_max", day))


@transaction.atomic
def evaluation_record(
    *,
    actor: User,
    activity: Activity,
    expert: Expert,
    scores: Mapping[str, object],
    comment: str = "",
    opinion: str | None = None,
    now: dt.datetime | None = None,
) -> Evaluation:
    """Score (or correct the scores of) an expert who attended a closed activity.

    ``opinion``, when given and changed, is written to the attendance record (the activities
    app's service, audited there)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_in_charge(actor, activity)
    now = now or timezone.now()
    if activity.is_open:
        raise EvaluationError(
            _("活动结束后才能评价专家：请先在活动页面结束活动（名单在活动结束前保密）。")
        )
    attendance = Attendance.objects.filter(activity=activity, expert=expert).first()
    if attendance is None or attendance.status != AttendanceStatus.ATTENDED:
        state = attendance.get_status_display() if attendance else _("尚未登记")
        raise EvaluationError(
            _("只能评价出席本活动的专家：%(e)s 的出席情况为“%(s)s”。") % {"e": expert, "s": state}
        )
    frozen = frozen_results(activity.start_date, expert).get(expert.pk)
    if frozen is not None:
        raise EvaluationError(
            _("“%(a)s”已确认，%(e)s 在其考核期内的评价不能再修改。")
            % {"a": frozen.title, "e": expert}
        )
    row = Evaluation.objects.select_for_update().filter(activity=activity, expert=expert).first()
    scale = row.scale_max if row is not None else scale_on(timezone.localdate(now))
    field, message = rules.scores_problem(scores, scale)
    if message:
        raise EvaluationError(message, field=field)
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise EvaluationError(_("评语不能超过 %(n)d 个字。") % {"n": MAX_COMMENT}, field="comment")
    new = {d: int(str(scores[d])) for d in DIMENSIONS}
    before = {**row.scores(), "comment": row.comment} if row is not None else {}
    after = {**new, "comment": comment}
    changes = diff(before, after)
    opinion_changed = opinion is not None and opinion.strip() != attendance.opinion
    if row is not None and not changes and not opinion_changed:
        raise EvaluationError(_("评分和评语没有变化。"))
    if changes:
        if row is None:
            row = Evaluation(activity=activity, expert=expert, scale_max=scale)
        for d, value in new.items():
            setattr(row, d, value)
        row.comment = comment
        row.scored_by = actor
        row.scored_at = now
        row.save()
        log_action(
            "evaluations.evaluation.corrected" if before else "evaluations.evaluation.recorded",
            actor=actor,
            obj=activity,
            changes=changes,
            data={"expert": str(expert), "scale_max": scale},
        )
    if opinion_changed:
        attendance_record(
            actor=actor,
            activity=activity,
            expert=expert,
            status=attendance.status,
            opinion=opinion or "",
            now=now,
        )
    assert row is not None
    return row

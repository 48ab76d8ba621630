"""Periodic assessment (考核, art. 11): run for a period (a calendar year by default), grade,
confirm; confirmed results are frozen. The expert may answer their result in writing.

Running freezes the scale, the dimensions' weights and the grade thresholds in force that day
(``parameters_on``), and computes each expert's figures from what is on record
(``selectors.period_records``); while the assessment waits for confirmation it may be computed
again (grades and remarks already given stay). Confirming needs a grade for every expert with at
least one evaluation; after it nothing of the results changes.

```
(staff run) ──▶ draft 待确认 ──confirm──▶ confirmed 已确认 (frozen; the expert sees it, may respond)
                   └──withdraw (reason)──▶ withdrawn 已撤销
```
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import diff, log_action
from zhiku.core.errors import DomainError
from zhiku.core.parameters import parameter_snapshot
from zhiku.core.permissions import EXPERT, STAFF
from zhiku.core.transitions import transition_record
from zhiku.evaluations import rules
from zhiku.evaluations.choices import DIMENSIONS, AssessmentStatus, ExitReview, Grade
from zhiku.evaluations.errors import AssessmentError
from zhiku.evaluations.models import (
    Assessment,
    AssessmentChange,
    AssessmentResponse,
    AssessmentResult,
)
from zhiku.evaluations.selectors.assessments import PeriodRecord, period_records
from zhiku.exits.choices import Ground
from zhiku.exits.services import exit_case_raise

MAX_PERIOD_DAYS = 3 * 366
MAX_TEXT = 2000
THRESHOLD_KEYS = {
    "excellent": "assessment_excellent_percent",
    "pass": "assessment_pass_percent",
    "basic": "assessment_basic_percent",
}


def frozen_parameters(day: dt.date) -> tuple[int, dict[str, int], dict[str, int]]:
    """The scale, the weights and the thresholds in force on ``day`` (what an assessment keeps)."""
    values = parameter_snapshot(day)
    scale = int(values["evaluation_scale_max"])
    weights = {d: int(values[f"evaluation_weight_{d}"]) for d in DIMENSIONS}
    thresholds = {k: int(values[key]) for k, key in THRESHOLD_KEYS.items()}
    return scale, weights, thresholds


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The default period of an assessment, a calendar year: in the first half of a year the
    year just ended (assessed after it closes), in the second half the year under way."""
    year = today.year - 1 if today.month <= 6 else today.year
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def figures(record: PeriodRecord, assessment: Assessment) -> dict[str, Any]:
    """One expert's figures on the assessment's frozen scale, weights and thresholds."""
    means = rules.weighted_means(
        record.evaluations, scale_max=assessment.scale_max, weights=assessment.weights
    )
    percent = rules.percent_of_full_marks(means.overall, assessment.scale_max)
    return {
        "evaluations": means.count,
        "services": record.attended,
        "excused": record.excused,
        "unexcused": record.unexcused,
        "attendance_rate": rules.to_decimal(
            rules.rate(record.attended, record.recorded), rules.ONE_PLACE
        ),
        "trainings_invited": record.trainings_invited,
        "trainings_attended": record.trainings_attended,
        **{f"mean_{d}": rules.to_decimal(means.by_dimension[d]) for d in DIMENSIONS},
        "overall": rules.to_decimal(means.overall),
        "percent": rules.to_decimal(percent, rules.ONE_PLACE),
        "suggested_grade": rules.suggested_grade(percent, assessment.thresholds),
    }


def _compute(assessment: Assessment) -> int:
    """Write every expert's figures (grades and remarks already given stay); drop the results
    of experts no longer in scope. Return how many results there are."""
    records = period_records(assessment.period_start, assessment.period_end)
    existing = {r.expert_id: r for r in assessment.results.all()}
    assessment.results.exclude(expert_id__in=records.keys()).delete()
    new = []
    for expert_id, record in records.items():
        values = figures(record, assessment)
        row = existing.get(expert_id)
        if row is None:
            new.append(AssessmentResult(assessment=assessment, expert_id=expert_id, **values))
            continue
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
    AssessmentResult.objects.bulk_create(new, batch_size=500)
    return len(records)


def _locked(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().get(pk=assessment.pk)


def _require_draft(assessment: Assessment, what: str) -> None:
    if assessment.status != AssessmentStatus.DRAFT:
        raise AssessmentError(
            _("考核%(s)s，不能再%(what)s。") % {"s": assessment.get_status_display(), "what": what}
        )


@transaction.atomic
def assessment_run(
    *,
    actor: User,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    now: dt.datetime | None = None,
) -> Assessment:
    """Run an assessment of a period: freeze today's scale, weights and thresholds, and compute
    every expert's figures. It waits for grades and confirmation."""
    STAFF.require(actor)
    now = now or timezone.now()
    today = timezone.localdate(now)
    title = title.strip()
    if not title:
        raise AssessmentError(_("请填写考核名称。"), field="title")
    if period_end < period_start:
        raise AssessmentError(_("考核期止不能早于考核期起。"), field="period_end")
    if (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise AssessmentError(_("考核期不能超过三年。"), field="period_end")
    if period_start > today:
        raise AssessmentError(
            _("考核期尚未开始（%(d)s），不能进行考核。") % {"d": period_start.isoformat()},
            field="period_start",
        )
    same = (
        Assessment.objects.filter(period_start=period_start, period_end=period_end)
        .exclude(status=AssessmentStatus.WITHDRAWN)
        .first()
    )
    if same is not None:
        raise AssessmentError(
            _("同一考核期已有考核“%(t)s”（%(s)s）。")
            % {"t": same.title, "s": same.get_status_display()},
            field="period_start",
        )
    scale, weights, thresholds = frozen_parameters(today)
    problem = rules.thresholds_problem(thresholds)
    if problem:
        raise AssessmentError(problem)
    assessment = Assessment.objects.create(
        title=title,
        period_start=period_start,
        period_end=period_end,
        scale_max=scale,
        weights=weights,
        thresholds=thresholds,
        parameters_on=today,
        created_by=actor,
        created_at=now,
        computed_at=now,
    )
    count = _compute(assessment)
    transition_record(
        AssessmentChange,
        action="evaluations.assessment.run",
        actor=actor,
        from_value="",
        to_value=AssessmentStatus.DRAFT,
        at=now,
        assessment=assessment,
        subject=assessment,
        data={
            "period": f"{period_start.isoformat()} — {period_end.isoformat()}",
            "experts": count,
            "scale_max": scale,
            "weights": weights,
            "thresholds": thresholds,
        },
    )
    return assessment


@transaction.atomic
def assessment_recompute(
    *, actor: User, assessment: Assessment, now: dt.datetime | None = None
) -> Assessment:
    """Compute a waiting assessment again from what is on record now (same frozen parameters)."""
    STAFF.require(actor)
    assessment = _locked(assessment)
    _require_draft(assessment, _("重新计算"))
    now = now or timezone.now()
    count = _compute(assessment)
    assessment.computed_at = now
    assessment.save(update_fields=["computed_at"])
    log_action(
        "evaluations.assessment.recomputed", actor=actor, obj=assessment, data={"experts": count}
    )
    return assessment


@transaction.atomic
def result_grade(
    *,
    actor: User,
    result: AssessmentResult,
    grade: str,
    remarks: str = "",
    now: dt.datetime | None = None,
) -> AssessmentResult:
    """Give (or change, or clear) an expert's grade and remarks while the assessment waits.
    A grade other than the thresholds' needs remarks saying why."""
    STAFF.require(actor)
    assessment = _locked(result.assessment)
    _require_draft(assessment, _("评定等次"))
    result = AssessmentResult.objects.select_for_update().select_related("expert").get(pk=result.pk)
    remarks = remarks.strip()
    if grade and grade not in Grade.values:
        raise AssessmentError(_("请选择考核等次。"), field="grade")
    if not grade and result.evaluations:
        raise AssessmentError(
            _("%(e)s 在考核期内有评价记录，须评定等次。") % {"e": result.expert}, field="grade"
        )
    if grade and result.suggested_grade and grade != result.suggested_grade and not remarks:
        raise AssessmentError(
            _("所定等次（%(g)s）与分数线对应的等次（%(s)s）不同，请写明考核意见。")
            % {"g": Grade(grade).label, "s": Grade(result.suggested_grade).label},
            field="remarks",
        )
    if len(remarks) > MAX_TEXT:
        raise AssessmentError(_("考核意见不能超过 %(n)d 个字。") % {"n": MAX_TEXT}, field="remarks")
    changes = diff(
        {"grade": result.grade, "remarks": result.remarks}, {"grade": grade, "remarks": remarks}
    )
    if not changes:
        raise AssessmentError(_("考核等次和意见没有变化。"))
    result.grade = grade
    result.remarks = remarks
    result.graded_by = actor
    result.graded_at = now or timezone.now()
    result.save()
    log_action(
        "evaluations.result.graded",
        actor=actor,
        obj=result.expert,
        changes=changes,
        data={"assessment": assessment.title},
    )
    return result


@transaction.atomic
def assessment_grades_accept(
    *, actor: User, assessment: Assessment, now: dt.datetime | None = None
) -> int:
    """Give every expert not yet graded the grade the thresholds suggest. Return how many."""
    STAFF.require(actor)
    assessment = _locked(assessment)
    _require_draft(assessment, _("评定等次"))
    now = now or timezone.now()
    rows = list(assessment.results.filter(grade="").exclude(suggested_grade="").select_for_update())
    if not rows:
        raise AssessmentError(_("没有待按分数线评定等次的专家。"))
    for row in rows:
        row.grade = row.suggested_grade
        row.graded_by = actor
        row.graded_at = now
    AssessmentResult.objects.bulk_update(rows, ["grade", "graded_by", "graded_at"], batch_size=500)
    log_action(
        "evaluations.assessment.grades_accepted",
        actor=actor,
        obj=assessment,
        data={"experts": len(rows), "grades": dict(Counter(r.grade for r in rows))},
    )
    return len(rows)


@transaction.atomic
def assessment_confirm(
    *, actor: User, assessment: Assessment, now: dt.datetime | None = None
) -> Assessment:
    """Confirm the results: from now on they are frozen; the experts see theirs."""
    STAFF.require(actor)
    assessment = _locked(assessment)
    _require_draft(assessment, _("确认"))
    missing = assessment.results.filter(grade="", evaluations__gt=0).count()
    if missing:
        raise AssessmentError(
            _("尚有 %(n)d 位有评价记录的专家未评定等次，请评定后再确认。") % {"n": missing}
        )
    now = now or timezone.now()
    assessment.status = AssessmentStatus.CONFIRMED
    assessment.confirmed_by = actor
    assessment.confirmed_at = now
    assessment.save()
    grades = Counter(assessment.results.exclude(grade="").values_list("grade", flat=True))
    transition_record(
        AssessmentChange,
        action="evaluations.assessment.confirmed",
        actor=actor,
        from_value=AssessmentStatus.DRAFT,
        to_value=AssessmentStatus.CONFIRMED,
        at=now,
        assessment=assessment,
        subject=assessment,
        data={"experts": assessment.results.count(), "grades": dict(grades)},
    )
    return assessment


@transaction.atomic
def assessment_withdraw(
    *, actor: User, assessment: Assessment, reason: str, now: dt.datetime | None = None
) -> Assessment:
    """Withdraw a waiting assessment (a wrong period, say), with the reason."""
    STAFF.require(actor)
    assessment = _locked(assessment)
    _require_draft(assessment, _("撤销"))
    reason = reason.strip()
    if not reason:
        raise AssessmentError(_("请填写撤销原因。"), field="reason")
    assessment.status = AssessmentStatus.WITHDRAWN
    assessment.withdrawn_reason = reason
    assessment.save()
    transition_record(
        AssessmentChange,
        action="evaluations.assessment.withdrawn",
        actor=actor,
        from_value=AssessmentStatus.DRAFT,
        to_value=AssessmentStatus.WITHDRAWN,
        reason=reason,
        at=now,
        assessment=assessment,
        subject=assessment,
    )
    return assessment


@transaction.atomic
def result_respond(
    *, actor: User, result: AssessmentResult, text: str, now: dt.datetime | None = None
) -> AssessmentResponse:
    """The expert answers their confirmed result in writing (kept with the result)."""
    EXPERT.require(actor)
    result = AssessmentResult.objects.select_related("assessment", "expert").get(pk=result.pk)
    if result.expert.user_id != actor.pk:
        raise AssessmentError(_("只能对本人的考核结果作出回应。"))
    if result.assessment.status != AssessmentStatus.CONFIRMED:
        raise AssessmentError(_("考核结果确认后才能作出回应。"))
    text = text.strip()
    if not text:
        raise AssessmentError(_("请填写回应内容。"), field="text")
    if len(text) > MAX_TEXT:
        raise AssessmentError(_("回应不能超过 %(n)d 个字。") % {"n": MAX_TEXT}, field="text")
    response = AssessmentResponse.objects.create(
        result=result, text=text, submitted_by=actor, submitted_at=now or timezone.now()
    )
    log_action(
        "evaluations.result.responded",
        actor=actor,
        obj=result.expert,
        data={"assessment": result.assessment.title, "text": text},
    )
    return response


# The exit grounds an assessment 不合格 may lead to (art. 8(3) or 8(8)); staff decide.
EXIT_GROUNDS = {"ground_3": Ground.IRRESPONSIBLE, "ground_8": Ground.OTHER}


@transaction.atomic
def exit_review_record(
    *,
    actor: User,
    result: AssessmentResult,
    decision: str,
    note: str,
    now: dt.datetime | None = None,
) -> AssessmentResult:
    """Decide about an expert assessed 不合格: raise an exit case on art. 8(3) or 8(8) (through
    the exits app, with the assessment in its facts), or no exit — with the reason either way."""
    STAFF.require(actor)
    result = (
        AssessmentResult.objects.select_for_update()
        .select_related("assessment", "expert")
        .get(pk=result.pk)
    )
    assessment = result.assessment
    if assessment.status != AssessmentStatus.CONFIRMED or result.grade != Grade.FAIL:
        raise AssessmentError(_("只有已确认考核中“不合格”的专家需要研究是否启动出库。"))
    if result.exit_review:
        raise AssessmentError(
            _("已于 %(d)s 作出决定：%(r)s。")
            % {
                "d": timezone.localtime(result.exit_review_at).strftime("%Y-%m-%d")
                if result.exit_review_at
                else "",
                "r": result.get_exit_review_display(),
            }
        )
    if decision not in (*EXIT_GROUNDS, ExitReview.NO_EXIT):
        raise AssessmentError(_("请选择研究结论。"), field="decision")
    note = note.strip()
    if not note:
        raise AssessmentError(_("请写明研究意见。"), field="note")
    now = now or timezone.now()
    case = None
    if decision in EXIT_GROUNDS:
        facts = _(
            "%(a)s（考核期 %(s)s 至 %(e)s）考核等次为不合格（总评 %(o)s，折合百分制 %(p)s）。"
            "考核意见：%(r)s。研究意见：%(n)s"
        ) % {
            "a": assessment.title,
            "s": assessment.period_start.isoformat(),
            "e": assessment.period_end.isoformat(),
            "o": result.overall if result.overall is not None else "—",
            "p": result.percent if result.percent is not None else "—",
            "r": result.remarks or "—",
            "n": note,
        }
        try:
            case = exit_case_raise(
                actor=actor,
                expert=result.expert,
                ground=EXIT_GROUNDS[decision],
                facts=facts,
                now=now,
            )
        except DomainError as exc:
            raise AssessmentError(str(exc)) from None
    result.exit_review = ExitReview.CASE if case is not None else ExitReview.NO_EXIT
    result.exit_case = case
    result.exit_review_note = note[:MAX_TEXT]
    result.exit_review_by = actor
    result.exit_review_at = now
    result.save()
    log_action(
        "evaluations.result.exit_reviewed",
        actor=actor,
        obj=result.expert,
        data={
            "assessment": assessment.title,
            "decision": result.exit_review,
            "note": note,
            **({"exit_case": str(case)} if case is not None else {}),
        },
    )
    return result

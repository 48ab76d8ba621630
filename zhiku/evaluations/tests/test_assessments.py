"""The periodic assessment, with hand-computed figures: weighted means per dimension and overall,
a score on another scale placed on the assessment's, attendance and training counted in the
period only, an expert with no service, and results frozen once confirmed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from zhiku.activities.choices import AttendanceStatus
from zhiku.core.models import AuditEntry, ParameterChange
from zhiku.evaluations import services
from zhiku.evaluations.choices import AssessmentStatus, Grade
from zhiku.evaluations.errors import AssessmentError, EvaluationError
from zhiku.evaluations.models import AssessmentChange, AssessmentResult, Evaluation
from zhiku.evaluations.tests.factories import (
    closed_activity,
    expert_with_account,
    held_training,
    score,
)
from zhiku.experts.choices import Status
from zhiku.experts.models import StatusChange
from zhiku.experts.tests.factories import make_expert

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 1, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Guangzhou
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


def set_parameter(key: str, value: int, on: dt.date = dt.date(2024, 1, 1)) -> None:
    ParameterChange.objects.create(
        key=key, from_value=None, to_value=value, effective_on=on, at=NOW, reason="测试"
    )


@pytest.fixture
def weights() -> None:
    """Weights 40 / 30 / 20 / 10 (attitude, professional, knowledge, expression)."""
    for key, value in (
        ("attitude", 40),
        ("professional", 30),
        ("knowledge", 20),
        ("expression", 10),
    ):
        set_parameter(f"evaluation_weight_{key}", value)


@pytest.fixture
def pool(make_user: Any, catalogues: None, weights: None, time_machine: Any) -> dict[str, Any]:
    time_machine.move_to(NOW, tick=False)
    staff = make_user("staff", username="staff", full_name="王考核")
    a = make_expert(name="甲专家", pool_number="GDQ-2024-0001")
    b = make_expert(name="乙专家", pool_number="GDQ-2024-0002")
    c = make_expert(name="丙专家", pool_number="GDQ-2024-0003")  # in the pool, no service
    f = make_expert(name="丁专家", pool_number="GDQ-2024-0004")
    later = make_expert(name="戊专家", pool_number="GDQ-2026-0001")  # admitted after the period
    StatusChange.objects.create(
        expert=later,
        from_value="applicant",
        to_value=Status.ACTIVE,
        effective_on=dt.date(2026, 1, 5),
        at=NOW,
    )
    make_expert(name="己专家", pool_number="GDQ-2024-0005", status=Status.EXITED)

    # Expert A: two services scored in 2025, one absence without leave; others outside.
    first = closed_activity(staff, dt.date(2025, 3, 10), [a, b])
    second = closed_activity(staff, dt.date(2025, 9, 1), [a])
    closed_activity(
        staff, dt.date(2025, 6, 1), {a: AttendanceStatus.UNEXCUSED, b: AttendanceStatus.EXCUSED}
    )
    before = closed_activity(staff, dt.date(2024, 12, 31), [a])
    after = closed_activity(staff, dt.date(2026, 1, 2), [a])
    scored = dt.datetime(2025, 12, 1, 2, 0, tzinfo=dt.UTC)
    score(staff, first, a, (5, 4, 3, 4), now=scored)
    score(staff, second, a, (4, 4, 4, 2), now=scored)
    score(staff, before, a, (1, 1, 1, 1), now=scored)
    score(staff, after, a, (1, 1, 1, 1))
    # Expert B: one service scored on a ten-point scale (the parameter was 10 that day).
    Evaluation.objects.create(
        activity=first,
        expert=b,
        attitude=10,
        professional=7,
        knowledge=4,
        expression=1,
        scale_max=10,
        scored_by=staff,
        scored_at=NOW,
    )
    # Expert F: one service, poorly.
    poor = closed_activity(staff, dt.date(2025, 11, 20), [f])
    score(staff, poor, f, (2, 2, 2, 2))
    # Training: A attended one of two sessions; a cancelled one and one of 2026 do not count.
    held_training(staff, dt.date(2025, 4, 2), attended=[a])
    held_training(staff, dt.date(2025, 10, 9), attended=[], absent=[a])
    cancelled = held_training(staff, dt.date(2025, 5, 5), attended=[a])
    cancelled.status = "cancelled"
    cancelled.save()
    held_training(staff, dt.date(2026, 1, 10), attended=[a])
    return {"staff": staff, "a": a, "b": b, "c": c, "f": f, "later": later, "first": first}


def run(staff: Any) -> Any:
    return services.assessment_run(
        actor=staff, title="2025 年度专家考核", period_start=START, period_end=END
    )


def result(assessment: Any, expert: Any) -> AssessmentResult:
    return AssessmentResult.objects.get(assessment=assessment, expert=expert)


def test_weighted_means_attendance_and_training_are_computed_by_hand(pool: dict[str, Any]) -> None:
    assessment = run(pool["staff"])

    a = result(assessment, pool["a"])
    # Means of (5, 4) (4, 4) (3, 4) (4, 2): 4.5, 4, 3.5, 3.
    assert (a.mean_attitude, a.mean_professional, a.mean_knowledge, a.mean_expression) == (
        Decimal("4.50"),
        Decimal("4.00"),
        Decimal("3.50"),
        Decimal("3.00"),
    )
    # (40 × 4.5 + 30 × 4 + 20 × 3.5 + 10 × 3) / 100 = 4.0, i.e. 80 of 100: 合格.
    assert a.overall == Decimal("4.00") and a.percent == Decimal("80.0")
    assert a.suggested_grade == Grade.PASS and a.grade == ""
    assert a.evaluations == 2
    # Attended 2 of 3 recorded (one without leave); the 2024 and 2026 activities do not count.
    assert (a.services, a.excused, a.unexcused, a.attendance_rate) == (2, 0, 1, Decimal("66.7"))
    # Two sessions in 2025, one attended; the cancelled one and the 2026 one do not count.
    assert (a.trainings_invited, a.trainings_attended) == (2, 1)


def test_a_score_on_another_scale_is_placed_on_the_assessments(pool: dict[str, Any]) -> None:
    b = result(run(pool["staff"]), pool["b"])

    # 10 → 5; 7 → 1 + 6 × 4/9 = 11/3; 4 → 1 + 3 × 4/9 = 7/3; 1 → 1.
    assert (b.mean_attitude, b.mean_professional, b.mean_knowledge, b.mean_expression) == (
        Decimal("5.00"),
        Decimal("3.67"),
        Decimal("2.33"),
        Decimal("1.00"),
    )
    # (40 × 5 + 30 × 11/3 + 20 × 7/3 + 10 × 1) / 100 = 11/3 = 3.67; 73.3 of 100: 合格.
    assert b.overall == Decimal("3.67") and b.percent == Decimal("73.3")
    assert b.suggested_grade == Grade.PASS
    assert (b.services, b.excused, b.attendance_rate) == (1, 1, Decimal("50.0"))


def test_an_expert_with_no_service_is_assessed_without_figures(pool: dict[str, Any]) -> None:
    assessment = run(pool["staff"])

    c = result(assessment, pool["c"])
    assert c.evaluations == 0 and c.services == 0
    assert c.overall is None and c.percent is None and c.attendance_rate is None
    assert c.mean_attitude is None and c.suggested_grade == ""
    assert (c.trainings_invited, c.trainings_attended) == (0, 0)
    # Admitted after the period, or exited with nothing in it: not assessed.
    assessed = set(assessment.results.values_list("expert__name", flat=True))
    assert assessed == {"甲专家", "乙专家", "丙专家", "丁专家"}


def test_below_the_basic_threshold_is_unsatisfactory(pool: dict[str, Any]) -> None:
    f = result(run(pool["staff"]), pool["f"])

    assert f.overall == Decimal("2.00") and f.percent == Decimal("40.0")
    assert f.suggested_grade == Grade.FAIL


def test_running_freezes_the_parameters_and_writes_its_transition(pool: dict[str, Any]) -> None:
    assessment = run(pool["staff"])

    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.scale_max == 5
    assert assessment.weights == {
        "attitude": 40,
        "professional": 30,
        "knowledge": 20,
        "expression": 10,
    }
    assert assessment.thresholds == {"excellent": 90, "pass": 70, "basic": 60}
    change = AssessmentChange.objects.get(assessment=assessment)
    assert (change.from_value, change.to_value) == ("", AssessmentStatus.DRAFT)
    entry = AuditEntry.objects.get(action="evaluations.assessment.run")
    assert entry.data["experts"] == 4


def test_a_later_change_of_the_parameters_alters_no_result(pool: dict[str, Any]) -> None:
    assessment = run(pool["staff"])
    set_parameter("evaluation_weight_attitude", 100, on=dt.date(2026, 1, 15))
    set_parameter("assessment_pass_percent", 85, on=dt.date(2026, 1, 15))

    services.assessment_recompute(actor=pool["staff"], assessment=assessment)

    a = result(assessment, pool["a"])
    assert a.overall == Decimal("4.00") and a.suggested_grade == Grade.PASS


def test_grades_need_remarks_when_they_differ_and_confirmation_needs_every_grade(
    pool: dict[str, Any],
) -> None:
    staff = pool["staff"]
    assessment = run(staff)
    a = result(assessment, pool["a"])

    with pytest.raises(AssessmentError, match="请写明考核意见"):
        services.result_grade(actor=staff, result=a, grade=Grade.EXCELLENT)
    with pytest.raises(AssessmentError, match="尚有 3 位"):
        services.assessment_confirm(actor=staff, assessment=assessment)

    services.result_grade(
        actor=staff, result=a, grade=Grade.EXCELLENT, remarks="主持完成两项评估，贡献突出。"
    )
    assert services.assessment_grades_accept(actor=staff, assessment=assessment) == 2
    services.assessment_confirm(actor=staff, assessment=assessment)

    grades = dict(assessment.results.values_list("expert__name", "grade"))
    assert grades == {
        "甲专家": Grade.EXCELLENT,
        "乙专家": Grade.PASS,
        "丙专家": "",  # no evaluation: staff may leave them without a grade
        "丁专家": Grade.FAIL,
    }
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.CONFIRMED


def test_a_confirmed_assessment_is_frozen(pool: dict[str, Any]) -> None:
    staff = pool["staff"]
    assessment = run(staff)
    services.assessment_grades_accept(actor=staff, assessment=assessment)
    services.assessment_confirm(actor=staff, assessment=assessment)
    a = result(assessment, pool["a"])

    with pytest.raises(EvaluationError, match="已确认"):
        score(staff, pool["first"], pool["a"], (1, 1, 1, 1))
    with pytest.raises(AssessmentError, match="已确认"):
        services.result_grade(actor=staff, result=a, grade=Grade.FAIL, remarks="改")
    with pytest.raises(AssessmentError, match="已确认"):
        services.assessment_recompute(actor=staff, assessment=assessment)
    # An evaluation outside the period is still open to correction.
    later = pool["a"].evaluations.get(activity__start_date=dt.date(2026, 1, 2))
    score(staff, later.activity, pool["a"], (2, 2, 2, 2))
    a.refresh_from_db()
    assert a.overall == Decimal("4.00") and a.grade == Grade.PASS


def test_the_same_period_twice_and_a_period_to_come_are_refused(pool: dict[str, Any]) -> None:
    staff = pool["staff"]
    run(staff)

    with pytest.raises(AssessmentError, match="同一考核期已有考核"):
        run(staff)
    with pytest.raises(AssessmentError, match="尚未开始"):
        services.assessment_run(
            actor=staff,
            title="2027 年度",
            period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 12, 31),
        )
    with pytest.raises(AssessmentError, match="不能早于"):
        services.assessment_run(actor=staff, title="倒置", period_start=END, period_end=START)


def test_thresholds_out_of_order_are_refused_with_what_to_do(pool: dict[str, Any]) -> None:
    set_parameter("assessment_basic_percent", 95, on=dt.date(2026, 1, 15))

    with pytest.raises(AssessmentError, match="政策参数"):
        run(pool["staff"])


def test_a_withdrawn_assessment_frees_its_period(pool: dict[str, Any]) -> None:
    staff = pool["staff"]
    assessment = run(staff)

    with pytest.raises(AssessmentError, match="撤销原因"):
        services.assessment_withdraw(actor=staff, assessment=assessment, reason=" ")
    services.assessment_withdraw(actor=staff, assessment=assessment, reason="考核期填错")

    assert run(staff).status == AssessmentStatus.DRAFT


def test_the_expert_responds_to_their_confirmed_result_only(pool: dict[str, Any]) -> None:
    staff = pool["staff"]
    own = expert_with_account("jia", name="庚专家")
    other = expert_with_account("yi", name="辛专家")
    assessment = run(staff)
    mine = result(assessment, own)
    own_user, other_user = own.user, other.user
    assert own_user is not None and other_user is not None

    with pytest.raises(AssessmentError, match="确认后"):
        services.result_respond(actor=own_user, result=mine, text="我有不同意见。")
    services.assessment_grades_accept(actor=staff, assessment=assessment)
    services.assessment_confirm(actor=staff, assessment=assessment)
    with pytest.raises(AssessmentError, match="本人"):
        services.result_respond(actor=other_user, result=mine, text="替他回应。")

    services.result_respond(actor=own_user, result=mine, text="本年度因工作调动参加较少。")

    assert [r.text for r in mine.responses.all()] == ["本年度因工作调动参加较少。"]
    entry = AuditEntry.objects.get(action="evaluations.result.responded")
    assert entry.object_id == str(own.pk)


def test_an_unsatisfactory_expert_waits_for_an_exit_review(pool: dict[str, Any]) -> None:
    from zhiku.evaluations.selectors.assessments import exit_reviews_pending

    staff = pool["staff"]
    assessment = run(staff)
    services.assessment_grades_accept(actor=staff, assessment=assessment)
    services.assessment_confirm(actor=staff, assessment=assessment)
    f = result(assessment, pool["f"])
    assert list(exit_reviews_pending()) == [f]

    with pytest.raises(AssessmentError, match="研究意见"):
        services.exit_review_record(actor=staff, result=f, decision="no_exit", note="")
    services.exit_review_record(
        actor=staff, result=f, decision="ground_3", note="两次评估意见敷衍，经研究立案。"
    )

    f.refresh_from_db()
    assert f.exit_review == "case" and f.exit_case is not None
    assert f.exit_case.ground == "irresponsible" and "2025 年度专家考核" in f.exit_case.facts
    assert list(exit_reviews_pending()) == []
    with pytest.raises(AssessmentError, match="已于"):
        services.exit_review_record(actor=staff, result=f, decision="no_exit", note="再议")


def test_an_exit_case_raised_elsewhere_counts_as_the_review(pool: dict[str, Any]) -> None:
    from zhiku.evaluations.selectors.assessments import exit_reviews_pending
    from zhiku.exits.services import exit_case_raise

    staff = pool["staff"]
    assessment = run(staff)
    services.assessment_grades_accept(actor=staff, assessment=assessment)
    services.assessment_confirm(actor=staff, assessment=assessment)

    exit_case_raise(
        actor=staff, expert=pool["f"], ground="other", facts="考核不合格。", now=timezone.now()
    )

    assert list(exit_reviews_pending()) == []


def test_the_default_period_is_the_year_just_ended_or_the_year_under_way() -> None:
    assert services.default_period(dt.date(2027, 1, 8)) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )
    assert services.default_period(dt.date(2026, 6, 30)) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )
    assert services.default_period(dt.date(2026, 7, 1)) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )

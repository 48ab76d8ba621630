"""Evaluation of each service (art. 11): the activity's staff score every expert who attended, on
the anchored scale in force, with a comment and the expert's opinion under their name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.activities.choices import AttendanceStatus
from zhiku.activities.models import Attendance
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry, ParameterChange
from zhiku.evaluations import rules
from zhiku.evaluations.errors import EvaluationError
from zhiku.evaluations.models import Evaluation
from zhiku.evaluations.tests.factories import closed_activity, score, served_activity
from zhiku.experts.tests.factories import make_expert

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def setting(make_user: Any, catalogues: None, time_machine: Any) -> dict[str, Any]:
    time_machine.move_to(NOW, tick=False)
    staff = make_user("staff", username="owner", full_name="李负责")
    a, b = make_expert(name="甲专家"), make_expert(name="乙专家")
    absent = make_expert(name="丙专家")
    activity = closed_activity(
        staff,
        dt.date(2026, 6, 15),
        {
            a: AttendanceStatus.ATTENDED,
            b: AttendanceStatus.ATTENDED,
            absent: AttendanceStatus.UNEXCUSED,
        },
        title="锂电池企业质量管理体系评估",
    )
    return {"staff": staff, "a": a, "b": b, "absent": absent, "activity": activity}


def test_the_anchors_give_a_sentence_for_every_level_of_every_scale() -> None:
    assert rules.anchor("attitude", 5, 5).startswith("高度负责")
    assert rules.anchor("expression", 1, 5).startswith("表达不清")
    # On ten levels each level reads the nearest of the five anchors; ends stay the ends.
    assert [rules.anchor_position(level, 10) for level in range(1, 11)] == [
        1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]  # fmt: skip
    assert [rules.anchor_position(level, 3) for level in (1, 2, 3)] == [1, 3, 5]
    assert len(rules.scale_levels("knowledge", 7)) == 7


def test_scores_are_kept_with_their_scale_and_audited(setting: dict[str, Any]) -> None:
    s = setting
    evaluation = score(s["staff"], s["activity"], s["a"], (5, 4, 4, 3), comment="准备充分。")

    assert evaluation.scores() == {
        "attitude": 5,
        "professional": 4,
        "knowledge": 4,
        "expression": 3,
    }
    assert evaluation.scale_max == 5 and evaluation.comment == "准备充分。"
    entry = AuditEntry.objects.get(action="evaluations.evaluation.recorded")
    assert entry.changes["attitude"] == [None, 5] and entry.data["expert"] == str(s["a"])

    score(s["staff"], s["activity"], s["a"], (5, 4, 4, 4), comment="准备充分。")
    corrected = AuditEntry.objects.get(action="evaluations.evaluation.corrected")
    assert corrected.changes == {"expression": [3, 4]}
    with pytest.raises(EvaluationError, match="没有变化"):
        score(s["staff"], s["activity"], s["a"], (5, 4, 4, 4), comment="准备充分。")


def test_a_correction_keeps_the_scale_first_scored_on(setting: dict[str, Any]) -> None:
    s = setting
    score(s["staff"], s["activity"], s["a"], (5, 4, 4, 3))
    ParameterChange.objects.create(
        key="evaluation_scale_max", to_value=10, effective_on=dt.date(2026, 6, 20), at=NOW
    )

    with pytest.raises(EvaluationError, match="1 至 5"):
        score(s["staff"], s["activity"], s["a"], (9, 4, 4, 3))
    assert score(s["staff"], s["activity"], s["b"], (9, 4, 4, 3)).scale_max == 10


def test_only_experts_who_attended_a_closed_activity_are_scored(setting: dict[str, Any]) -> None:
    s = setting
    with pytest.raises(EvaluationError, match="无故缺席"):
        score(s["staff"], s["activity"], s["absent"], (3, 3, 3, 3))
    with pytest.raises(EvaluationError, match="尚未登记"):
        score(s["staff"], s["activity"], make_expert(name="外人"), (3, 3, 3, 3))
    s["activity"].status = "open"
    s["activity"].save()
    with pytest.raises(EvaluationError, match="活动结束后"):
        score(s["staff"], s["activity"], s["a"], (3, 3, 3, 3))


def test_bad_scores_are_refused_naming_the_dimension(setting: dict[str, Any]) -> None:
    s = setting
    for scores, message in (
        ((6, 3, 3, 3), "“工作态度”的分数须为 1 至 5 之间的整数"),
        ((3, 0, 3, 3), "“专业水平”的分数须为 1 至 5"),
        ((3, 3, "", 3), "请为“知识面”打分"),
        ((3, 3, 3, "4.5"), "“表达能力”的分数须为"),
    ):
        with pytest.raises(EvaluationError, match=message):
            score(s["staff"], s["activity"], s["a"], scores)  # type: ignore[arg-type]
    assert not Evaluation.objects.exists()


def test_only_the_activitys_staff_or_a_draw_runner_scores(
    setting: dict[str, Any], make_user: Any
) -> None:
    s = setting
    other = make_user("staff", username="other")
    with pytest.raises(AccessDenied):
        score(other, s["activity"], s["a"], (3, 3, 3, 3))
    runner = make_user("staff", username="runner", rights=("run_draws",))
    assert score(runner, s["activity"], s["a"], (3, 3, 3, 3)).scored_by == runner


def test_the_opinion_is_written_to_the_attendance_record(
    setting: dict[str, Any], make_user: Any
) -> None:
    s = setting
    approver = make_user("staff", username="approver", rights=("approve_designations",))
    activity = served_activity(
        s["staff"],
        approver,
        [s["a"]],
        start=dt.date(2026, 6, 18),
        invited_at=dt.datetime(2026, 6, 8, 2, 0, tzinfo=dt.UTC),
    )
    before = AuditEntry.objects.filter(action="activities.attendance.recorded").count()

    score(s["staff"], activity, s["a"], (4, 4, 4, 4), opinion="建议加强供应链追溯。")

    attendance = Attendance.objects.get(activity=activity, expert=s["a"])
    assert attendance.opinion == "建议加强供应链追溯。"
    assert attendance.status == AttendanceStatus.ATTENDED
    after = AuditEntry.objects.filter(action="activities.attendance.recorded").count()
    assert after == before + 1


def test_the_scoring_page_shows_the_anchors_and_saves_one_expert(setting: dict[str, Any]) -> None:
    s = setting
    client = Client()
    client.force_login(s["staff"])
    url = reverse("evaluations:evaluation_activity", kwargs={"pk": s["activity"].pk})

    page = client.get(url).content.decode()
    assert "5 — 高度负责、严谨细致" in page
    assert "甲专家" in page and "乙专家" in page and "丙专家" not in page

    bad = client.post(
        url,
        {
            "expert": s["a"].pk,
            "attitude": "9",
            "professional": "4",
            "knowledge": "4",
            "expression": "4",
        },
    )
    assert (
        bad.status_code == 400 and "“工作态度”的分数须为 1 至 5 之间的整数" in bad.content.decode()
    )
    assert not Evaluation.objects.exists()

    ok = client.post(
        url,
        {
            "expert": s["a"].pk,
            "attitude": "5",
            "professional": "4",
            "knowledge": "4",
            "expression": "3",
            "comment": "思路清晰",
            "opinion": "",
        },
    )
    assert ok.status_code == 302
    assert Evaluation.objects.get(expert=s["a"]).scores()["expression"] == 3

    listing = client.get(reverse("evaluations:evaluation_list")).content.decode()
    assert "锂电池企业质量管理体系评估" in listing and "待评价" in listing


def test_another_member_of_staff_is_refused_the_scoring(
    setting: dict[str, Any], make_user: Any
) -> None:
    s = setting
    client = Client()
    client.force_login(make_user("staff", username="stranger"))
    url = reverse("evaluations:evaluation_activity", kwargs={"pk": s["activity"].pk})

    response = client.post(
        url,
        {
            "expert": s["a"].pk,
            "attitude": "5",
            "professional": "4",
            "knowledge": "4",
            "expression": "3",
        },
    )

    assert response.status_code == 403
    assert not Evaluation.objects.exists()

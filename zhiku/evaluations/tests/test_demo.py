"""The demo: a year of scored activities, training sessions held and to come, and a confirmed
yearly assessment whose 不合格 expert waits for the exit review on the dashboard."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import User
from zhiku.activities.choices import AttendanceStatus
from zhiku.activities.models import Activity, Attendance
from zhiku.evaluations.choices import AssessmentStatus, Grade, TrainingStatus
from zhiku.evaluations.demo import ASSESSMENT_TITLE
from zhiku.evaluations.models import Assessment, Evaluation, TrainingSession

pytestmark = pytest.mark.django_db


def test_the_demo_scores_a_year_of_activities_trains_and_assesses(catalogues: None) -> None:
    call_command("demo_seed", stdout=io.StringIO())
    call_command("demo_seed", stdout=io.StringIO())  # twice: nothing is added again

    scored = Activity.objects.filter(evaluations__isnull=False, start_date__year=2026).distinct()
    months = {a.start_date.month for a in scored}
    assert scored.count() >= 7 and len(months) >= 6
    # Every attendance of the year is scored, once.
    attended = Attendance.objects.filter(
        status=AttendanceStatus.ATTENDED, activity__start_date__year=2026
    ).count()
    assert Evaluation.objects.filter(activity__start_date__year=2026).count() == attended

    sessions = TrainingSession.objects.order_by("date")
    assert [s.status for s in sessions] == [
        TrainingStatus.HELD,
        TrainingStatus.HELD,
        TrainingStatus.SCHEDULED,
    ]
    assert all(s.materials.exists() for s in sessions)

    assessment = Assessment.objects.get(title=ASSESSMENT_TITLE)
    assert assessment.status == AssessmentStatus.CONFIRMED
    grades = set(assessment.results.exclude(grade="").values_list("grade", flat=True))
    assert {Grade.EXCELLENT, Grade.PASS, Grade.FAIL} <= grades

    zheng = User.objects.get(username="expert")
    client = Client()
    client.force_login(zheng)
    mine = client.get(reverse("me:evaluation_list")).content.decode()
    assert ASSESSMENT_TITLE in mine and "2026 年广东省质量发展形势座谈研讨会" in mine
    training = client.get(reverse("me:training_list")).content.decode()
    assert "质量管理体系审核指南" in training and "质量强省建设政策解读" in training

    client.force_login(User.objects.get(username="staff"))
    dashboard = client.get(reverse("core:dashboard")).content.decode()
    assert "考核不合格，待研究是否启动出库" in dashboard

"""The cases the system raises by itself (`manage.py run_deadlines`): over age on the day it runs,
with art. 6(5)'s exceptions; absent without leave after accepting, as often as the threshold
says. Never twice for the same expert and ground; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command

from zhiku.accounts.tests.factories import make_account
from zhiku.activities.choices import AttendanceStatus
from zhiku.core.models import AuditEntry
from zhiku.core.services import parameter_change_schedule
from zhiku.exits import services
from zhiku.exits.choices import CaseStatus, Ground, Source
from zhiku.exits.models import ExitCase, ExitCaseChange
from zhiku.exits.tests.factories import absence
from zhiku.experts.choices import SpecialCategory, Status
from zhiku.experts.models import StatusChange
from zhiku.experts.tests.factories import make_expert

TODAY = dt.date(2026, 6, 10)
NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, catalogues: None) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


def run() -> str:
    out = io.StringIO()
    call_command("run_deadlines", "--no-digest", stdout=out)
    return out.getvalue()


def test_one_case_for_an_expert_who_turned_66_yesterday_none_for_an_academician_of_68() -> None:
    ordinary = make_expert(name="超龄专家", birth_date=dt.date(1960, 6, 9))
    academician = make_expert(
        name="院士专家",
        birth_date=dt.date(1958, 3, 2),  # 68
        special_categories=[SpecialCategory.ACADEMICIAN],
        statutory_retirement_age=70,
    )
    make_expert(name="今天才满六十五", birth_date=dt.date(1961, 6, 10))

    printed = run()

    case = ExitCase.objects.get()
    assert (case.expert, case.ground, case.source, case.status) == (
        ordinary,
        Ground.OVER_AGE,
        Source.SYSTEM,
        CaseStatus.RAISED,
    )
    assert case.raised_by is None
    assert case.basis == {
        "checked_on": "2026-06-10",
        "age": 66,
        "limit": 65,
        "since": "2026-06-09",
    }
    assert "66 周岁，超过一般上限 65 周岁" in case.facts
    assert "超龄出库立案：超龄专家" in printed
    assert not ExitCase.objects.filter(expert=academician).exists()
    # Over age is not misconduct: the expert stays in the pool while the case is verified.
    ordinary.refresh_from_db()
    assert ordinary.status == Status.ACTIVE
    row = ExitCaseChange.objects.get(case=case)
    assert (row.from_value, row.to_value, row.actor) == ("", CaseStatus.RAISED, None)


def test_a_second_run_changes_nothing() -> None:
    make_expert(name="超龄专家", birth_date=dt.date(1960, 6, 9))
    run()
    cases, changes, entries = (
        ExitCase.objects.count(),
        ExitCaseChange.objects.count(),
        AuditEntry.objects.count(),
    )

    printed = run()

    assert (ExitCase.objects.count(), ExitCaseChange.objects.count()) == (cases, changes) == (1, 1)
    assert AuditEntry.objects.count() == entries
    assert "超龄" not in printed


def test_over_age_is_never_raised_twice_even_after_staff_dropped_the_case() -> None:
    expert = make_expert(name="超龄专家", birth_date=dt.date(1960, 6, 9))
    run()
    staff = make_account("staff", username="clerk")
    services.exit_case_drop(
        actor=staff, case=ExitCase.objects.get(), reason="理事会决定其继续任职至年底。"
    )

    run()

    assert ExitCase.objects.filter(expert=expert).count() == 1


def test_the_exceptions_and_a_reviewers_override_raise_nothing() -> None:
    make_expert(
        name="博导未填退休年龄",
        birth_date=dt.date(1959, 1, 5),  # 67: needs a reviewer, not a case
        special_categories=[SpecialCategory.DOCTORAL_SUPERVISOR],
    )
    make_expert(
        name="记录了例外",
        birth_date=dt.date(1958, 1, 5),
        age_override_reason="理事会特别同意其继续任职。",
    )
    past_retirement = make_expert(
        name="院士过了退休年龄",
        birth_date=dt.date(1955, 1, 5),  # 71
        special_categories=[SpecialCategory.ACADEMICIAN],
        statutory_retirement_age=70,
    )
    make_expert(name="已出库", birth_date=dt.date(1950, 1, 5), status=Status.EXITED)

    run()

    assert list(ExitCase.objects.values_list("expert", flat=True)) == [past_retirement.pk]
    assert "法定退休年龄 70 周岁" in ExitCase.objects.get().facts


def test_the_age_limit_is_the_one_in_force_on_the_day_it_runs() -> None:
    keeper = make_account("staff", username="keeper", rights=("edit_parameters",))
    parameter_change_schedule(
        actor=keeper,
        key="age_limit",
        value=67,
        effective_on=dt.date(2026, 7, 1),
        reason="试行",
        today=TODAY,
    )
    make_expert(name="六十六岁", birth_date=dt.date(1960, 6, 9))

    assert ExitCase.objects.count() == 0
    run()
    assert ExitCase.objects.count() == 1  # on 10 June the limit is still 65


def test_two_unexcused_absences_raise_a_case_and_suspend_the_expert() -> None:
    twice = make_expert(name="两次缺席")
    absence(twice, dt.date(2026, 3, 2))
    absence(twice, dt.date(2026, 5, 11))
    once = make_expert(name="一次缺席一次请假")
    absence(once, dt.date(2026, 3, 2))
    absence(once, dt.date(2026, 5, 11), status=AttendanceStatus.EXCUSED)

    printed = run()

    case = ExitCase.objects.get()
    assert (case.expert, case.ground, case.source) == (twice, Ground.ABSENCES, Source.SYSTEM)
    assert [a["start"] for a in case.basis["absences"]] == ["2026-03-02", "2026-05-11"]
    assert case.basis["threshold"] == 2
    assert "无故缺席 2 次" in case.facts
    twice.refresh_from_db()
    assert twice.status == Status.SUSPENDED
    assert f"出库案件第 {case.pk} 号核实中" in twice.status_hold
    change = StatusChange.objects.get(expert=twice)
    assert (change.from_value, change.to_value, change.actor) == ("active", "suspended", None)
    assert case.suspended_by_case
    assert "无故缺席出库立案：两次缺席" in printed
    once.refresh_from_db()
    assert once.status == Status.ACTIVE

    run()
    assert ExitCase.objects.count() == 1


def test_absences_a_dropped_case_weighed_count_no_more_but_new_ones_do() -> None:
    expert = make_expert(name="缺席专家")
    absence(expert, dt.date(2026, 3, 2))
    absence(expert, dt.date(2026, 4, 8))
    run()
    staff = make_account("staff", username="clerk")
    services.exit_case_drop(
        actor=staff, case=ExitCase.objects.get(), reason="经核实两次均因突发疾病，已补交病假证明。"
    )
    expert.refresh_from_db()
    assert expert.status == Status.ACTIVE

    absence(expert, dt.date(2026, 5, 20))
    run()
    assert ExitCase.objects.count() == 1  # one new absence is not two

    absence(expert, dt.date(2026, 6, 1))
    run()
    latest = ExitCase.objects.order_by("-pk").first()
    assert latest is not None and latest.status == CaseStatus.RAISED
    assert [a["start"] for a in latest.basis["absences"]] == ["2026-05-20", "2026-06-01"]


def test_an_expert_under_an_open_case_gets_no_second_one() -> None:
    expert = make_expert(name="已有案件", birth_date=dt.date(1960, 6, 9))
    absence(expert, dt.date(2026, 3, 2))
    absence(expert, dt.date(2026, 4, 8))

    run()

    assert ExitCase.objects.filter(expert=expert).count() == 1
    assert ExitCase.objects.get().ground == Ground.OVER_AGE


def test_a_raised_threshold_raises_nothing_below_it() -> None:
    keeper = make_account("staff", username="keeper", rights=("edit_parameters",))
    parameter_change_schedule(
        actor=keeper,
        key="absence_exit_threshold",
        value=3,
        effective_on=TODAY,
        reason="试行",
        today=TODAY,
    )
    expert = make_expert(name="两次缺席")
    absence(expert, dt.date(2026, 3, 2))
    absence(expert, dt.date(2026, 4, 8))

    run()

    assert not ExitCase.objects.exists()


def test_the_digest_lists_an_expert_reaching_the_age_limit_within_its_horizon() -> None:
    from zhiku.core.plugins import due_items

    make_expert(name="后天满六十六", birth_date=dt.date(1960, 6, 12))
    make_expert(name="下月满六十六", birth_date=dt.date(1960, 7, 20))
    clerk = make_account("staff", username="clerk")

    items = due_items(clerk, TODAY, dt.date(2026, 6, 15))

    titles = [str(i.title) for i in items if "年龄上限" in str(i.title)]
    assert len(titles) == 1 and titles[0].startswith("专家达到年龄上限：后天满六十六")
    assert not ExitCase.objects.exists()  # nothing is raised before the day

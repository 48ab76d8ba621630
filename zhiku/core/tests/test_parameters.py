"""Parameters: defaults, changes that take effect from their date, and the staff page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.core import services
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry, ParameterChange
from zhiku.core.parameters import ParameterValueError, parameter_snapshot, parameter_value

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 11, 27)


@pytest.fixture
def keeper(make_user: Any) -> Any:
    return make_user("staff", username="parameter-keeper", rights=(Right.EDIT_PARAMETERS,))


def schedule(actor: Any, key: str, value: Any, effective_on: dt.date, **kw: Any) -> ParameterChange:
    return services.parameter_change_schedule(
        actor=actor,
        key=key,
        value=value,
        effective_on=effective_on,
        reason=kw.pop("reason", "理事会决议"),
        today=kw.pop("today", TODAY),
        **kw,
    )


def test_defaults_are_the_regulations_numbers() -> None:
    snap = parameter_snapshot(TODAY)

    assert snap["age_limit"] == 65
    assert snap["min_years_in_field"] == 5
    assert snap["notice_workdays"] == 7
    assert snap["objection_decision_workdays"] == 15
    assert snap["absence_exit_threshold"] == 2
    assert snap["recusal_years"] == 3
    assert snap["age_exception_categories"] == frozenset(
        {"academician", "doctoral_supervisor", "state_council_allowance", "provincial_allowance"}
    )


def test_a_change_takes_effect_from_its_date_and_not_before(keeper: Any) -> None:
    schedule(keeper, "age_limit", 63, D(2027, 1, 1))

    assert parameter_value("age_limit", D(2026, 12, 31)) == 65
    assert parameter_value("age_limit", D(2027, 1, 1)) == 63
    assert parameter_snapshot(D(2026, 12, 31))["age_limit"] == 65
    assert parameter_snapshot(D(2027, 6, 1))["age_limit"] == 63


def test_a_later_change_replaces_an_earlier_one_only_from_its_own_date(keeper: Any) -> None:
    schedule(keeper, "notice_workdays", 10, D(2027, 1, 1))
    schedule(keeper, "notice_workdays", 8, D(2027, 7, 1))

    assert [
        parameter_value("notice_workdays", d)
        for d in (D(2026, 12, 31), D(2027, 3, 1), D(2027, 7, 1))
    ] == [7, 10, 8]


def test_a_second_change_on_the_same_date_wins(keeper: Any) -> None:
    schedule(keeper, "recusal_years", 5, D(2027, 1, 1))
    schedule(keeper, "recusal_years", 4, D(2027, 1, 1), reason="更正笔误")

    assert parameter_value("recusal_years", D(2027, 1, 1)) == 4
    assert parameter_snapshot(D(2027, 1, 1))["recusal_years"] == 4


def test_exception_categories_are_a_set_of_known_codes(keeper: Any) -> None:
    schedule(keeper, "age_exception_categories", ["academician"], D(2027, 1, 1))

    assert parameter_value("age_exception_categories", D(2027, 1, 1)) == frozenset({"academician"})
    with pytest.raises(ParameterValueError, match="未知的选项"):
        schedule(keeper, "age_exception_categories", ["astronaut"], D(2027, 2, 1))


def test_a_change_cannot_be_backdated(keeper: Any) -> None:
    with pytest.raises(services.CoreError, match="不能早于今天"):
        schedule(keeper, "age_limit", 60, D(2026, 11, 26))


def test_out_of_range_and_non_numbers_are_refused_in_chinese(keeper: Any) -> None:
    with pytest.raises(ParameterValueError, match="须在 40 至 80 之间"):
        schedule(keeper, "age_limit", 120, D(2027, 1, 1))
    with pytest.raises(ParameterValueError, match="须为整数"):
        schedule(keeper, "age_limit", "六十", D(2027, 1, 1))


def test_setting_the_value_already_in_force_is_refused(keeper: Any) -> None:
    with pytest.raises(services.CoreError, match="本来就是 65"):
        schedule(keeper, "age_limit", 65, D(2027, 1, 1))


def test_only_staff_with_the_parameters_right_change_parameters(make_user: Any) -> None:
    clerk = make_user("staff", username="no-parameter-right", rights=(Right.RUN_DRAWS,))

    with pytest.raises(AccessDenied, match="修改政策参数"):
        schedule(clerk, "age_limit", 63, D(2027, 1, 1))


def test_each_change_is_audited_with_before_after_and_effective_date(keeper: Any) -> None:
    change = schedule(keeper, "absence_exit_threshold", 3, D(2027, 1, 1))

    entry = AuditEntry.objects.get(action="core.parameter.changed")
    assert entry.object_id == str(change.pk)
    assert entry.changes == {"absence_exit_threshold": [2, 3]}
    assert entry.data == {"effective_on": "2027-01-01", "reason": "理事会决议"}


@time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=False)
def test_parameter_page_schedules_a_change_and_lists_it(client: Client, keeper: Any) -> None:
    client.force_login(keeper)
    url = reverse("core:parameter_detail", kwargs={"key": "age_limit"})

    response = client.post(
        url, {"value": "63", "effective_on": "2027-01-01", "reason": "理事会第三次会议决议"}
    )

    assert response.status_code == 302
    page = client.get(reverse("core:parameter_list")).content.decode()
    assert "2027-01-01 起改为 63" in page
    detail = client.get(url).content.decode()
    assert "已排定，尚未生效" in detail
    assert "理事会第三次会议决议" in detail


@time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=False)
def test_parameter_page_explains_bad_input_in_chinese(client: Client, keeper: Any) -> None:
    client.force_login(keeper)
    url = reverse("core:parameter_detail", kwargs={"key": "age_limit"})

    not_a_number = client.post(url, {"value": "abc", "effective_on": "2027-01-01", "reason": "x"})
    backdated = client.post(url, {"value": "60", "effective_on": "2026-01-01", "reason": "x"})
    no_reason = client.post(url, {"value": "60", "effective_on": "2027-01-01", "reason": ""})

    assert "新值须为整数" in not_a_number.content.decode()
    assert "生效日期不能早于今天（2026-11-27）" in backdated.content.decode()
    assert "请填写修改原因" in no_reason.content.decode()
    assert ParameterChange.objects.count() == 0


def test_unknown_setting_page_is_not_found(client: Client, keeper: Any) -> None:
    client.force_login(keeper)

    assert client.get(reverse("core:parameter_detail", kwargs={"key": "nope"})).status_code == 404

"""What the registry says in words: the age condition and its exceptions, the status form, the
decision on a reported change, the expert's exit request and their previous sign-in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import date
from typing import Any, cast

import pytest
import time_machine
from django import forms
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from zhiku.core.audit import log_action
from zhiku.experts.choices import SpecialCategory, Status, TitleLevel
from zhiku.experts.eligibility import EligibilityRules, Outcome, Period, Profile, check
from zhiku.experts.forms import StatusForm
from zhiku.experts.models import ChangeRequest
from zhiku.experts.tests.factories import make_expert

ON = date(2026, 6, 15)
RULES = EligibilityRules()
CAREER = (Period(date(2000, 1, 1), None),)


def _age_reason(rules: EligibilityRules = RULES, **kwargs: Any) -> tuple[str, str]:
    profile = Profile(
        birth_date=kwargs.pop("birth_date", date(1956, 1, 1)),  # 70 on ON
        title_level=TitleLevel.SENIOR,
        employment=CAREER,
        **kwargs,
    )
    condition = check(profile, on=ON, rules=rules).condition("5")
    return condition.outcome, condition.reason


def test_over_the_general_limit_reads_as_a_sentence() -> None:
    outcome, reason = _age_reason()

    assert outcome == Outcome.FAIL
    assert reason == "70 周岁，超过一般上限 65 周岁。"


def test_within_the_limit_says_so() -> None:
    assert _age_reason(birth_date=date(1970, 1, 1)) == (
        Outcome.PASS,
        "56 周岁，未超过一般上限 65 周岁。",
    )


def test_an_exception_that_does_not_raise_the_limit_says_which_and_why() -> None:
    outcome, reason = _age_reason(
        special_categories=frozenset({SpecialCategory.DOCTORAL_SUPERVISOR}),
        statutory_retirement_age=60,
    )

    assert outcome == Outcome.FAIL
    assert "博士生导师" in reason
    assert "法定退休年龄 60 周岁不高于 65 周岁" in reason


def test_a_category_the_parameters_no_longer_except_is_named() -> None:
    rules = EligibilityRules(exception_categories=frozenset({SpecialCategory.ACADEMICIAN}))

    outcome, reason = _age_reason(
        rules,
        special_categories=frozenset({SpecialCategory.PROVINCIAL_ALLOWANCE}),
        statutory_retirement_age=70,
    )

    assert outcome == Outcome.FAIL
    assert "享受省政府特殊津贴现不在政策参数“年龄例外类别”之内" in reason


def test_past_the_retirement_age_the_exception_allows_it_says_so() -> None:
    outcome, reason = _age_reason(
        birth_date=date(1954, 1, 1),  # 72
        special_categories=frozenset({SpecialCategory.ACADEMICIAN}),
        statutory_retirement_age=70,
    )

    assert outcome == Outcome.FAIL
    assert reason.startswith("72 周岁，已超过其法定退休年龄 70 周岁（属院士")


def test_within_the_exception_it_says_to_which_age() -> None:
    outcome, reason = _age_reason(
        special_categories=frozenset({SpecialCategory.ACADEMICIAN}), statutory_retirement_age=72
    )

    assert outcome == Outcome.PASS
    assert reason == "70 周岁。属院士，可任职至法定退休年龄 72 周岁（高于一般上限 65 周岁）。"


def test_the_status_form_offers_what_the_status_allows_and_chooses_nothing() -> None:
    def offered(current: str) -> list[str]:
        field = StatusForm(current=current).fields["to_status"]
        assert isinstance(field, forms.ChoiceField)
        choices = cast(list[tuple[str, Any]], field.choices)
        return [str(label) for value, label in choices if value]

    # Never 出库: an exit is an exit case's (verified, notified, announced).
    assert offered(Status.ACTIVE) == ["暂停"]
    assert offered(Status.SUSPENDED) == ["恢复在库"]
    assert offered(Status.APPLICANT) == ["入库"]
    assert offered(Status.EXITED) == []
    assert not StatusForm(current=Status.ACTIVE)["to_status"].value()


@pytest.mark.django_db
def test_the_status_select_of_an_expert_in_the_pool_starts_empty(
    make_user: Callable[..., Any],
) -> None:
    client = Client()
    client.force_login(make_user("staff", username="clerk"))
    expert = make_expert(status=Status.ACTIVE)

    body = client.get(reverse("experts:expert_detail", args=[expert.pk])).content.decode()

    select = body[
        body.index('name="to_status"') : body.index("</select>", body.index('name="to_status"'))
    ]
    assert '<option value="" selected>请选择</option>' in select
    assert "入库" not in select.replace("恢复在库", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("decision", "said"),
    [
        ({"decision": "confirm"}, "已确认 "),
        ({"decision": "reject", "reason": "单位名称有误"}, "已退回 "),
    ],
)
def test_the_decision_on_a_reported_change_says_which_it_was(
    make_user: Callable[..., Any], decision: dict[str, str], said: str
) -> None:
    me = make_user("expert", username="reporter")
    expert = make_expert(user=me, name="周报告")
    cr = ChangeRequest.objects.create(
        expert=expert,
        changes={"position": ["", "主任"]},
        submitted_by=me,
        submitted_at=expert.created_at,
    )
    client = Client()
    client.force_login(make_user("staff", username="decider"))

    response = client.post(reverse("experts:change_request_decide", args=[cr.pk]), decision)

    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith(said + "周报告")
    assert "已处理" not in message


@pytest.mark.django_db
def test_the_expert_area_shows_the_sign_in_before_this_one(make_user: Callable[..., Any]) -> None:
    me = make_user("expert", username="returning")
    make_expert(user=me)
    client = Client()
    with time_machine.travel(dt.datetime(2026, 5, 4, 1, 0, tzinfo=dt.UTC), tick=False):
        log_action("accounts.login.succeeded", actor=me, obj=me)  # as a real sign-in writes it
    client.force_login(me)  # signs in as a person does: the trail gains this sign-in

    body = client.get(reverse("me:home")).content.decode()

    assert '<dd data-testid="previous-login">2026-05-04 09:00</dd>' in body


@pytest.mark.django_db
def test_on_the_first_sign_in_there_is_no_previous_one(make_user: Callable[..., Any]) -> None:
    me = make_user("expert", username="newcomer")
    make_expert(user=me)
    client = Client()
    client.force_login(me)

    body = client.get(reverse("me:home")).content.decode()

    assert "这是您第一次登录" in body

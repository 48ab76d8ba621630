"""Values a registry should never accept (issue 9, item 11), each as it was found, refused with
the same Chinese message by the staff form, the roster import and the service.

Found accepted: a birth date in the future ("-4 周岁 符合"), a birth year of 1890, a statutory
retirement age of 200 or 0, employment starting before the person was 16 or in the future, a
senior certificate field holding "无" that counted as a certificate, a female identity number
saved with 性别 男, a mobile already held by another expert (refused by the import only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.core.errors import DomainError
from zhiku.experts import eligibility, rules, services
from zhiku.experts.models import Employment, Expert, ExpertiseField
from zhiku.experts.tests.factories import make_expert, resident_number, roster_row
from zhiku.experts.tests.support import (
    BIRTH,
    NOW,
    TODAY,
    client_for,
    form_data,
    import_rows,
)

pytestmark = pytest.mark.django_db

FUTURE = dt.date(2030, 1, 1)
ANCIENT = dt.date(1890, 6, 1)
# The even 17th digit of serial 20 says: a woman.
FEMALE_NUMBER = resident_number(BIRTH, 20)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def reviewer(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", username="reviewer", rights=(Right.REVIEW_APPLICATIONS,))


# Each invalid value: (form fields, import cells, service profile, the field, the words).
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any], str, str]] = {
    "birth date in the future": (
        {"birth_date": FUTURE.isoformat(), "id_number": resident_number(FUTURE, 20)},
        {"出生日期": FUTURE, "证件号码": resident_number(FUTURE, 20), "性别": "女"},
        {"birth_date": FUTURE},
        "birth_date",
        "晚于今天",
    ),
    "birth year 1890": (
        {"birth_date": ANCIENT.isoformat(), "id_number": resident_number(ANCIENT, 20)},
        {"出生日期": ANCIENT, "证件号码": resident_number(ANCIENT, 20), "性别": "女"},
        {"birth_date": ANCIENT},
        "birth_date",
        "136 周岁",
    ),
    "retirement age 200": (
        {"statutory_retirement_age": "200"},
        {"法定退休年龄": 200},
        {"statutory_retirement_age": 200},
        "statutory_retirement_age",
        "45–80",
    ),
    "retirement age 0": (
        {"statutory_retirement_age": "0"},
        {"法定退休年龄": 0},
        {"statutory_retirement_age": 0},
        "statutory_retirement_age",
        "45–80",
    ),
    "certificate 无": (
        {"senior_certificates": "无"},
        {"专业技术高级水平证书": "无"},
        {"senior_certificates": "无"},
        "senior_certificates",
        "没有专业技术高级水平证书请留空",
    ),
    "female number saved as 男": (
        {"gender": "male", "id_number": FEMALE_NUMBER},
        {"性别": "男"},
        {"gender": "male"},
        "gender",
        "表示女，与所填性别“男”不一致",
    ),
}
IMPORT_COLUMNS = {
    "birth_date": "出生日期",
    "statutory_retirement_age": "法定退休年龄",
    "senior_certificates": "专业技术高级水平证书",
    "gender": "性别",
}


def service_create(actor: Any, profile: dict[str, Any], **kwargs: Any) -> Expert:
    birth = profile.get("birth_date", BIRTH)
    return services.expert_create(
        actor=actor,
        profile={
            "name": "规则",
            "gender": "female",
            "birth_date": birth,
            "id_type": "resident",
            "organisation": "单位",
            "org_type": "university",
            "title_level": "senior",
            "region": "guangzhou",
            **profile,
        },
        id_number=kwargs.pop("id_number", resident_number(birth, 20)),
        mobile=kwargs.pop("mobile", ""),
        primary_field=ExpertiseField.objects.get(code="03.01"),
        **kwargs,
    )


@pytest.mark.parametrize("case", list(CASES))
def test_the_form_refuses_each_invalid_value_beside_its_field(reviewer: Any, case: str) -> None:
    fields, _cells, _profile, field, words = CASES[case]

    response = client_for(reviewer).post(reverse("experts:expert_create"), form_data(**fields))

    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors.get(field, []))
    assert not Expert.objects.exists()


# An import keeps a gender the number contradicts and warns (the number may be the wrong one):
# test_import_values.test_a_gender_disagreeing_with_the_number_is_imported_with_a_warning.
IMPORT_WARNS = {"female number saved as 男"}


@pytest.mark.parametrize("case", [c for c in CASES if c not in IMPORT_WARNS])
def test_the_import_refuses_each_invalid_value_in_its_column(
    reviewer: Any, django_capture_on_commit_callbacks: Any, case: str
) -> None:
    _fields, cells, _profile, field, words = CASES[case]
    row = {**roster_row(2), "出生日期": BIRTH, "证件号码": FEMALE_NUMBER, "性别": "女", **cells}

    job = import_rows(client_for(reviewer), [row], django_capture_on_commit_callbacks)

    assert [(e["row"], e["column"]) for e in job.errors] == [(2, IMPORT_COLUMNS[field])]
    assert words in job.errors[0]["message"]
    assert not Expert.objects.exists()


@pytest.mark.parametrize("case", list(CASES))
def test_the_service_refuses_each_invalid_value_when_called_directly(
    reviewer: Any, case: str
) -> None:
    _fields, _cells, profile, field, words = CASES[case]

    with pytest.raises(services.ExpertError, match=words) as refused:
        service_create(reviewer, profile)

    assert refused.value.field == field
    assert not Expert.objects.exists()


def test_a_stored_none_does_not_count_as_a_certificate() -> None:
    """Typed before the rule existed: condition (1) must not pass on "无"."""
    expert = make_expert(title_level="none", senior_certificates="无", years_in_field=20)

    result = eligibility.check(
        expert.eligibility_profile(), on=TODAY, rules=eligibility.rules_on(TODAY)
    )

    assert result.condition("1").outcome == "fail"  # twenty years in the field, but no grounds
    assert result.condition("1").reason.startswith("既非企业高层管理者")


# --- a mobile already held by another expert ----------------------------------------------


def test_a_mobile_held_by_another_expert_is_refused_by_form_service_and_import(
    reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_expert(name="已在库", mobile="13600001111")

    response = client_for(reviewer).post(
        reverse("experts:expert_create"), form_data(mobile="136 0000 1111")
    )
    assert "该手机号码已登记" in response.context["form"].errors["mobile"][0]
    with pytest.raises(services.ExpertError, match="该手机号码已登记") as refused:
        service_create(reviewer, {}, mobile="+86 13600001111")
    assert refused.value.field == "mobile"
    job = import_rows(
        client_for(reviewer),
        [{**roster_row(2), "手机号码": "13600001111"}],
        django_capture_on_commit_callbacks,
    )
    assert [(e["column"], "该手机号码已登记" in e["message"]) for e in job.errors] == [
        ("手机号码", True)
    ]
    assert Expert.objects.count() == 1


def test_a_change_of_mobile_to_anothers_is_refused_on_edit(reviewer: Any) -> None:
    make_expert(name="已在库", mobile="13600001111")
    expert = make_expert(name="修改者", mobile="13900002222")

    with pytest.raises(services.ExpertError, match="该手机号码已登记"):
        services.expert_update(actor=reviewer, expert=expert, profile={}, mobile="13600001111")

    expert.refresh_from_db()
    assert expert.mobile_masked == "139****2222"


# --- employment -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "words"),
    [
        (dt.date(1979, 1, 1), "早于该专家年满 16 周岁之日（1984-03-08）"),
        (dt.date(2027, 3, 1), "晚于今天"),
    ],
    ids=["before sixteen", "in the future"],
)
def test_employment_before_sixteen_or_in_the_future_is_refused_everywhere(
    reviewer: Any, django_capture_on_commit_callbacks: Any, start: dt.date, words: str
) -> None:
    expert = make_expert(birth_date=BIRTH, gender="female", id_number=FEMALE_NUMBER)
    client = client_for(reviewer)
    line = f"某单位，{start:%Y-%m}，至今，是"

    # The profile page's form, then the service behind it.
    response = client.post(
        reverse("experts:employment_add", args=[expert.pk]),
        {"organisation": "某单位", "start": start.isoformat(), "in_field": "on"},
        follow=True,
    )
    assert words in response.content.decode()
    with pytest.raises(services.ExpertError, match=words):
        services.employment_add(
            actor=reviewer,
            expert=expert,
            organisation="某单位",
            start=start,
            end=None,
            in_field=True,
        )
    # The add form's work history, the import's column.
    other = resident_number(BIRTH, 40)
    response = client.post(
        reverse("experts:expert_create"), form_data(id_number=other, work_history=line)
    )
    assert words in " ".join(response.context["form"].errors["work_history"])
    row = {**roster_row(2), "出生日期": BIRTH, "证件号码": other, "性别": "女", "工作经历": line}
    job = import_rows(client, [row], django_capture_on_commit_callbacks)
    assert [e["column"] for e in job.errors] == ["工作经历"]
    assert words in job.errors[0]["message"] and "第 1 段" in job.errors[0]["message"]
    assert not Employment.objects.exists()


# --- the rules themselves -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["无", " 无。", "暂无", "/", "—", "N/A", "none", "ｎｏｎｅ", "没有"]
)
def test_words_for_none_are_recognised(text: str) -> None:
    assert rules.means_none(text)
    with pytest.raises(rules.RuleError):
        rules.check_certificates(text)


@pytest.mark.parametrize("text", ["", "注册质量工程师（高级），编号 2019-001", "无损检测 III 级"])
def test_real_certificates_are_kept(text: str) -> None:
    assert not rules.means_none(text)
    rules.check_certificates(text)


def test_the_work_history_syntax_reads_months_days_and_until_now() -> None:
    periods, problems = rules.parse_work_history(
        "甲单位，2001-07，2012-06，是\n乙单位, 2012/07/15, 至今\r\n丙单位，2013年1月，2014.02，否",
        birth=BIRTH,
        today=TODAY,
    )

    assert problems == []
    assert periods == [
        rules.WorkPeriod("甲单位", dt.date(2001, 7, 1), dt.date(2012, 6, 30), True),
        rules.WorkPeriod("乙单位", dt.date(2012, 7, 15), None, True),
        rules.WorkPeriod("丙单位", dt.date(2013, 1, 1), dt.date(2014, 2, 28), False),
    ]


def test_each_bad_line_of_a_work_history_is_named() -> None:
    _periods, problems = rules.parse_work_history(
        "甲单位 2001-07 至今；乙单位，2001-13，至今；丙单位，2001-07，至今，也许",
        birth=BIRTH,
        today=TODAY,
    )

    assert [p.split("（")[0] for p in problems] == ["第 1 段", "第 2 段", "第 3 段"]
    assert "用逗号隔开" in problems[0]
    assert "应为年月" in problems[1]
    assert "应填“是”或“否”" in problems[2]


def test_gender_is_read_only_from_numbers_that_state_it() -> None:
    assert rules.gender_in_number("resident", FEMALE_NUMBER) == "female"
    assert rules.gender_in_number("resident", resident_number(BIRTH, 21)) == "male"
    assert rules.gender_in_number("passport", "E12345678") is None
    rules.check_gender("passport", "E12345678", "male")


def test_a_refusal_is_a_domain_error_so_every_page_shows_it() -> None:
    assert issubclass(services.ExpertError, DomainError)

"""Conditions and recusal: who meets a draw's conditions, who must recuse and why, and how
organisation names are matched so that spelling cannot defeat recusal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from zhiku.accounts.models import Right
from zhiku.activities import pool as pools
from zhiku.activities import services
from zhiku.activities.choices import Reason
from zhiku.activities.models import Candidate
from zhiku.activities.orgnames import org_key
from zhiku.activities.tests.factories import (
    accept,
    decline,
    make_activity,
    open_draw,
    operator,
    supervisor,
)
from zhiku.core.models import ParameterChange
from zhiku.experts.choices import OrgType, Region, Status, TitleLevel
from zhiku.experts.models import (
    Conflict,
    Employment,
    Expert,
    ExpertField,
    ExpertiseField,
    Unavailability,
)
from zhiku.experts.tests.factories import make_expert

TODAY = dt.date(2026, 5, 6)
NOW = dt.datetime(2026, 5, 6, 10, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, catalogues: None) -> None:
    time_machine.move_to(NOW, tick=False)


def years_ago(n: int, days: int = 0) -> dt.date:
    return TODAY.replace(year=TODAY.year - n) - dt.timedelta(days=days)


def worked(expert: Expert, organisation: str, *, start: dt.date, end: dt.date | None) -> None:
    Employment.objects.create(expert=expert, organisation=organisation, start=start, end=end)


def preview(activity: Any, **kwargs: Any) -> pools.Pool:
    setup = services.DrawSetup(
        places=kwargs.pop("places", 2),
        conditions=kwargs.pop("conditions", pools.Conditions()),
        strata=kwargs.pop("strata", {}),
        supervisor=kwargs.pop("supervisor"),
    )
    return services.draw_preview(actor=kwargs["actor"], activity=activity, setup=setup, today=TODAY)


def reasons_of(result: pools.Pool) -> dict[str, tuple[str, ...]]:
    return {e.label: e.reasons for e in result.excluded}


def eligible(result: pools.Pool) -> set[str]:
    return {label for labels in result.labels.values() for label in labels}


# --- organisation names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("广州某某检测有限公司", "广州某某检测有限责任公司 "),
        ("广州ＡＢＣ质量检测有限公司", "广州ABC质量检测有限公司"),
        ("美的集团股份有限公司", "美的集团"),
        ("广东（佛山）质检中心", "广东(佛山)质检中心"),
        ("广东 省 质量 协会", "广东省质量协会"),
        ("【广州】某某研究院", "广州某某研究院"),
        ("Ｆｏｏ　Ｃｏ．，Ｌｔｄ．", "foo co.,ltd."),
    ],
)
def test_names_that_mean_one_organisation_have_one_key(a: str, b: str) -> None:
    assert org_key(a) == org_key(b) != ""


def test_different_organisations_keep_different_keys() -> None:
    assert org_key("广州某某检测有限公司") != org_key("深圳某某检测有限公司")
    assert org_key("有限公司") == ""  # no substance: never matches anything


def test_recusal_catches_a_past_employer_spelt_differently_and_in_full_width_letters() -> None:
    """The issue's case: left two years ago, "有限公司" against "有限责任公司 ", full-width
    letters; left four years ago is outside the default three years."""
    op, sv = operator(), supervisor()
    activity = make_activity(
        op, assessed_units=["广州某某检测有限责任公司 ", "广州ABC质量检测有限公司"]
    )
    two_years = make_expert(organisation="华南理工大学")
    worked(two_years, "广州某某检测有限公司", start=dt.date(2015, 3, 1), end=years_ago(2))
    full_width = make_expert(organisation="中山大学")
    worked(full_width, "广州ＡＢＣ质量检测有限公司", start=dt.date(2016, 1, 1), end=years_ago(2))
    four_years = make_expert(organisation="暨南大学")
    worked(four_years, "广州某某检测有限公司", start=dt.date(2012, 1, 1), end=years_ago(4))

    result = preview(activity, actor=op, supervisor=sv)

    assert reasons_of(result) == {
        two_years.pool_number: (Reason.WORKED_FOR,),
        full_width.pool_number: (Reason.WORKED_FOR,),
    }
    assert four_years.pool_number in eligible(result)


def test_the_recusal_years_are_a_parameter_in_force_on_the_day_of_the_draw() -> None:
    op, sv = operator(), supervisor()
    activity = make_activity(op, assessed_units=["广州某某检测有限公司"])
    four_years = make_expert()
    worked(four_years, "广州某某检测有限公司", start=dt.date(2012, 1, 1), end=years_ago(4))
    ParameterChange.objects.create(
        key="recusal_years", from_value=3, to_value=5, effective_on=TODAY, at=NOW, reason="测试"
    )

    result = preview(activity, actor=op, supervisor=sv)

    assert reasons_of(result) == {four_years.pool_number: (Reason.WORKED_FOR,)}


def test_current_employer_and_an_open_employment_both_recuse() -> None:
    op, sv = operator(), supervisor()
    activity = make_activity(op, commissioning_units=["广东省市场监督管理局"])
    by_profile = make_expert(organisation="广东省市场监督管理局")
    by_history = make_expert(organisation="华南理工大学")
    worked(by_history, "广东省 市场监督管理局", start=dt.date(2020, 1, 1), end=None)

    result = preview(activity, actor=op, supervisor=sv)

    assert reasons_of(result) == {
        by_profile.pool_number: (Reason.WORKS_FOR,),
        by_history.pool_number: (Reason.WORKS_FOR,),
    }


def test_an_alias_staff_keep_joins_two_names() -> None:
    op, sv = operator(), supervisor()
    services.alias_add(actor=op, alias="华工", canonical="华南理工大学", note="简称")
    activity = make_activity(op, assessed_units=["华工"])
    expert = make_expert(organisation="华南理工大学")

    result = preview(activity, actor=op, supervisor=sv)

    assert reasons_of(result) == {expert.pool_number: (Reason.WORKS_FOR,)}


def test_a_declared_conflict_recuses_until_withdrawn() -> None:
    op, sv = operator(), supervisor()
    activity = make_activity(op, assessed_units=["广州某某检测有限公司"])
    declared, withdrawn = make_expert(), make_expert()
    for expert, gone in ((declared, None), (withdrawn, NOW)):
        Conflict.objects.create(
            expert=expert,
            kind=Conflict.Kind.ORGANISATION,
            party="广州某某检测有限责任公司",
            reason="配偶任职",
            declared_at=NOW,
            declared_by=op,
            withdrawn_at=gone,
        )

    result = preview(activity, actor=op, supervisor=sv)

    assert reasons_of(result) == {declared.pool_number: (Reason.CONFLICT,)}


def test_every_other_reason_is_recorded_and_an_expert_may_have_several() -> None:
    op, sv = operator(), supervisor()
    field = ExpertiseField.objects.get(code="05.01")
    activity = make_activity(op, assessed_units=["广州某某检测有限公司"])
    unfamiliar = make_expert(primary=field)
    unfamiliar.unfamiliar_fields.add(field)
    unavailable = make_expert(primary=field)
    Unavailability.objects.create(
        expert=unavailable, start=activity.start_date, end=activity.start_date, reason="出差"
    )
    suspended = make_expert(primary=field, status=Status.SUSPENDED)
    exited = make_expert(primary=field, status=Status.EXITED, organisation="广州某某检测有限公司")
    fine = make_expert(primary=field)

    result = preview(activity, actor=op, supervisor=sv, conditions=pools.Conditions(fields=("05",)))

    assert reasons_of(result) == {
        unfamiliar.pool_number: (Reason.UNFAMILIAR,),
        unavailable.pool_number: (Reason.UNAVAILABLE,),
        suspended.pool_number: (Reason.SUSPENDED,),
        exited.pool_number: (Reason.WORKS_FOR, Reason.EXITED),
    }
    assert eligible(result) == {fine.pool_number}
    assert result.reason_counts()[Reason.WORKS_FOR] == 1


def test_experts_already_drawn_or_serving_elsewhere_at_the_same_time_are_excluded() -> None:
    op, sv = operator(), supervisor()
    experts = [make_expert() for _ in range(4)]
    other = make_activity(op, title="同期的另一项活动", experts_needed=2)
    other_draw = open_draw(op, other, sv, places=2)
    services.draw_witness(actor=sv, draw=other_draw, value="12345678")
    first, second = Candidate.objects.filter(draw=other_draw).order_by("rank")
    accept(first)
    decline(second, reason="unfamiliar")
    activity = make_activity(op)  # the same dates

    result = preview(activity, actor=op, supervisor=sv)
    in_other = preview(other, actor=op, supervisor=sv)

    assert reasons_of(result) == {first.label: (Reason.OVERLAPPING,)}
    assert reasons_of(in_other) == {
        first.label: (Reason.ALREADY_DRAWN,),
        second.label: (Reason.ALREADY_DRAWN,),
    }
    assert len(eligible(result)) == len(experts) - 1


def test_rotation_limits_are_off_by_default_and_apply_when_set() -> None:
    op, sv = operator(), supervisor()
    make_expert()
    earlier = make_activity(
        op,
        title="上月的活动",
        experts_needed=1,
        start_date=dt.date(2026, 5, 20),
        end_date=dt.date(2026, 5, 21),
    )
    draw = open_draw(op, earlier, sv, places=1)
    services.draw_witness(actor=sv, draw=draw, value="12345678")
    (served,) = Candidate.objects.filter(draw=draw)
    accept(served)
    activity = make_activity(op)  # 15 June, 25 days after

    assert reasons_of(preview(activity, actor=op, supervisor=sv)) == {}

    for key, value in (("rotation_rest_days", 30), ("rotation_yearly_cap", 1)):
        ParameterChange.objects.create(
            key=key, from_value=0, to_value=value, effective_on=TODAY, at=NOW, reason="启用轮换"
        )
    assert reasons_of(preview(activity, actor=op, supervisor=sv)) == {
        served.label: (Reason.ROTATION_REST, Reason.ROTATION_CAP)
    }


# --- conditions and counts ---------------------------------------------------------------------


def test_conditions_count_those_who_do_not_meet_them_without_listing_them() -> None:
    op, sv = operator(), supervisor()
    quality = ExpertiseField.objects.get(code="01.01")
    other = ExpertiseField.objects.get(code="05.01")
    senior_gz = make_expert(primary=quality, title_level=TitleLevel.SENIOR)
    make_expert(primary=quality, title_level=TitleLevel.INTERMEDIATE)
    make_expert(primary=other, title_level=TitleLevel.SENIOR)
    make_expert(primary=quality, region=Region.OTHER_PROVINCE)
    make_expert(status=Status.APPLICANT, pool_number=None)  # not in the pool: not counted
    activity = make_activity(op)

    result = preview(
        activity,
        actor=op,
        supervisor=sv,
        conditions=pools.Conditions(
            fields=("01",),
            title_levels=(TitleLevel.SENIOR, TitleLevel.ASSOCIATE_SENIOR),
            out_of_province=False,
        ),
    )

    assert eligible(result) == {senior_gz.pool_number}
    assert (result.meeting, result.not_meeting, result.excluded) == (1, 3, [])


def test_all_fields_means_every_selected_field() -> None:
    op, sv = operator(), supervisor()
    a, b = ExpertiseField.objects.get(code="01.01"), ExpertiseField.objects.get(code="05.01")
    both = make_expert(primary=a)
    ExpertField.objects.create(expert=both, field=b)
    make_expert(primary=a)
    activity = make_activity(op)

    any_of = preview(
        activity, actor=op, supervisor=sv, conditions=pools.Conditions(fields=("01.01", "05.01"))
    )
    all_of = preview(
        activity,
        actor=op,
        supervisor=sv,
        conditions=pools.Conditions(fields=("01.01", "05.01"), field_match="all"),
    )

    assert len(eligible(any_of)) == 2
    assert eligible(all_of) == {both.pool_number}


def test_strata_count_the_eligible_per_organisation_type() -> None:
    op, sv = operator(), supervisor()
    for _ in range(3):
        make_expert(org_type=OrgType.UNIVERSITY)
    make_expert(org_type=OrgType.ENTERPRISE, organisation="美的集团股份有限公司")
    make_expert(org_type=OrgType.RESEARCH)
    activity = make_activity(op, experts_needed=5)

    result = preview(
        activity,
        actor=op,
        supervisor=sv,
        places=5,
        strata={OrgType.UNIVERSITY: 2, OrgType.ENTERPRISE: 3},
    )

    assert [
        (r["name"], r["places"], r["eligible"], r["unfilled"]) for r in result.stratum_rows()
    ] == [
        ("高校", 2, 3, 0),
        ("企业", 3, 1, 2),
    ]
    assert result.not_meeting == 1  # the research institute's expert


def test_the_bare_query_selects_exactly_the_eligible_ids() -> None:
    op = operator()
    activity = make_activity(op, assessed_units=["广州某某检测有限公司"])
    keep = make_expert()
    gone = make_expert(organisation="广州某某检测有限责任公司")
    conditions = pools.Conditions()
    strata = pools.strata_from(2, {})
    recusal = services.recusal_for(activity, TODAY)

    ids = set(pools.eligible_ids(conditions, strata, recusal))

    assert ids == {keep.pk}
    assert gone.pk not in ids
    assert eligible(pools.compute_pool(conditions, strata, recusal)) == {keep.pool_number}


def test_previewing_needs_the_draw_right(make_user: Any) -> None:
    from zhiku.core.errors import AccessDenied

    plain = make_user("staff", username="plain")
    activity = make_activity(plain)
    with pytest.raises(AccessDenied):
        preview(activity, actor=plain, supervisor=supervisor())
    assert operator("op2").has_right(Right.RUN_DRAWS)
    assert timezone.localdate() == TODAY

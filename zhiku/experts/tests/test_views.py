from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from zhiku.accounts.models import Right
from zhiku.core.models import AuditEntry
from zhiku.experts.choices import OrgType, Region, Status, TitleLevel
from zhiku.experts.eligibility import age_on
from zhiku.experts.models import ChangeRequest, Conflict, Expert, ExpertiseField, Unavailability
from zhiku.experts.selectors import expert_search, latest_birth_date_aged
from zhiku.experts.tests.factories import make_expert, resident_number


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def staff_client(make_user: Callable[..., Any]) -> Client:
    return client_for(make_user("staff", username="registrar", rights=(Right.REVIEW_APPLICATIONS,)))


@pytest.mark.django_db
def test_staff_list_filters_by_field_title_region_type_status_and_text(
    staff_client: Client,
) -> None:
    metrology = ExpertiseField.objects.get(code="03.01")
    make_expert(name="王计量", primary=metrology, region=Region.SHENZHEN)
    make_expert(
        name="李标准",
        title_level=TitleLevel.ASSOCIATE_SENIOR,
        org_type=OrgType.ENTERPRISE,
        organisation="美的集团",
        region=Region.HONG_KONG,
        status=Status.SUSPENDED,
    )
    url = reverse("experts:expert_list")

    def names(**params: str) -> set[str]:
        page = staff_client.get(url, params).context["page"]
        return {e.name for e in page}

    assert names() == {"王计量", "李标准"}
    assert names(field=str(ExpertiseField.objects.get(code="03").pk)) == {"王计量"}
    assert names(title_level="associate_senior") == {"李标准"}
    assert names(region="outside") == {"李标准"}
    assert names(region="shenzhen") == {"王计量"}
    assert names(org_type="enterprise") == {"李标准"}
    assert names(status="suspended") == {"李标准"}
    assert names(q="美的") == {"李标准"}
    assert names(q="王") == {"王计量"}


@pytest.mark.django_db
def test_age_band_filter_uses_full_years() -> None:
    today = date(2026, 6, 15)
    make_expert(name="六十五", birth_date=date(1960, 6, 16))
    make_expert(name="六十六", birth_date=date(1960, 6, 15))
    assert {e.name for e in expert_search(today=today, age_band="61-65")} == {"六十五"}
    assert {e.name for e in expert_search(today=today, age_band="66-")} == {"六十六"}


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31))


@given(
    births, st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 90)
)
def test_birth_date_bound_agrees_with_age_in_full_years(born: date, today: date, n: int) -> None:
    assert (born <= latest_birth_date_aged(n, today)) == (age_on(born, today) >= n)


@pytest.mark.django_db
def test_staff_add_an_expert_through_the_form(staff_client: Client) -> None:
    field = ExpertiseField.objects.get(code="05.01")
    response = staff_client.post(
        reverse("experts:expert_create"),
        {
            "name": "赵检测",
            "gender": "male",
            "birth_date": "1975-04-03",
            "id_type": "resident",
            "id_number": resident_number(date(1975, 4, 3), 11),
            "mobile": "139 0000 1111",
            "organisation": "广州检验检测认证集团",
            "org_type": "public_institution",
            "title_level": "senior",
            "region": "guangzhou",
            "primary_field": field.pk,
            "work_history": "广州市质量监督检测研究院，2001-07，2012-12，是\n广州检验检测认证集团，2013-01，至今",
            "admit": "on",
        },
    )
    expert = Expert.objects.get(name="赵检测")
    assert response.status_code == 302
    assert response["Location"] == reverse("experts:expert_detail", args=[expert.pk])
    assert expert.pool_number == f"GDQ-{timezone.localdate().year}-0001"
    assert expert.mobile_masked == "139****1111"
    assert [(e.organisation, e.start, e.end, e.in_field) for e in expert.employments.all()] == [
        ("广州检验检测认证集团", date(2013, 1, 1), None, True),
        ("广州市质量监督检测研究院", date(2001, 7, 1), date(2012, 12, 31), True),
    ]
    assert expert.admission_exception_reason == ""  # art. 6 passes: no exception needed


@pytest.mark.django_db
def test_form_shows_a_wrong_check_digit_next_to_the_number(staff_client: Client) -> None:
    number = resident_number(date(1975, 4, 3), 11)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = staff_client.post(
        reverse("experts:expert_create"),
        {"name": "x", "birth_date": "1975-04-03", "id_type": "resident", "id_number": wrong},
    )
    assert response.status_code == 200
    assert "校验位" in str(response.context["form"].errors["id_number"])


@pytest.mark.django_db
def test_profile_page_shows_the_eligibility_check_and_masked_numbers(staff_client: Client) -> None:
    expert = make_expert(years_in_field=10)
    body = staff_client.get(reverse("experts:expert_detail", args=[expert.pk])).content.decode()
    assert "入库基本条件核验" in body
    assert expert.id_number_masked in body
    assert "expert_reveal" not in body and "/reveal/" not in body  # no reveal right


@pytest.mark.django_db
def test_reveal_view_shows_the_number_and_audits(make_user: Callable[..., Any]) -> None:
    revealer = make_user("staff", username="rev", rights=(Right.REVEAL_PERSONAL_DATA,))
    number = resident_number(date(1966, 1, 2), 77)
    expert = make_expert(birth_date=date(1966, 1, 2), id_number=number)
    c = client_for(revealer)
    url = reverse("experts:expert_reveal", args=[expert.pk, "identity"])
    assert c.get(url).status_code == 405
    body = c.post(url).content.decode()
    assert number in body  # all 18 characters, not the masked form
    assert AuditEntry.objects.filter(action="experts.identity.revealed", actor=revealer).exists()


@pytest.fixture
def two_experts(make_user: Callable[..., Any]) -> tuple[Any, Expert, Expert]:
    me = make_user("expert", username="me")
    mine = make_expert(user=me, name="我自己")
    theirs = make_expert(user=make_user("expert", username="other"), name="别人")
    return me, mine, theirs


@pytest.mark.django_db
def test_expert_area_shows_only_my_profile(two_experts: tuple[Any, Expert, Expert]) -> None:
    me, _mine, theirs = two_experts
    body = client_for(me).get(reverse("me:home")).content.decode()
    assert "我自己" in body
    assert "别人" not in body
    assert theirs.id_number_masked not in body


@pytest.mark.django_db
def test_expert_cannot_withdraw_or_remove_anothers_declarations(
    two_experts: tuple[Any, Expert, Expert],
) -> None:
    me, _mine, theirs = two_experts
    assert theirs.user is not None
    conflict = Conflict.objects.create(
        expert=theirs,
        kind="person",
        party="张三",
        reason="亲属",
        declared_at="2026-01-01T00:00:00Z",
        declared_by=theirs.user,
    )
    absence = Unavailability.objects.create(
        expert=theirs, start=date(2026, 7, 1), end=date(2026, 7, 2)
    )
    c = client_for(me)
    assert c.post(reverse("me:conflict_withdraw", args=[conflict.pk])).status_code == 404
    assert c.post(reverse("me:unavailability_remove", args=[absence.pk])).status_code == 404
    conflict.refresh_from_db()
    assert conflict.withdrawn_at is None
    assert Unavailability.objects.filter(pk=absence.pk).exists()


@pytest.mark.django_db
def test_expert_without_profile_sees_a_plain_explanation(make_user: Callable[..., Any]) -> None:
    c = client_for(make_user("expert", username="new"))
    for name in ("me:home", "me:change"):
        assert "尚未关联专家档案" in c.get(reverse(name)).content.decode()


@pytest.mark.django_db
def test_expert_area_change_then_staff_confirm(
    two_experts: tuple[Any, Expert, Expert], staff_client: Client
) -> None:
    me, mine, _theirs = two_experts
    c = client_for(me)
    data = {
        f: getattr(mine, f) or "" for f in ("organisation", "org_type", "title_level", "region")
    }
    response = c.post(reverse("me:change"), {**data, "mobile": "13711112222"})
    assert response.status_code == 302
    cr = ChangeRequest.objects.get(expert=mine)
    response = staff_client.post(
        reverse("experts:change_request_decide", args=[cr.pk]), {"decision": "confirm"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.mobile_masked == "137****2222"


@pytest.mark.django_db
def test_catalogue_page_lists_fields_and_industries(staff_client: Client) -> None:
    body = staff_client.get(reverse("experts:catalogue")).content.decode()
    assert "特种设备" in body
    assert "制造业" in body


@pytest.mark.django_db
def test_staff_edit_keeps_the_number_and_records_the_reason(staff_client: Client) -> None:
    expert = make_expert(name="钱编辑", birth_date=date(1970, 1, 1))
    url = reverse("experts:expert_edit", args=[expert.pk])
    form = staff_client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("id_number",)}
    data.update(
        birth_date="1970-01-01",
        primary_field=form.initial["primary_field"].pk,
        organisation="深圳大学",
        reason="单位调动",
        other_fields=[],
        industries=[],
        special_categories=[],
    )
    data = {k: v for k, v in data.items() if v is not False}
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    expert.refresh_from_db()
    assert expert.organisation == "深圳大学"
    entry = AuditEntry.objects.get(action="experts.expert.updated")
    assert entry.changes["organisation"] == ["华南理工大学", "深圳大学"]
    assert entry.data == {"reason": "单位调动"}
    assert "id_number" not in entry.changes


@pytest.mark.django_db
def test_staff_suspend_an_expert_from_the_profile_page(staff_client: Client) -> None:
    expert = make_expert()
    response = staff_client.post(
        reverse("experts:expert_status", args=[expert.pk]),
        {"to_status": "suspended", "reason": "长期出国"},
    )
    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.status == Status.SUSPENDED
    assert expert.status_changes.get().reason == "长期出国"


@pytest.mark.django_db
def test_expert_declares_in_the_expert_area(
    two_experts: tuple[Any, Expert, Expert],
) -> None:
    me, mine, _theirs = two_experts
    c = client_for(me)
    c.post(
        reverse("me:conflict_add"),
        {"kind": "organisation", "party": "某认证公司", "reason": "配偶任职"},
    )
    c.post(
        reverse("me:unavailability_add"),
        {"start": "2026-07-01", "end": "2026-07-31", "reason": "出差"},
    )
    field = ExpertiseField.objects.get(code="06.03")
    c.post(reverse("me:unfamiliar_set"), {"fields_": [field.pk]})
    assert mine.conflicts.get().party == "某认证公司"
    assert mine.unavailabilities.get().reason == "出差"
    assert list(mine.unfamiliar_fields.all()) == [field]
    body = c.get(reverse("me:declarations")).content.decode()
    assert "某认证公司" in body


@pytest.mark.django_db
def test_the_add_form_offers_admission_only_to_reviewers(
    staff_client: Client, make_user: Callable[..., Any]
) -> None:
    clerk = client_for(make_user("staff", username="clerk"))

    assert 'name="admit"' in staff_client.get(reverse("experts:expert_create")).content.decode()
    assert 'name="admit"' not in clerk.get(reverse("experts:expert_create")).content.decode()

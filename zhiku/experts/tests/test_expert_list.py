"""The staff list of experts: the masked numbers it promises, the fields of expertise, sorting by
a whitelist, and numbered pages that keep the filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.experts.models import ExpertiseField
from zhiku.experts.selectors import SORTS, expert_search
from zhiku.experts.tests.factories import make_expert

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


@pytest.fixture
def staff_client(make_user: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_user("staff", username="lister"))
    return client


def _rows(body: str) -> list[str]:
    return re.findall(r'<tr data-testid="expert-row">(.*?)</tr>', body, flags=re.S)


def test_the_list_shows_the_masked_numbers_and_the_fields_of_expertise(
    staff_client: Client,
) -> None:
    metrology = ExpertiseField.objects.get(code="03.01")
    expert = make_expert(name="王计量", primary=metrology)
    other = ExpertiseField.objects.get(code="05.01")
    expert.field_links.create(field=other, is_primary=False)

    body = staff_client.get(reverse("experts:expert_list")).content.decode()

    (row,) = _rows(body)
    assert expert.id_number_masked in row and "*" in expert.id_number_masked
    assert expert.mobile_masked in row
    assert f'{metrology.name}<span class="hint">（主要）</span>、{other.name}' in row
    assert "证件号码</th>" in body and "专业领域</th>" in body


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["甲", "乙", "丙"]),
        ("pool_number", ["甲", "乙", "丙"]),
        ("-pool_number", ["丙", "乙", "甲"]),
        ("age", ["丙", "甲", "乙"]),
        ("-age", ["乙", "甲", "丙"]),
        ("name", ["丙", "乙", "甲"]),
        ("-name", ["甲", "乙", "丙"]),
        ("organisation", ["甲", "乙", "丙"]),
        ("-organisation", ["丙", "乙", "甲"]),
    ],
)
def test_each_order_sorts_the_list(sort: str, expected: list[str]) -> None:
    make_expert(
        name="甲", pool_number="GDQ-2026-0001", birth_date=date(1970, 1, 1), organisation="中山大学"
    )
    make_expert(
        name="乙",
        pool_number="GDQ-2026-0002",
        birth_date=date(1960, 1, 1),
        organisation="华南理工大学",
    )
    make_expert(
        name="丙", pool_number="GDQ-2026-0003", birth_date=date(1980, 1, 1), organisation="暨南大学"
    )

    names = [e.name for e in expert_search(today=TODAY, sort=sort)]

    # Chinese text sorts by code point on SQLite (丙 U+4E19 < 乙 U+4E59 < 甲 U+7532).
    assert names == expected


def test_sorting_by_name_and_every_declared_order_is_stable_across_pages() -> None:
    for n in range(30):
        make_expert(name="同名", pool_number=f"GDQ-2026-{n + 1:04d}", organisation="同一单位")
    for code, _label, _order in SORTS:
        pks = list(expert_search(today=TODAY, sort=code).values_list("pk", flat=True))
        first, second = pks[:25], pks[25:]
        assert len(set(first) | set(second)) == 30, code  # no expert twice, none lost


def test_an_order_that_is_not_offered_is_refused_and_the_list_stays_in_its_default_order(
    staff_client: Client,
) -> None:
    make_expert(name="乙", pool_number="GDQ-2026-0002")
    make_expert(name="甲", pool_number="GDQ-2026-0001")

    response = staff_client.get(reverse("experts:expert_list"), {"sort": "id_number_token"})

    assert response.status_code == 200
    assert [e.name for e in response.context["page"]] == ["甲", "乙"]
    assert expert_search(today=TODAY, sort="id_number_hash").query.order_by == (
        expert_search(today=TODAY).query.order_by
    )


def test_the_column_headings_sort_and_say_which_way(staff_client: Client) -> None:
    make_expert(name="甲")

    body = staff_client.get(reverse("experts:expert_list"), {"sort": "name"}).content.decode()

    assert '<th scope="col" aria-sort="ascending"><a href="?sort=-name">姓名' in body
    assert '<th scope="col" aria-sort="none"><a href="?sort=age">年龄' in body


def test_numbered_pages_keep_the_filters_and_the_order(staff_client: Client) -> None:
    for n in range(60):
        make_expert(pool_number=f"GDQ-2026-{n + 1:04d}", region="shenzhen")

    body = staff_client.get(
        reverse("experts:expert_list"), {"region": "shenzhen", "sort": "name", "page": "2"}
    ).content.decode()

    nav = body[body.index('<nav class="pagination"') :]
    assert '<span aria-current="page">2</span>' in nav
    assert 'href="?region=shenzhen&amp;sort=name&amp;page=1"' in nav
    assert 'href="?region=shenzhen&amp;sort=name&amp;page=3"' in nav
    assert "第 2 / 3 页" in nav

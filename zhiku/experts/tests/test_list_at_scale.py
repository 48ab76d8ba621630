"""The staff list's count at scale: exact for a pool of realistic size, the database's estimate,
said to be one, where counting would be slow (PostgreSQL, a table of over 200,000 experts and a
large result; bench/experts.py times it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from zhiku.experts import selectors
from zhiku.experts.models import Expert
from zhiku.experts.tests.factories import make_expert

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def staff_client(make_user: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_user("staff", username="lister"))
    return client


def _rows(body: str) -> list[str]:
    return re.findall(r'<tr data-testid="expert-row">(.*?)</tr>', body, flags=re.S)


def test_a_pool_of_realistic_size_is_counted_exactly(staff_client: Client) -> None:
    for n in range(3):
        make_expert(name=f"专家{n}")

    body = staff_client.get(reverse("experts:expert_list")).content.decode()

    assert selectors.expert_count_estimate(Expert.objects.all()) is None
    assert "共 3 位专家。" in body and "估计" not in body
    assert len(_rows(body)) == 3


def test_an_estimated_count_is_said_to_be_one_rounded_and_pages_by_it(
    staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        make_expert(name=f"专家{n}")
    monkeypatch.setattr(selectors, "expert_count_estimate", lambda qs: 8797)

    body = staff_client.get(reverse("experts:expert_list")).content.decode()

    assert "约 8800 位专家（数据库的估计数" in body and "共 3 位专家" not in body
    assert "第 1 / 352 页" in body  # 8,797 / 25 per page
    assert len(_rows(body)) == 3  # the rows themselves are the real ones


@pytest.mark.parametrize(
    ("estimate", "shown"), [(8797, 8800), (1234, 1200), (964_321, 960_000), (45, 45)]
)
def test_the_estimate_is_shown_to_two_significant_figures(
    estimate: int, shown: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhiku.experts.views.workspace import ExpertPaginator

    monkeypatch.setattr(selectors, "expert_count_estimate", lambda qs: estimate)
    paginator = ExpertPaginator(Expert.objects.all(), 25)

    assert paginator.count == estimate and paginator.estimated
    assert paginator.rounded_count == shown


@pytest.mark.skipif(not POSTGRES, reason="估计数来自 PostgreSQL 的统计信息；SQLite 总是逐一计数")
def test_on_postgresql_a_large_table_and_result_take_the_planners_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for n in range(30):
        make_expert(name=f"专家{n}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE experts_expert")
    qs = Expert.objects.all()
    assert selectors.expert_count_estimate(qs) is None  # 30 rows: far below the scale

    monkeypatch.setattr(selectors, "ESTIMATE_FROM_TABLE_ROWS", 10)
    monkeypatch.setattr(selectors, "ESTIMATE_FROM_MATCHES", 10)

    assert selectors.expert_count_estimate(qs) == 30  # the statistics are fresh: exact here
    assert selectors.expert_count_estimate(qs.filter(name="专家1")) is None  # a small result

"""The demo data tells the truth: its history matches its dates, every expert of the pool meets
art. 6, and each organisation is where it really is."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import QuerySet
from django.utils import timezone

from zhiku.core.models import AuditEntry
from zhiku.experts import eligibility
from zhiku.experts.choices import OUTSIDE_GUANGDONG, Region, Status
from zhiku.experts.models import Expert, StatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    call_command("demo_seed", stdout=io.StringIO())


def registry_demo() -> QuerySet[Expert]:
    """The experts the registry's own demo step adds (other apps' demos add applicants)."""
    return Expert.objects.filter(email__regex=r"^demo[0-9]+@example\.org$")


def test_the_demo_experts_are_entered_and_admitted_on_the_day_it_is_seeded(demo: None) -> None:
    today = timezone.localdate()
    changes = StatusChange.objects.filter(expert__in=registry_demo()).exclude(
        to_value=Status.APPLICANT
    )

    assert changes.exists()
    for change in changes:
        assert change.effective_on == today == timezone.localtime(change.at).date(), change
    entered = AuditEntry.objects.filter(
        action="experts.expert.created",
        object_id__in=[str(pk) for pk in registry_demo().values_list("pk", flat=True)],
    )
    assert entered.count() == registry_demo().count() >= 30
    assert {timezone.localtime(e.at).date() for e in entered} == {today}
    pool_numbers = registry_demo().exclude(pool_number=None).values_list("pool_number", flat=True)
    assert {number[:8] for number in pool_numbers if number} == {f"GDQ-{today.year}"}


def test_every_demo_expert_of_the_pool_meets_article_6(demo: None) -> None:
    today = timezone.localdate()
    rules = eligibility.rules_on(today)
    pool = (
        registry_demo()
        .filter(status__in=(Status.ACTIVE, Status.SUSPENDED))
        .prefetch_related("employments")
    )

    # Conditions (1) and (5) are the machine's; none of the others may fail either ((3) is
    # always the reviewer's judgement, and the demo declares (2) and (4)).
    failing = {}
    for e in pool:
        result = eligibility.check(e.eligibility_profile(), on=today, rules=rules)
        fails = [c.reason for c in result.conditions if c.outcome == eligibility.Outcome.FAIL]
        if result.machine_outcome != eligibility.Outcome.PASS or fails:
            failing[e.name] = fails

    assert len(pool) >= 30
    assert failing == {}


def test_the_demo_organisations_are_in_their_own_cities(demo: None) -> None:
    def regions(organisation: str) -> set[str]:
        return set(
            registry_demo().filter(organisation=organisation).values_list("region", flat=True)
        )

    assert regions("美的集团股份有限公司") <= {Region.FOSHAN}
    assert regions("格力电器股份有限公司") <= {Region.ZHUHAI}
    outside = registry_demo().filter(region__in=OUTSIDE_GUANGDONG)
    assert outside.exists()
    assert not outside.filter(organisation__startswith="广东").exists()
    assert not outside.filter(
        organisation__in=("美的集团股份有限公司", "格力电器股份有限公司")
    ).exists()

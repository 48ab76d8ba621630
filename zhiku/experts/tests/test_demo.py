from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from zhiku.experts.models import Expert


@pytest.mark.django_db
def test_demo_seed_adds_forty_experts_once_one_of_them_the_demo_expert_account() -> None:
    # Recruitment's demo passes four applicants (accounts applicant1–8) into the registry too.
    registry = Expert.objects.exclude(user__username__startswith="applicant")
    call_command("demo_seed", stdout=StringIO())
    first = sorted(registry.values_list("id_number_hash", flat=True))
    call_command("demo_seed", stdout=StringIO())
    assert sorted(registry.values_list("id_number_hash", flat=True)) == first
    assert len(first) == 40
    assert Expert.objects.get(user__username="expert").name == "郑博文"

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from zhiku.experts.models import Expert


@pytest.mark.django_db
def test_demo_seed_adds_forty_experts_once_one_of_them_the_demo_expert_account() -> None:
    call_command("demo_seed", "--quiet-accounts", stdout=StringIO())
    first = sorted(Expert.objects.values_list("id_number_hash", flat=True))
    call_command("demo_seed", "--quiet-accounts", stdout=StringIO())
    assert sorted(Expert.objects.values_list("id_number_hash", flat=True)) == first
    assert len(first) == 40
    assert Expert.objects.get(user__username="expert").name == "郑博文"

"""Saving a catalogue field with a number that is no number (found by the fuzz tests)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.experts.models import ExpertiseField

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pk", ["<script>x</script>", "1.5", "²", "-1", "99999999999999999999"])
def test_a_field_number_that_is_no_number_is_not_found(client: Client, staff: Any, pk: str) -> None:
    client.force_login(staff)
    before = ExpertiseField.objects.count()
    response = client.post(
        reverse("experts:catalogue_field_save"), {"pk": pk, "code": "99", "name": "新领域"}
    )
    assert response.status_code == 404
    assert ExpertiseField.objects.count() == before

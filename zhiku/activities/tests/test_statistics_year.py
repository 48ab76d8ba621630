"""The draws' statistics page with a year the database cannot bound (found by the fuzz tests)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.activities.tests.factories import operator

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", ["0", "-5", "10000", "99999999999999999999"])
def test_a_year_out_of_range_shows_this_year_instead_of_a_server_error(
    client: Client, year: str, catalogues: Any
) -> None:
    client.force_login(operator())
    response = client.get(reverse("activities:draw_statistics"), {"year": year})
    assert response.status_code == 200

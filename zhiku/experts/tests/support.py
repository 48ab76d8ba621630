"""Helpers of the registry's tests for issue 9 (items 3, 6, 11, 12, 13): the staff form's data,
full-width spellings, an identity number ending in X, and an import run end to end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from zhiku.experts.models import ExpertiseField, ImportJob
from zhiku.experts.tests.factories import resident_number, roster_file

# 10:30 on a Friday in Guangzhou: every "today" of these tests.
NOW = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 27)
BIRTH = dt.date(1968, 3, 8)

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def full_width(text: str) -> str:
    """Return ``text`` with its digits typed full-width (as a Chinese input method does)."""
    return text.translate(_FULL_WIDTH)


def number_ending_in_x(birth: dt.date = BIRTH, *, male: bool = False) -> str:
    """Return a valid resident number of ``birth`` whose check character is X."""
    for serial in range(1000):
        number = resident_number(birth, serial)
        if number.endswith("X") and int(number[16]) % 2 == int(male):
            return number
    raise AssertionError("no serial gives X")  # pragma: no cover - one in eleven does


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(**overrides: Any) -> dict[str, Any]:
    """Return a valid POST of the staff's add form: a woman born 1968-03-08, twelve years in
    the field, who passes art. 6 and is admitted."""
    data: dict[str, Any] = {
        "name": "欧阳质",
        "gender": "female",
        "birth_date": BIRTH.isoformat(),
        "id_type": "resident",
        "id_number": resident_number(BIRTH, 20),
        "mobile": "13600001111",
        "email": "",
        "organisation": "广东省计量科学研究院",
        "org_type": "research",
        "title_level": "senior",
        "region": "guangzhou",
        "primary_field": ExpertiseField.objects.get(code="03.01").pk,
        "work_history": "广东省计量科学研究院，2014-03，至今，是",
        "ethics_declared": "on",
        "health_declared": "on",
        "admit": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def import_rows(
    client: Client, rows: list[dict[str, Any]], capture: Any, *, admit: bool = True
) -> ImportJob:
    """Upload ``rows`` in the downloaded template as ``client`` and return the finished job."""
    template = client.get(reverse("experts:import_template")).content
    post: dict[str, Any] = {"file": SimpleUploadedFile("名单.xlsx", roster_file(template, rows))}
    if admit:
        post["admit"] = "on"
    with capture(execute=True):
        client.post(reverse("experts:import_start"), post)
    return ImportJob.objects.order_by("-pk").first()  # type: ignore[return-value]

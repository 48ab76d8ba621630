"""Rules that must hold in the services and on the pages, each with a test that a deliberate bug
would turn red: the parameters in force on the profile page, rights checked in the services
(not only the views), the pool-number counter, the review right for the age exception."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhiku.accounts.models import Right
from zhiku.core.errors import AccessDenied
from zhiku.core.models import ParameterChange
from zhiku.experts import services
from zhiku.experts.choices import SpecialCategory, Status
from zhiku.experts.models import Expert, ExpertiseField, ImportJob
from zhiku.experts.rules import WorkPeriod
from zhiku.experts.tests.factories import (
    create,
    make_expert,
    resident_number,
    roster_file,
    roster_row,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def condition_5(body: str) -> str:
    """The text of the age row of the profile page's eligibility table."""
    start = body.index("（五）年龄")
    return body[start : body.index("</tr>", start)]


@time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False)
def test_profile_page_uses_the_age_limit_in_force_not_the_default(
    make_user: Callable[..., Any],
) -> None:
    staff = make_user("staff", username="clerk")
    ParameterChange.objects.create(
        key="age_limit",
        to_value=60,
        effective_on=date(2026, 1, 1),
        reason="理事会决议",
        actor=staff,
        at=timezone.now(),
    )
    expert = make_expert(birth_date=date(1963, 5, 1), years_in_field=10)  # 63 on TODAY

    body = (
        client_for(staff).get(reverse("experts:expert_detail", args=[expert.pk])).content.decode()
    )

    row = condition_5(body)
    assert "不符合" in row
    assert "60 周岁" in row


@time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False)
def test_profile_page_applies_the_exception_of_an_academician(
    make_user: Callable[..., Any],
) -> None:
    staff = make_user("staff", username="clerk")
    expert = make_expert(
        birth_date=date(1958, 5, 1),  # 68 on TODAY
        special_categories=[SpecialCategory.ACADEMICIAN],
        statutory_retirement_age=70,
        years_in_field=30,
    )

    body = (
        client_for(staff).get(reverse("experts:expert_detail", args=[expert.pk])).content.decode()
    )

    row = condition_5(body)
    assert "符合" in row and "不符合" not in row
    assert "院士" in row and "70 周岁" in row


def test_the_export_service_itself_refuses_staff_without_the_export_right(
    make_user: Callable[..., Any],
) -> None:
    clerk = make_user("staff", username="clerk", rights=(Right.REVEAL_PERSONAL_DATA,))
    now = timezone.now()

    with pytest.raises(AccessDenied, match="导出数据"):
        services.expert_list_export(actor=clerk, filters={}, today=now.date(), now=now)


def test_the_error_file_service_itself_serves_only_the_uploader(
    make_user: Callable[..., Any], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    owner = make_user("staff", username="owner", rights=(Right.REVIEW_APPLICATIONS,))
    other = make_user("staff", username="other", rights=(Right.REVIEW_APPLICATIONS,))
    (tmp_path / "imports" / "errors").mkdir(parents=True)
    (tmp_path / "imports" / "errors" / "marked.xlsx").write_bytes(b"marked")
    job = ImportJob.objects.create(
        created_by=owner,
        created_at=timezone.now(),
        finished_at=timezone.now(),
        status=ImportJob.Status.REJECTED,
        file_name="名单.xlsx",
        error_file="imports/errors/marked.xlsx",
    )

    with pytest.raises(services.ExpertError):
        services.import_error_file_open(actor=other, job=job, now=timezone.now())
    given = services.import_error_file_open(actor=owner, job=job, now=timezone.now())
    assert b"".join(given) == b"marked"


@time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False)
def test_an_import_continues_the_years_pool_numbers_after_admissions_by_hand(
    make_user: Callable[..., Any],
    settings: Any,
    tmp_path: Path,
    catalogues: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    reviewer = make_user("staff", username="rev", rights=(Right.REVIEW_APPLICATIONS,))
    by_hand = [
        services.expert_create(
            actor=reviewer,
            profile={
                "name": f"手工{n}",
                "gender": "male" if n % 2 else "female",  # as the 17th digit of 900 + n says
                "birth_date": date(1970, 1, 1),
                "id_type": "resident",
                "organisation": "单位",
                "org_type": "university",
                "title_level": "senior",
                "region": "guangzhou",
            },
            id_number=resident_number(date(1970, 1, 1), 900 + n),
            mobile="",
            primary_field=ExpertiseField.objects.get(code="03.01"),
            admit_on=TODAY,
            work_history=[WorkPeriod("单位", date(2000, 1, 1), None, True)],
        )
        for n in range(2)
    ]
    assert [e.pool_number for e in by_hand] == ["GDQ-2026-0001", "GDQ-2026-0002"]
    client = client_for(reviewer)
    template = client.get(reverse("experts:import_template")).content

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("experts:import_start"),
            {
                "file": SimpleUploadedFile(
                    "名单.xlsx", roster_file(template, [roster_row(n) for n in range(3)])
                ),
                "admit": "on",
            },
        )

    imported = list(
        Expert.objects.filter(name__startswith="导入专家")
        .order_by("pool_number")
        .values_list("pool_number", flat=True)
    )
    assert imported == ["GDQ-2026-0003", "GDQ-2026-0004", "GDQ-2026-0005"]


def test_the_age_exception_needs_the_review_right_in_the_service_and_on_the_page(
    make_user: Callable[..., Any], catalogues: None
) -> None:
    reviewer = make_user("staff", username="rev", rights=(Right.REVIEW_APPLICATIONS,))
    plain = make_user("staff", username="plain")
    expert = create(reviewer)

    with pytest.raises(AccessDenied, match="审核入库申请"):
        services.expert_age_override(actor=plain, expert=expert, reason="德高望重")
    response = client_for(plain).post(
        reverse("experts:expert_age_override", args=[expert.pk]),
        {"reason": "德高望重"},
        follow=True,
    )

    assert "审核入库申请" in response.content.decode()
    expert.refresh_from_db()
    assert expert.age_override_reason == ""
    assert expert.status == Status.ACTIVE

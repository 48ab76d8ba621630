from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from zhiku.experts.choices import Status as ExpertStatus
from zhiku.recruitment import rules, selectors
from zhiku.recruitment.models import (
    Announcement,
    Application,
    Call,
    Certificate,
    DeliberationRound,
    Notice,
    Objection,
)


@pytest.fixture(autouse=True)
def a_day_with_a_calendar() -> Iterator[None]:
    """Seed on a fixed day: its notices count working days in years the calendar covers."""
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, tzinfo=rules.SHANGHAI), tick=True):
        yield


@pytest.mark.django_db
def test_demo_seed_adds_two_calls_an_application_in_every_state_and_a_round_in_progress() -> None:
    out = StringIO()
    call_command("demo_seed", stdout=out)
    assert "征集通知" in out.getvalue()
    assert Call.objects.count() == 2
    assert set(Application.objects.values_list("status", flat=True)) == set(
        Application.Status.values
    )
    rounds = DeliberationRound.objects.order_by("opened_at")
    assert [(r.status, r.outcome) for r in rounds] == [
        ("closed", "decided"),
        ("closed", "decided"),
        ("open", ""),
    ]
    call_command("demo_seed", stdout=StringIO())
    assert Application.objects.count() == 13
    assert Call.objects.count() == 2


@pytest.mark.django_db
def test_demo_has_a_notice_running_one_ended_objections_in_every_state_and_certificates() -> None:
    out = StringIO()
    call_command("demo_seed", stdout=out)
    now = timezone.now()
    phases = sorted(selectors.notice_phase(n, now) for n in Notice.objects.all())
    assert phases == ["ended", "running"]
    assert set(Objection.objects.values_list("status", flat=True)) == set(Objection.Status.values)
    certificates = list(Certificate.objects.select_related("expert", "file"))
    assert [c.expert.name for c in certificates] == ["何志远", "黄启明"]
    assert all(c.file is not None for c in certificates)
    assert {c.expert.status for c in certificates} == {ExpertStatus.ACTIVE}
    # The exits' demo announces exits on the same list; recruitment's is the one admission.
    assert Announcement.objects.filter(kind=Announcement.Kind.ADMISSION).count() == 1
    assert "批准入库 何志远（GDQ-" in out.getvalue()

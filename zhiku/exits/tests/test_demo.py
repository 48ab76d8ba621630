"""The demo holds an exit case in every step, one raised by the system, and adds nothing when
seeded again."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from zhiku.exits.choices import CaseStatus, Ground, Source
from zhiku.exits.models import ExitCase
from zhiku.experts.choices import Status
from zhiku.recruitment.models import Announcement

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_case_in_every_step_one_raised_by_the_system(catalogues: None) -> None:
    out = io.StringIO()
    call_command("demo_seed", stdout=out)

    cases = list(ExitCase.objects.select_related("expert"))
    assert {c.status for c in cases} == set(CaseStatus.values), out.getvalue()
    (system,) = [c for c in cases if c.source == Source.SYSTEM]
    assert system.ground == Ground.ABSENCES and len(system.basis["absences"]) == 2
    assert system.expert.status == Status.SUSPENDED and system.expert.status_hold
    exited = [c for c in cases if c.status == CaseStatus.EXITED]
    assert {c.expert.status for c in exited} == {Status.EXITED}
    assert [c.barred_until is not None for c in sorted(exited, key=lambda c: c.pk)] == [
        False,
        True,
    ]
    assert Announcement.objects.filter(kind=Announcement.Kind.EXIT).count() == 1
    for case in cases:
        if case.status in (CaseStatus.NOTIFIED, CaseStatus.EXITED):
            assert case.notice_file is not None

    again = io.StringIO()
    call_command("demo_seed", stdout=again)
    assert ExitCase.objects.count() == len(cases)

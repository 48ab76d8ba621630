"""Refusals of signed-in users are in the audit trail, once each, and cannot flood it."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import AccessRefusal, Right, Role, User
from zhiku.accounts.refusals import PAGES_A_DAY, is_milestone
from zhiku.core.models import AuditEntry
from zhiku.core.tests.test_url_policies import EXPECTED

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _refusals() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="accounts.access.refused").order_by("seq"))


def _expert_forbidden_pages() -> list[str]:
    """Every page an expert may not open, from the URL walker's table (GET-able or not)."""
    return [
        reverse(name, kwargs=kwargs)
        for name, (kwargs, allowed) in EXPECTED.items()
        if "expert" not in allowed and "anonymous" not in allowed
    ]


def test_an_expert_opening_staff_audit_and_account_pages_leaves_one_entry_each(
    make_user: Any,
) -> None:
    expert = make_user(Role.EXPERT, username="curious.expert")
    client = _client(expert)
    # The probe of the report (27 staff, audit and account URLs), up to the pages a day that
    # each get their own entry.
    pages = _expert_forbidden_pages()[:PAGES_A_DAY]
    assert len(pages) >= 27

    with time_machine.travel(NOON, tick=False):
        for url in pages:
            assert client.get(url).status_code == 403, url

    entries = _refusals()
    assert len(entries) == len(pages)
    assert {e.data["path"] for e in entries} == set(pages)
    audit = next(e for e in entries if e.data["path"] == reverse("core:audit_list"))
    assert audit.actor == expert
    assert audit.ip == "127.0.0.1"
    assert audit.data["view"] == "core:audit_list"
    assert audit.data["policy"] == "roles:auditor"
    assert audit.data["policy_label"] == "审计员"
    assert audit.data["method"] == "GET"
    assert audit.data["times"] == 1


def test_the_refusing_right_is_named(make_user: Any) -> None:
    client = _client(make_user(Role.STAFF, username="plain.staff"))

    client.get(reverse("experts:import_page"))

    (entry,) = _refusals()
    assert entry.data["policy"] == "roles:staff+review_applications"
    assert entry.data["policy_label"] == "工作人员（须持有“审核入库申请”权限）"


def test_a_script_repeating_one_refusal_writes_a_few_entries_with_the_count(
    make_user: Any,
) -> None:
    client = _client(make_user(Role.EXPERT, username="script"))
    # Different objects of one page count together: the page is its URL name.
    urls = [reverse("experts:expert_detail", kwargs={"pk": n}) for n in range(1, 121)]

    with time_machine.travel(NOON, tick=False):
        for url in urls:
            assert client.get(url).status_code == 403

    assert [e.data["times"] for e in _refusals()] == [1, 10, 100]
    tally = AccessRefusal.objects.get()
    assert (tally.count, tally.view_name, tally.first_path) == (
        120,
        "experts:expert_detail",
        urls[0],
    )


def test_the_next_day_the_first_refusal_is_recorded_again(make_user: Any) -> None:
    expert = make_user(Role.EXPERT, username="daily")
    with time_machine.travel(NOON, tick=False) as clock:
        client = _client(expert)
        client.get(reverse("core:audit_list"))
        client.get(reverse("core:audit_list"))
        clock.shift(dt.timedelta(days=1))
        client = _client(expert)  # the idle session ended overnight
        client.get(reverse("core:audit_list"))

    assert [e.data["times"] for e in _refusals()] == [1, 1]


def test_beyond_the_pages_of_a_day_refusals_are_counted_together(make_user: Any) -> None:
    from zhiku.accounts.refusals import access_refusal_record
    from zhiku.core.permissions import AUDITOR

    user = make_user(Role.EXPERT, username="walker")
    for n in range(PAGES_A_DAY + 25):
        access_refusal_record(
            actor=user,
            path=f"/p{n}/",
            view_name=f"page{n}",
            method="GET",
            policy=AUDITOR,
            now=NOON,
        )

    entries = _refusals()
    assert len(entries) == PAGES_A_DAY + 2  # one per page, then the 1st and 10th of the rest
    assert entries[PAGES_A_DAY].data["view"] == "*"
    assert "其余合并计数" in entries[PAGES_A_DAY].data["policy_label"]
    assert AccessRefusal.objects.get(view_name="*").count == 25


def test_a_service_refusal_reaching_the_page_is_recorded(make_user: Any) -> None:
    """A view that lets staff in, whose service then refuses: the service's policy is named."""
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory

    from zhiku.core.errors import AccessDenied
    from zhiku.core.permissions import EXPORTER, STAFF, policy

    @policy(STAFF)
    def export(request: HttpRequest) -> HttpResponse:
        EXPORTER.require(request.user)
        return HttpResponse("file")

    staff = make_user(Role.STAFF, username="no.export")
    request = RequestFactory().get("/export/")
    request.user = staff
    with pytest.raises(AccessDenied) as refused:
        export(request)

    from zhiku.core.middleware import DomainErrorMiddleware

    request.session = {}  # type: ignore[assignment]
    response = DomainErrorMiddleware(lambda r: HttpResponse()).process_exception(
        request, refused.value
    )
    assert response is not None and response.status_code == 403
    (entry,) = _refusals()
    assert entry.data["policy"] == "roles:staff+export_data"


def test_a_refused_button_is_recorded(make_user: Any) -> None:
    """A small POST action whose service refuses goes back with the message, and is recorded."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    from zhiku.core.http import act
    from zhiku.core.permissions import REVEALER

    staff = make_user(Role.STAFF, username="button")
    request = RequestFactory().post("/x/")
    request.user = staff
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]

    act(request, lambda: REVEALER.require(staff), back="/back/", success="ok")

    (entry,) = _refusals()
    assert entry.data["policy"] == "roles:staff+reveal_personal_data"


def test_anonymous_visitors_are_sent_to_login_and_not_recorded(client: Client) -> None:
    response = client.get(reverse("core:audit_list"))
    assert response.status_code == 302
    assert _refusals() == []


def test_an_allowed_page_records_nothing(make_user: Any) -> None:
    client = _client(make_user(Role.STAFF, username="ok", rights=(Right.EXPORT_DATA,)))
    assert client.get(reverse("accounts:password_change")).status_code == 200
    assert _refusals() == []


def test_a_refusal_is_one_log_line_naming_user_and_policy(
    make_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(make_user(Role.EXPERT, username="logged"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse("core:audit_list"))

    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None
    line = logging.Formatter().format(record)
    assert "\n" not in line
    assert "/workspace/audit/" in line
    assert "user=logged" in line and "policy=roles:auditor" in line


@pytest.mark.parametrize(
    ("count", "recorded"),
    [(1, True), (2, False), (9, False), (10, True), (11, False), (100, True), (1000, True)],
)
def test_milestones_are_the_powers_of_ten(count: int, recorded: bool) -> None:
    assert is_milestone(count) is recorded

"""Walk every URL pattern as every audience and compare with the declared table of who may reach what.

A new view must (1) declare a policy with ``zhiku.core.permissions.policy`` and (2) be listed in
``EXPECTED`` below; otherwise this test fails. An audience "reaches" a URL when the response is
neither a redirect to the login page nor 403 (and 404 for a sample object counts as reached:
the policy let the request through).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from zhiku.accounts.models import Right
from zhiku.core.permissions import iter_patterns, policy_of

ANON = "anonymous"
STAFF = "staff"  # staff without any right
STAFF_ALL = "staff+all"  # staff holding every right
COUNCIL = "council"
SUPERVISOR = "supervisor"
SECURITY_ADMIN = "security_admin"
AUDITOR = "auditor"
EXPERT = "expert"

# staff+<right> audiences: staff holding only that one right.
STAFF_ONE = {r: f"staff+{r}" for r in Right.values}

SIGNED_IN = {
    STAFF,
    STAFF_ALL,
    *STAFF_ONE.values(),
    COUNCIL,
    SUPERVISOR,
    SECURITY_ADMIN,
    AUDITOR,
    EXPERT,
}
EVERYONE = {ANON} | SIGNED_IN
ALL_STAFF = {STAFF, STAFF_ALL, *STAFF_ONE.values()}


def staff_with(right: str) -> set[str]:
    return {STAFF_ALL, STAFF_ONE[right]}


# URL name -> (sample kwargs, audiences that may reach it). Every named pattern must be here.
EXPECTED: dict[str, tuple[dict[str, Any], set[str]]] = {
    "portal:home": ({}, EVERYONE),
    "portal:about": ({}, EVERYONE),
    "accounts:login": ({}, EVERYONE),
    "accounts:logout": ({}, EVERYONE),
    "accounts:password_change": ({}, SIGNED_IN),
    "accounts:password_change_done": ({}, SIGNED_IN),
    "accounts:password_reset": ({}, EVERYONE),
    "accounts:password_reset_done": ({}, EVERYONE),
    "accounts:password_reset_confirm": ({"uidb64": "MQ", "token": "x-y"}, EVERYONE),
    "accounts:password_reset_complete": ({}, EVERYONE),
    "accounts:account_list": ({}, {SECURITY_ADMIN}),
    "accounts:account_create": ({}, {SECURITY_ADMIN}),
    "accounts:account_detail": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:account_send_activation": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:account_action": ({"pk": 1, "action": "grant"}, {SECURITY_ADMIN}),
    "core:home_redirect": ({}, SIGNED_IN),
    "core:staff_home": ({}, ALL_STAFF),
    "core:council_home": ({}, {COUNCIL}),
    "core:supervisor_home": ({}, {SUPERVISOR}),
    "core:audit_list": ({}, {AUDITOR}),
    "core:audit_export": ({}, {AUDITOR}),
    "core:workday_calendar_today": ({}, staff_with(Right.EDIT_POLICY)),
    "core:workday_calendar": ({"year": 2027}, staff_with(Right.EDIT_POLICY)),
    "core:workday_toggle": ({}, staff_with(Right.EDIT_POLICY)),
    "core:calendar_year_complete": ({"year": 2027}, staff_with(Right.EDIT_POLICY)),
    "core:policy_list": ({}, staff_with(Right.EDIT_POLICY)),
    "core:policy_detail": ({"key": "age_limit"}, staff_with(Right.EDIT_POLICY)),
    "experts:portal_home": ({}, {EXPERT}),
    # --- expert registry (issue 4) ---
    "experts:portal_change": ({}, {EXPERT}),
    "experts:portal_declarations": ({}, {EXPERT}),
    "experts:portal_conflict_add": ({}, {EXPERT}),
    "experts:portal_conflict_withdraw": ({"pk": 1}, {EXPERT}),
    "experts:portal_unfamiliar_set": ({}, {EXPERT}),
    "experts:portal_unavailability_add": ({}, {EXPERT}),
    "experts:portal_unavailability_remove": ({"pk": 1}, {EXPERT}),
    "experts:portal_exit": ({}, {EXPERT}),
    "registry:expert_list": ({}, ALL_STAFF),
    "registry:expert_create": ({}, ALL_STAFF),
    "registry:expert_detail": ({"pk": 1}, ALL_STAFF),
    "registry:expert_edit": ({"pk": 1}, ALL_STAFF),
    "registry:expert_reveal": (
        {"pk": 1, "what": "identity"},
        staff_with(Right.REVEAL_PERSONAL_DATA),
    ),
    "registry:expert_status": ({"pk": 1}, ALL_STAFF),
    "registry:expert_age_override": ({"pk": 1}, ALL_STAFF),
    "registry:employment_add": ({"pk": 1}, ALL_STAFF),
    "registry:employment_remove": ({"pk": 1, "item": 1}, ALL_STAFF),
    "registry:change_request_list": ({}, ALL_STAFF),
    "registry:change_request_decide": ({"pk": 1}, ALL_STAFF),
    "registry:catalogue": ({}, ALL_STAFF),
    "registry:catalogue_field_save": ({}, ALL_STAFF),
    "registry:catalogue_industry_rename": ({"pk": 1}, ALL_STAFF),
    # --- Excel import and export (issue 5) ---
    # Policy STAFF, but the view refuses (403, logged) without the export right.
    "registry:expert_export": ({}, staff_with(Right.EXPORT_DATA)),
    "registry:import_page": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "registry:import_start": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "registry:import_template": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "registry:import_job_detail": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "registry:import_job_progress": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "registry:import_job_errors": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
}


def _audience_users(make_user: Callable[..., Any]) -> dict[str, Any]:
    users: dict[str, Any] = {ANON: None}
    for role in (COUNCIL, SUPERVISOR, SECURITY_ADMIN, AUDITOR, EXPERT):
        users[role] = make_user(role, username=f"walker-{role}")
    users[STAFF] = make_user("staff", username="walker-staff")
    users[STAFF_ALL] = make_user("staff", username="walker-staff-all", rights=tuple(Right.values))
    for right, audience in STAFF_ONE.items():
        users[audience] = make_user("staff", username=f"walker-{right}", rights=(right,))
    return users


def reached(client: Client, url: str) -> bool:
    response = client.get(url)
    if response.status_code == 403:
        return False
    location = response.headers.get("Location", "")
    return not (response.status_code == 302 and reverse("accounts:login") in location)


def walk(urlconf: str | None, users: dict[str, Any]) -> list[str]:
    """Return every difference between the URL patterns and ``EXPECTED``; empty when they agree."""
    problems: list[str] = []
    seen: set[str] = set()
    for route, name, callback in iter_patterns(get_resolver(urlconf).url_patterns):
        if policy_of(callback) is None:
            problems.append(f"{route}: view has no policy")
            continue
        if not name:
            problems.append(f"{route}: pattern has no name, so it cannot be in EXPECTED")
            continue
        if name not in EXPECTED:
            problems.append(f"{name}: not declared in EXPECTED")
            continue
        seen.add(name)
        kwargs, allowed = EXPECTED[name]
        url = reverse(name, kwargs=kwargs, urlconf=urlconf)
        for audience, user in users.items():
            client = Client()
            if user is not None:
                client.force_login(user)
            got = reached(client, url)
            want = audience in allowed
            if got and not want:
                problems.append(f"{name}: {audience} was let in but should be refused")
            elif want and not got:
                problems.append(f"{name}: {audience} was refused but should be let in")
    if urlconf is None:
        problems += [f"{n}: in EXPECTED but no such URL" for n in EXPECTED.keys() - seen]
    return problems


@pytest.mark.django_db
def test_every_url_admits_exactly_the_declared_audiences(make_user: Callable[..., Any]) -> None:
    assert walk(None, _audience_users(make_user)) == []


urlpatterns: list[Any] = []  # replaced by the self-test below


@pytest.mark.django_db
def test_walker_fails_on_a_view_without_policy(
    make_user: Callable[..., Any], settings: Any
) -> None:
    from django.http import HttpResponse
    from django.urls import include, path

    def forgotten(request: Any) -> HttpResponse:
        return HttpResponse("no policy here")

    global urlpatterns
    urlpatterns = [path("", include("zhiku.urls")), path("forgotten/", forgotten, name="forgotten")]
    settings.ROOT_URLCONF = __name__
    try:
        problems = walk(__name__, {ANON: None})
    finally:
        urlpatterns = []
    assert "forgotten/: view has no policy" in problems


@pytest.mark.django_db
def test_walker_fails_on_an_unexpected_allow(make_user: Callable[..., Any], settings: Any) -> None:
    from django.http import HttpResponse
    from django.urls import include, path

    from zhiku.core import permissions as perm

    global urlpatterns

    # A staff page by its declared audience, but given the public policy by mistake.
    @perm.policy(perm.PUBLIC)
    def leaky(request: Any) -> HttpResponse:
        return HttpResponse("staff data")

    urlpatterns = [
        path("", include("zhiku.urls")),
        path("leaky/", leaky, name="leaky"),
    ]
    settings.ROOT_URLCONF = __name__
    EXPECTED["leaky"] = ({}, ALL_STAFF)
    try:
        problems = walk(__name__, {ANON: None})
    finally:
        urlpatterns = []
        del EXPECTED["leaky"]
    assert any(p.startswith("leaky: anonymous was let in") for p in problems), problems


def test_system_check_names_a_view_without_policy(settings: Any) -> None:
    from django.http import HttpResponse
    from django.urls import path

    from zhiku.core.checks import every_view_has_a_policy

    global urlpatterns
    urlpatterns = [path("bare/", lambda r: HttpResponse(""), name="bare")]
    settings.ROOT_URLCONF = __name__
    try:
        errors = every_view_has_a_policy()
    finally:
        urlpatterns = []
    assert [e.id for e in errors] == ["zhiku.E001"]
    assert "bare/" in errors[0].msg

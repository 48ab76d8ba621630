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
    "accounts:account_security": ({}, SIGNED_IN),
    "accounts:otp_verify": ({}, SIGNED_IN),
    "accounts:otp_enrol": ({}, SIGNED_IN),
    "accounts:otp_recovery_codes": ({}, SIGNED_IN),
    "accounts:otp_recovery_renew": ({}, SIGNED_IN),
    "accounts:otp_remove": ({}, SIGNED_IN),
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
    "accounts:account_grant": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:account_revoke": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:account_set_role": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:account_activate": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:account_deactivate": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:account_unlock": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:account_second_factor_reset": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:approval_list": ({}, {SECURITY_ADMIN}),
    "accounts:approval_detail": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:approval_approve": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:approval_refuse": ({"pk": 1}, {SECURITY_ADMIN}),
    "accounts:approval_withdraw": ({"pk": 1}, {SECURITY_ADMIN}),
    "core:home_redirect": ({}, SIGNED_IN),
    "core:dashboard": ({}, ALL_STAFF),
    "core:council_home": ({}, {COUNCIL}),
    "core:supervisor_home": ({}, {SUPERVISOR}),
    "core:audit_list": ({}, {AUDITOR}),
    "core:audit_export": ({}, {AUDITOR}),
    "core:workday_calendar_today": ({}, staff_with(Right.EDIT_PARAMETERS)),
    "core:workday_calendar": ({"year": 2027}, staff_with(Right.EDIT_PARAMETERS)),
    "core:workday_toggle": ({}, staff_with(Right.EDIT_PARAMETERS)),
    "core:calendar_year_complete": ({"year": 2027}, staff_with(Right.EDIT_PARAMETERS)),
    "core:parameter_list": ({}, staff_with(Right.EDIT_PARAMETERS)),
    "core:parameter_detail": ({"key": "age_limit"}, staff_with(Right.EDIT_PARAMETERS)),
    # Addresses of the previous release: public redirects to their new place (which then
    # applies its own policy).
    "core:legacy_staff_home": ({}, EVERYONE),
    "core:legacy_policy": ({"rest": "age_limit/"}, EVERYONE),
    "legacy_expert_area": ({"rest": "change/"}, EVERYONE),
    # --- activities and draws (the supervisor's home among them) ---
    "activities:activity_list": ({}, ALL_STAFF),
    "activities:activity_create": ({}, ALL_STAFF),
    "activities:activity_detail": ({"pk": 1}, ALL_STAFF),
    "activities:activity_edit": ({"pk": 1}, ALL_STAFF),
    "activities:activity_close": ({"pk": 1}, ALL_STAFF),
    "activities:draw_setup": ({"pk": 1}, staff_with(Right.RUN_DRAWS)),
    "activities:alias_list": ({}, ALL_STAFF),
    "activities:alias_remove": ({"pk": 1}, ALL_STAFF),
    "activities:draw_list": ({}, ALL_STAFF),
    "activities:draw_statistics": ({}, ALL_STAFF),
    "activities:draw_detail": ({"pk": 1}, ALL_STAFF),
    "activities:draw_lottery": ({"pk": 1}, staff_with(Right.RUN_DRAWS)),
    "activities:draw_topup": ({"pk": 1}, staff_with(Right.RUN_DRAWS)),
    "activities:draw_cancel": ({"pk": 1}, staff_with(Right.RUN_DRAWS)),
    "activities:draw_publish": ({"pk": 1}, staff_with(Right.RUN_DRAWS)),
    "activities:draw_record": ({"pk": 1}, ALL_STAFF),
    "activities:draw_sheet": ({"pk": 1}, staff_with(Right.RUN_DRAWS)),
    # Invitations, designations, attendance and fees: every member of staff reaches the pages;
    # the services let only the activity's staff act (and see names while it is open).
    "activities:my_work": ({}, ALL_STAFF),
    "activities:invitations_send": ({"pk": 1}, ALL_STAFF),
    "activities:invitation_detail": ({"pk": 1}, ALL_STAFF),
    "activities:invitation_letter": ({"pk": 1}, ALL_STAFF),
    "activities:designation_create": ({"pk": 1}, ALL_STAFF),
    "activities:designation_list": ({}, ALL_STAFF),
    "activities:designation_detail": ({"pk": 1}, ALL_STAFF),
    "activities:designation_approve": ({"pk": 1}, staff_with(Right.APPROVE_DESIGNATIONS)),
    "activities:designation_refuse": ({"pk": 1}, staff_with(Right.APPROVE_DESIGNATIONS)),
    "activities:designation_withdraw": ({"pk": 1}, ALL_STAFF),
    "activities:attendance": ({"pk": 1}, ALL_STAFF),
    "activities:fee_add": ({"pk": 1}, ALL_STAFF),
    "activities:fee_remove": ({"pk": 1}, ALL_STAFF),
    "activities:fee_list": ({}, ALL_STAFF),
    "activities:fee_export": ({}, staff_with(Right.EXPORT_DATA)),
    "activities:recommendation_add": ({"pk": 1}, ALL_STAFF),
    # An invitation's personal link: anyone holding it (a wrong one is 404, audited).
    "invitations:answer": ({"token": "x"}, EVERYONE),
    "invitations:letter": ({"token": "x"}, EVERYONE),
    "activities:supervisor_home": ({}, {SUPERVISOR}),
    "activities:supervisor_draw": ({"pk": 1}, {SUPERVISOR}),
    "draws:draw_list": ({}, EVERYONE),
    "draws:draw_detail": ({"token": "x"}, EVERYONE),
    "draws:draw_record": ({"token": "x"}, EVERYONE),
    # --- the expert area ---
    "me:home": ({}, {EXPERT}),
    "me:change": ({}, {EXPERT}),
    "me:personal_data": ({}, {EXPERT}),
    "me:declarations": ({}, {EXPERT}),
    "me:conflict_add": ({}, {EXPERT}),
    "me:conflict_withdraw": ({"pk": 1}, {EXPERT}),
    "me:unfamiliar_set": ({}, {EXPERT}),
    "me:unavailability_add": ({}, {EXPERT}),
    "me:unavailability_remove": ({"pk": 1}, {EXPERT}),
    "me:invitation_list": ({}, {EXPERT}),
    "me:invitation_detail": ({"pk": 1}, {EXPERT}),
    "me:invitation_letter": ({"pk": 1}, {EXPERT}),
    "experts:expert_list": ({}, ALL_STAFF),
    # Adding an expert checks the identity number against the pool: the review right.
    "experts:expert_create": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "experts:expert_detail": ({"pk": 1}, ALL_STAFF),
    "experts:expert_edit": ({"pk": 1}, ALL_STAFF),
    "experts:expert_reveal": (
        {"pk": 1, "what": "identity"},
        staff_with(Right.REVEAL_PERSONAL_DATA),
    ),
    "experts:expert_status": ({"pk": 1}, ALL_STAFF),
    "experts:expert_age_override": ({"pk": 1}, ALL_STAFF),
    "experts:expert_admit": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "experts:expert_legacy_review": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "experts:expert_invite": ({"pk": 1}, ALL_STAFF),
    "experts:employment_add": ({"pk": 1}, ALL_STAFF),
    "experts:employment_remove": ({"pk": 1, "item": 1}, ALL_STAFF),
    "experts:change_request_list": ({}, ALL_STAFF),
    "experts:change_request_decide": ({"pk": 1}, ALL_STAFF),
    # Exit requests are exit cases now: the old page redirects to the exits app's list.
    "experts:exit_request_list": ({}, EVERYONE),
    "experts:catalogue": ({}, ALL_STAFF),
    "experts:catalogue_field_save": ({}, ALL_STAFF),
    "experts:catalogue_industry_rename": ({"pk": 1}, ALL_STAFF),
    "experts:value_alias_list": ({}, ALL_STAFF),
    "experts:value_alias_create": ({}, ALL_STAFF),
    "experts:value_alias_delete": ({"pk": 1}, ALL_STAFF),
    # --- Excel import and export ---
    "experts:expert_export": ({}, staff_with(Right.EXPORT_DATA)),
    "experts:import_page": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "experts:import_start": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "experts:import_template": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "experts:import_job_detail": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "experts:import_job_progress": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "experts:import_job_errors": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    # --- exits: every member of staff handles exit cases; the expert's own pages ---
    "exits:case_list": ({}, ALL_STAFF),
    "exits:case_create": ({}, ALL_STAFF),
    "exits:announce": ({}, ALL_STAFF),
    "exits:age_limits": ({}, ALL_STAFF),
    "exits:case_detail": ({"pk": 1}, ALL_STAFF),
    "exits:case_evidence_add": ({"pk": 1}, ALL_STAFF),
    "exits:case_verify": ({"pk": 1}, ALL_STAFF),
    "exits:case_drop": ({"pk": 1}, ALL_STAFF),
    "exits:case_notify": ({"pk": 1}, ALL_STAFF),
    "exits:case_file": ({"pk": 1, "file": "00000000-0000-0000-0000-000000000001"}, ALL_STAFF),
    "me:exit_home": ({}, {EXPERT}),
    "me:exit_request": ({}, {EXPERT}),
    "me:exit_withdraw": ({"pk": 1}, {EXPERT}),
    "me:exit_notice": ({"pk": 1}, {EXPERT}),
    # The expert's exit page of the previous release (the registry's): a public redirect.
    "me:exit_request_legacy": ({}, EVERYONE),
    # --- evaluations: training, scoring, assessments and dossiers are every member of staff's
    # (scoring an activity is its staff's, checked by the service); files out need 导出数据 ---
    "evaluations:training_list": ({}, ALL_STAFF),
    "evaluations:training_create": ({}, ALL_STAFF),
    "evaluations:training_detail": ({"pk": 1}, ALL_STAFF),
    "evaluations:training_edit": ({"pk": 1}, ALL_STAFF),
    "evaluations:training_cancel": ({"pk": 1}, ALL_STAFF),
    "evaluations:training_invite": ({"pk": 1}, ALL_STAFF),
    "evaluations:training_attendance": ({"pk": 1}, ALL_STAFF),
    "evaluations:material_upload": ({"pk": 1}, ALL_STAFF),
    "evaluations:material_download": ({"pk": 1, "material": 1}, ALL_STAFF),
    "evaluations:material_remove": ({"pk": 1, "material": 1}, ALL_STAFF),
    "evaluations:evaluation_list": ({}, ALL_STAFF),
    "evaluations:evaluation_activity": ({"pk": 1}, ALL_STAFF),
    "evaluations:assessment_list": ({}, ALL_STAFF),
    "evaluations:assessment_create": ({}, ALL_STAFF),
    "evaluations:assessment_detail": ({"pk": 1}, ALL_STAFF),
    "evaluations:assessment_recompute": ({"pk": 1}, ALL_STAFF),
    "evaluations:assessment_accept": ({"pk": 1}, ALL_STAFF),
    "evaluations:assessment_confirm": ({"pk": 1}, ALL_STAFF),
    "evaluations:assessment_withdraw": ({"pk": 1}, ALL_STAFF),
    "evaluations:assessment_download": ({"pk": 1}, staff_with(Right.EXPORT_DATA)),
    "evaluations:result_grade": ({"pk": 1}, ALL_STAFF),
    "evaluations:exit_review_list": ({}, ALL_STAFF),
    "evaluations:exit_review": ({"pk": 1}, ALL_STAFF),
    "evaluations:dossier_list": ({}, ALL_STAFF),
    "evaluations:dossier_detail": ({"pk": 1}, ALL_STAFF),
    "evaluations:dossier_pdf": ({"pk": 1}, staff_with(Right.EXPORT_DATA)),
    "evaluations:batch_start": ({}, staff_with(Right.EXPORT_DATA)),
    "evaluations:batch_detail": ({"pk": 1}, staff_with(Right.EXPORT_DATA)),
    "evaluations:batch_progress": ({"pk": 1}, staff_with(Right.EXPORT_DATA)),
    "evaluations:batch_download": ({"pk": 1}, staff_with(Right.EXPORT_DATA)),
    "me:training_list": ({}, {EXPERT}),
    "me:training_material": ({"pk": 1}, {EXPERT}),
    "me:evaluation_list": ({}, {EXPERT}),
    "me:assessment_respond": ({"pk": 1}, {EXPERT}),
    # --- statistics: the page is every member of staff's, a chart's Excel needs 导出数据 ---
    "statistics:overview": ({}, ALL_STAFF),
    "statistics:chart_download": ({"key": "titles"}, staff_with(Right.EXPORT_DATA)),
    # --- recruitment: the public calls and registration ---
    "calls:call_list": ({}, EVERYONE),
    "calls:call_feed": ({}, EVERYONE),
    "calls:call_detail": ({"pk": 1}, EVERYONE),
    "calls:privacy": ({}, EVERYONE),
    "calls:register": ({}, EVERYONE),
    "calls:register_verify": ({}, EVERYONE),
    # --- recruitment: the public notices, objections and announcements ---
    "notices:notice_list": ({}, EVERYONE),
    "notices:notice_detail": ({"pk": 1}, EVERYONE),
    "notices:notice_pdf": ({"pk": 1}, EVERYONE),
    "notices:objection_create": ({"pk": 1}, EVERYONE),
    "notices:objection_received": ({"pk": 1}, EVERYONE),
    "announcements:announcement_list": ({}, EVERYONE),
    "announcements:announcement_detail": ({"pk": 1}, EVERYONE),
    # --- recruitment: the applicant (an expert account not yet in the pool) ---
    "me:application_list": ({}, {EXPERT}),
    "me:application_start": ({"call": 1}, {EXPERT}),
    "me:application_detail": ({"pk": 1}, {EXPERT}),
    "me:application_edit": ({"pk": 1}, {EXPERT}),
    "me:application_autosave": ({"pk": 1}, {EXPERT}),
    "me:application_employment_add": ({"pk": 1}, {EXPERT}),
    "me:application_employment_remove": ({"pk": 1, "item": 1}, {EXPERT}),
    "me:application_document_upload": ({"pk": 1}, {EXPERT}),
    "me:application_document_remove": ({"pk": 1, "document": 1}, {EXPERT}),
    "me:application_form_pdf": ({"pk": 1}, {EXPERT}),
    "me:application_submit": ({"pk": 1}, {EXPERT}),
    "me:application_document": ({"document": 1}, {EXPERT}),
    "me:certificate": ({"pk": 1}, {EXPERT}),
    # --- recruitment: staff holding the review right, and the council ---
    "recruitment:call_admin_list": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:call_create": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:call_admin_detail": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:call_edit": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:call_publish": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:application_list": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:application_detail": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:application_decide": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:document": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:document_verify": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:round_list": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:round_create": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:round_detail": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:round_close": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:round_meeting": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:round_minutes": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:proposed_list": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:council_home": ({}, {COUNCIL}),
    "recruitment:council_round": ({"pk": 1}, {COUNCIL}),
    "recruitment:council_vote": ({"pk": 1}, {COUNCIL}),
    "recruitment:notice_admin_list": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:notice_create": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:notice_admin_detail": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:notice_admit": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:objection_enter": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:objection_list": ({}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:objection_detail": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:objection_accept": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:objection_reject": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:objection_verify": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:objection_decide": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "recruitment:objection_file": (
        {"pk": 1, "file": "00000000-0000-0000-0000-000000000001"},
        staff_with(Right.REVIEW_APPLICATIONS),
    ),
    "recruitment:certificate": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "experts:import_job_resend": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
    "experts:import_job_retry": ({"pk": 1}, staff_with(Right.REVIEW_APPLICATIONS)),
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

"""The steps of signing in after the password, which a signed-in person cannot skip."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from zhiku.accounts.second_factor import has_second_factor, second_factor_required

# Reachable at every step: a person can always sign out.
_ALWAYS = frozenset({"accounts:logout"})
# The pages of each step (the step's own page first).
_STEP_PAGES = {
    "accounts:otp_verify": frozenset({"accounts:otp_verify"}),
    "accounts:password_change": frozenset(
        {"accounts:password_change", "accounts:password_change_done"}
    ),
    "accounts:otp_enrol": frozenset({"accounts:otp_enrol"}),
}


def pending_step(request: HttpRequest) -> str | None:
    """Return the URL name of the step the signed-in user must finish first, or None.

    In order: the code of an enrolled second factor (django-otp's middleware says whether this
    session was verified), then a password set by a security admin, then enrolling a second
    factor that the user's role or rights require.
    """
    user: Any = request.user
    if not user.is_authenticated:
        return None
    if user.is_verified():
        return "accounts:password_change" if user.must_change_password else None
    if has_second_factor(user):
        return "accounts:otp_verify"
    if user.must_change_password:
        return "accounts:password_change"
    if second_factor_required(user):
        return "accounts:otp_enrol"
    return None


class SignInStepsMiddleware:
    """Send a signed-in user who has a sign-in step left to that step's page, from any page.

    Placed after django-otp's ``OTPMiddleware``. A page asked for on the way is kept as
    ``next`` so that the person lands on it once done.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        step = pending_step(request)
        if step is None:
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if name in _ALWAYS or name in _STEP_PAGES[step]:
            return None
        target = reverse(step)
        if request.method == "GET" and name not in {"core:home_redirect", "accounts:login"}:
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from zhiku.accounts.models import Right, Role
from zhiku.core import permissions as perm
from zhiku.core.forms import AuditFilterForm
from zhiku.core.selectors import audit_entries

ROLE_HOMES: dict[str, str] = {
    Role.STAFF: "core:staff_home",
    Role.COUNCIL: "core:council_home",
    Role.SUPERVISOR: "core:supervisor_home",
    Role.SECURITY_ADMIN: "accounts:account_list",
    Role.AUDITOR: "core:audit_list",
    Role.EXPERT: "experts:portal_home",
}


@perm.policy(perm.SIGNED_IN)
def home_redirect(request: HttpRequest) -> HttpResponse:
    """Send a signed-in user to the home page of their role."""
    return redirect(ROLE_HOMES[request.user.role])  # type: ignore[union-attr]


def _role_home(request: HttpRequest, template: str) -> HttpResponse:
    user = request.user
    rights = [(value, label, user.has_right(value)) for value, label in Right.choices]  # type: ignore[union-attr]
    return render(request, template, {"rights": rights})


@perm.policy(perm.STAFF)
def staff_home(request: HttpRequest) -> HttpResponse:
    return _role_home(request, "core/staff_home.html")


@perm.policy(perm.COUNCIL)
def council_home(request: HttpRequest) -> HttpResponse:
    return _role_home(request, "core/council_home.html")


@perm.policy(perm.SUPERVISOR)
def supervisor_home(request: HttpRequest) -> HttpResponse:
    return _role_home(request, "core/supervisor_home.html")


@perm.policy(perm.AUDITOR)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(audit_entries(**filters), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"form": form, "page": page})

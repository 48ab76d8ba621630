"""The expert's own pages in the expert area (me/): profile, reported changes, declarations.

An expert's request to leave the pool is an exit case: the exits app's pages (me:exit_home).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.accounts.selectors import previous_login
from zhiku.core import permissions as perm
from zhiku.core.forms import describe_errors
from zhiku.core.http import act
from zhiku.experts import selectors, services
from zhiku.experts.forms import (
    ChangeRequestForm,
    ConflictForm,
    UnavailabilityForm,
    UnfamiliarFieldsForm,
)
from zhiku.experts.models import Conflict, Expert, Unavailability
from zhiku.experts.services.personal_data import DOWNLOADS_PER_DAY


def _no_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "experts/me/no_profile.html")


def _own(request: AuthenticatedHttpRequest) -> Expert | None:
    return selectors.expert_of(request.user)


@perm.policy(perm.EXPERT)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    expert = _own(request)
    context: dict[str, Any] = {"expert": expert, "previous_login": previous_login(request.user)}
    if expert is not None:
        context.update(
            change_requests=expert.change_requests.all()[:10],
            conflicts=expert.conflicts.filter(withdrawn_at__isnull=True),
            unavailabilities=expert.unavailabilities.filter(end__gte=timezone.localdate()),
            unfamiliar=expert.unfamiliar_fields.select_related("parent"),
            fields=expert.field_links.select_related("field__parent"),
        )
    return render(request, "experts/me/home.html", context)


@perm.policy(perm.EXPERT)
def change(request: AuthenticatedHttpRequest) -> HttpResponse:
    expert = _own(request)
    if expert is None:
        return _no_profile(request)
    form = ChangeRequestForm(request.POST or None, instance=expert)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_request_submit(
                actor=request.user,
                expert=expert,
                changes=form.changes(),
                mobile=form.cleaned_data["mobile"],
                note=form.cleaned_data["note"],
            )
        except services.ExpertError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已提交信息变更，质促会工作人员确认后生效。"))
            return redirect("me:home")
    return render(request, "experts/me/change.html", {"form": form, "expert": expert})


@perm.policy(perm.EXPERT)
def declarations(request: AuthenticatedHttpRequest) -> HttpResponse:
    expert = _own(request)
    if expert is None:
        return _no_profile(request)
    return render(
        request,
        "experts/me/declarations.html",
        {
            "expert": expert,
            "conflicts": expert.conflicts.all(),
            "unavailabilities": expert.unavailabilities.all(),
            "conflict_form": ConflictForm(),
            "unavailability_form": UnavailabilityForm(),
            "unfamiliar_form": UnfamiliarFieldsForm(
                initial={"fields_": list(expert.unfamiliar_fields.all())}
            ),
        },
    )


def _declare(
    request: AuthenticatedHttpRequest,
    form: Any,
    action: Callable[[Expert, dict[str, Any]], object],
) -> HttpResponse:
    expert = _own(request)
    if expert is None:
        return _no_profile(request)
    back = reverse("me:declarations")
    if not form.is_valid():
        messages.error(request, describe_errors(form))
        return redirect(back)
    return act(request, lambda: action(expert, form.cleaned_data), back=back, success=_("已保存。"))


@perm.policy(perm.EXPERT)
@require_POST
def conflict_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _declare(
        request,
        ConflictForm(request.POST),
        lambda e, d: services.conflict_declare(actor=request.user, expert=e, **d),
    )


@perm.policy(perm.EXPERT)
@require_POST
def conflict_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    conflict = get_object_or_404(Conflict, pk=pk, expert__user=request.user)
    return act(
        request,
        lambda: services.conflict_withdraw(actor=request.user, conflict=conflict),
        back=reverse("me:declarations"),
        success=_("已撤回该声明，记录仍予保留。"),
    )


@perm.policy(perm.EXPERT)
@require_POST
def unfamiliar_set(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _declare(
        request,
        UnfamiliarFieldsForm(request.POST),
        lambda e, d: services.unfamiliar_fields_set(
            actor=request.user, expert=e, fields=d["fields_"]
        ),
    )


@perm.policy(perm.EXPERT)
@require_POST
def unavailability_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _declare(
        request,
        UnavailabilityForm(request.POST),
        lambda e, d: services.unavailability_add(actor=request.user, expert=e, **d),
    )


@perm.policy(perm.EXPERT)
@require_POST
def unavailability_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Unavailability, pk=pk, expert__user=request.user)
    return act(
        request,
        lambda: services.unavailability_remove(actor=request.user, item=item),
        back=reverse("me:declarations"),
        success=_("已删除。"),
    )


@perm.policy(perm.EXPERT)
@never_cache
def personal_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The expert's own data (PIPL): a page saying what is in it; POST downloads the zip."""
    expert = _own(request)
    if expert is None:
        return _no_profile(request)
    if request.method == "POST":
        try:
            download = services.personal_data_download(actor=request.user)
        except services.ExpertError as exc:
            messages.error(request, str(exc))
            return redirect("me:personal_data")
        response = HttpResponse(download.content, content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, download.file_name) or ""
        response["Cache-Control"] = "private, no-store"
        return response
    return render(
        request,
        "experts/me/personal_data.html",
        {"expert": expert, "per_day": DOWNLOADS_PER_DAY},
    )

"""The expert's own pages (expert/): their profile, reported changes, declarations, exit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.models import User
from zhiku.core import permissions as perm
from zhiku.core.forms import describe_errors
from zhiku.experts import selectors, services
from zhiku.experts.forms import (
    ChangeRequestForm,
    ConflictForm,
    ExitRequestForm,
    UnavailabilityForm,
    UnfamiliarFieldsForm,
)
from zhiku.experts.models import Conflict, Expert, Unavailability


def _actor(request: HttpRequest) -> User:
    """Return the signed-in user (every view here has a policy that requires one)."""
    return cast(User, request.user)


def _no_profile(request: HttpRequest) -> HttpResponse:
    return render(request, "experts/portal/no_profile.html")


def _own(request: HttpRequest) -> Expert | None:
    return selectors.expert_of(_actor(request))


@perm.policy(perm.EXPERT)
def portal_home(request: HttpRequest) -> HttpResponse:
    expert = _own(request)
    context: dict[str, Any] = {"expert": expert}
    if expert is not None:
        context.update(
            change_requests=expert.change_requests.all()[:10],
            conflicts=expert.conflicts.filter(withdrawn_at__isnull=True),
            unavailabilities=expert.unavailabilities.filter(end__gte=timezone.localdate()),
            unfamiliar=expert.unfamiliar_fields.select_related("parent"),
            exit_request=expert.exit_requests.first(),
            fields=expert.field_links.select_related("field__parent"),
        )
    return render(request, "experts/portal/home.html", context)


@perm.policy(perm.EXPERT)
def portal_change(request: HttpRequest) -> HttpResponse:
    expert = _own(request)
    if expert is None:
        return _no_profile(request)
    form = ChangeRequestForm(request.POST or None, instance=expert)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_request_submit(
                actor=_actor(request),
                expert=expert,
                changes=form.changes(),
                mobile=form.cleaned_data["mobile"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except services.ExpertError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已提交信息变更，质促会工作人员确认后生效。"))
            return redirect("experts:portal_home")
    return render(request, "experts/portal/change.html", {"form": form, "expert": expert})


@perm.policy(perm.EXPERT)
def portal_declarations(request: HttpRequest) -> HttpResponse:
    expert = _own(request)
    if expert is None:
        return _no_profile(request)
    return render(
        request,
        "experts/portal/declarations.html",
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
    request: HttpRequest, form: Any, act: Callable[[Expert, dict[str, Any]], object]
) -> HttpResponse:
    expert = _own(request)
    if expert is None:
        return _no_profile(request)
    if not form.is_valid():
        errors = describe_errors(form)
        messages.error(request, errors)
    else:
        try:
            act(expert, form.cleaned_data)
        except services.ExpertError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已保存。"))
    return redirect("experts:portal_declarations")


@perm.policy(perm.EXPERT)
@require_POST
def portal_conflict_add(request: HttpRequest) -> HttpResponse:
    return _declare(
        request,
        ConflictForm(request.POST),
        lambda e, d: services.conflict_declare(
            actor=_actor(request), expert=e, request=request, **d
        ),
    )


@perm.policy(perm.EXPERT)
@require_POST
def portal_conflict_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = get_object_or_404(Conflict, pk=pk, expert__user=request.user)
    try:
        services.conflict_withdraw(actor=_actor(request), conflict=conflict, request=request)
    except services.ExpertError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤回该声明，记录仍予保留。"))
    return redirect("experts:portal_declarations")


@perm.policy(perm.EXPERT)
@require_POST
def portal_unfamiliar_set(request: HttpRequest) -> HttpResponse:
    return _declare(
        request,
        UnfamiliarFieldsForm(request.POST),
        lambda e, d: services.unfamiliar_fields_set(
            actor=_actor(request),
            expert=e,
            fields=d["fields_"],
            request=request,
        ),
    )


@perm.policy(perm.EXPERT)
@require_POST
def portal_unavailability_add(request: HttpRequest) -> HttpResponse:
    return _declare(
        request,
        UnavailabilityForm(request.POST),
        lambda e, d: services.unavailability_add(
            actor=_actor(request), expert=e, request=request, **d
        ),
    )


@perm.policy(perm.EXPERT)
@require_POST
def portal_unavailability_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Unavailability, pk=pk, expert__user=request.user)
    services.unavailability_remove(actor=_actor(request), item=item, request=request)
    messages.success(request, _("已删除。"))
    return redirect("experts:portal_declarations")


@perm.policy(perm.EXPERT)
def portal_exit(request: HttpRequest) -> HttpResponse:
    expert = _own(request)
    if expert is None:
        return _no_profile(request)
    form = ExitRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.exit_request_submit(
                actor=_actor(request),
                expert=expert,
                reason=form.cleaned_data["reason"],
                on=timezone.localdate(),
                request=request,
            )
        except services.ExpertError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已收到您的退出申请，质促会将核实后书面告知您。"))
            return redirect("experts:portal_home")
    return render(
        request,
        "experts/portal/exit.html",
        {"form": form, "expert": expert, "existing": expert.exit_requests.first()},
    )

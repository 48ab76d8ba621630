"""Staff pages of designations (指定, art. 19): propose, see, approve or refuse, withdraw."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.accounts.models import Right
from zhiku.activities import selectors, services
from zhiku.activities.errors import DesignationError
from zhiku.activities.forms import ApproveForm, DesignationForm, ReasonForm, RefuseForm
from zhiku.activities.models import Activity, Designation
from zhiku.activities.views.workspace import form_error
from zhiku.core import permissions as perm
from zhiku.core.http import act


@perm.policy(perm.STAFF)
def designation_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Name experts for an activity with the reason and the written justification."""
    activity = get_object_or_404(Activity.objects.prefetch_related("organisations"), pk=pk)
    form = DesignationForm(request.POST or None, activity=activity)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            designation = services.designation_create(
                actor=request.user,
                activity=activity,
                reason=d["reason"],
                justification=d["justification"],
                experts=d["experts"],
            )
        except DesignationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request,
                _("指定已提出，等待另一位持有“批准指定专家”权限的工作人员批准。"),
            )
            return redirect("activities:designation_detail", pk=designation.pk)
    return render(
        request,
        "activities/workspace/designation_form.html",
        {"activity": activity, "form": form},
    )


def _designation(pk: int) -> Designation:
    return get_object_or_404(
        Designation.objects.select_related("activity", "designated_by", "decided_by"), pk=pk
    )


@perm.policy(perm.STAFF)
def designation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    designation = _designation(pk)
    names = selectors.may_see_designation(request.user, designation)
    members = list(
        designation.members.select_related("expert", "invitation").prefetch_related(
            "expert__field_links__field__parent"
        )
    )
    if names:
        services.roster_viewed(
            actor=request.user, activity=designation.activity, page="designation"
        )
    return render(
        request,
        "activities/workspace/designation_detail.html",
        {
            "designation": designation,
            "activity": designation.activity,
            "members": members,
            "names": names,
            # Approvers see the buttons; the proposer among them is refused with the reason.
            "approver": request.user.has_right(Right.APPROVE_DESIGNATIONS),
            "own": designation.designated_by_id == request.user.pk,
            "approve_form": ApproveForm(),
            "refuse_form": RefuseForm(),
            "withdraw_form": ReasonForm(),
            "changes": designation.changes.select_related("actor").order_by("at", "pk"),
        },
    )


def _back(pk: int) -> str:
    return reverse("activities:designation_detail", kwargs={"pk": pk})


@perm.policy(perm.DESIGNATION_APPROVER)
@require_POST
def designation_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    designation = _designation(pk)
    form = ApproveForm(request.POST)
    form.is_valid()
    return act(
        request,
        lambda: services.designation_approve(
            actor=request.user, designation=designation, note=form.cleaned_data.get("note", "")
        ),
        back=_back(pk),
        success=_("已批准指定。"),
    )


@perm.policy(perm.DESIGNATION_APPROVER)
@require_POST
def designation_refuse(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    designation = _designation(pk)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        return form_error(request, form, _back(pk))
    return act(
        request,
        lambda: services.designation_refuse(
            actor=request.user, designation=designation, note=form.cleaned_data["note"]
        ),
        back=_back(pk),
        success=_("已不予批准，理由已记录。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def designation_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    designation = _designation(pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return form_error(request, form, _back(pk))
    return act(
        request,
        lambda: services.designation_withdraw(
            actor=request.user, designation=designation, reason=form.cleaned_data["reason"]
        ),
        back=_back(pk),
        success=_("已撤回指定。"),
    )


@perm.policy(perm.STAFF)
def designation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Designations waiting for approval, then the latest decided."""
    return render(
        request,
        "activities/workspace/designation_list.html",
        {
            "pending": selectors.designations_pending(),
            "recent": Designation.objects.exclude(status="pending")
            .select_related("activity", "designated_by", "decided_by")
            .order_by("-designated_at")[:50],
        },
    )

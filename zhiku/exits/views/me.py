"""The expert's own exit pages in the expert area (me/exits/): the written request to leave the
pool (art. 12(4)), where each case stands, and the written notice. An expert who has left keeps
signing in to read their history."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import permissions as perm
from zhiku.core import uploads
from zhiku.core.errors import DomainError
from zhiku.core.http import act
from zhiku.exits import selectors, services
from zhiku.exits.choices import Ground
from zhiku.exits.forms import RequestForm
from zhiku.exits.models import ExitCase
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert
from zhiku.experts.selectors import expert_of


def _request_state(expert: Expert | None) -> tuple[bool, bool]:
    """Whether the expert may ask to leave now, and whether something else is under way (a case
    they have not been told of: they are not told more than that)."""
    if expert is None or expert.status not in (Status.ACTIVE, Status.SUSPENDED):
        return False, False
    open_case = selectors.open_case_of(expert)
    return open_case is None, open_case is not None and not (
        open_case.ground == Ground.REQUEST or open_case.notice_file_id
    )


@perm.policy(perm.EXPERT)
def exit_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    expert = expert_of(request.user)
    may_request, under_way = _request_state(expert)
    return render(
        request,
        "exits/me/home.html",
        {
            "expert": expert,
            "cases": list(selectors.cases_for_expert(expert)) if expert is not None else [],
            "may_request": may_request,
            "under_way": under_way,
        },
    )


@perm.policy(perm.EXPERT)
def exit_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    expert = expert_of(request.user)
    if expert is None:
        return redirect("me:exit_home")
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.exit_request_submit(
                actor=request.user, expert=expert, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已收到您的退出申请，质促会将核实后书面告知您。"))
            return redirect("me:exit_home")
    may_request, under_way = _request_state(expert)
    return render(
        request,
        "exits/me/request.html",
        {"form": form, "expert": expert, "may_request": may_request, "under_way": under_way},
    )


@perm.policy(perm.EXPERT)
@require_POST
def exit_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(ExitCase, pk=pk, expert__user=request.user)
    return act(
        request,
        lambda: services.exit_request_withdraw(actor=request.user, case=case),
        back=reverse("me:exit_home"),
        success=_("已撤回您的退出申请。"),
    )


@perm.policy(perm.EXPERT)
def exit_notice(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The written notice of the expert's own case (404 for anyone else's)."""
    stored = services.exit_notice_for_expert(actor=request.user, case_id=pk)
    if stored is None:
        raise Http404
    return uploads.stored_file_response(stored, inline=False)

"""The supervisor's pages (监督工作台): draws waiting for their witness value, what is frozen
before they type it, and each result after."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.activities import selectors, services
from zhiku.activities.errors import DrawError
from zhiku.activities.forms import WitnessForm
from zhiku.activities.models import Draw
from zhiku.activities.pool import Conditions
from zhiku.core import permissions as perm


@perm.policy(perm.SUPERVISOR)
def supervisor_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "activities/supervisor/home.html",
        {
            "waiting": selectors.supervisor_waiting(request.user),
            "witnessed": selectors.supervisor_witnessed(request.user)[:50],
        },
    )


@perm.policy(perm.SUPERVISOR)
@never_cache
def supervisor_draw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draw = get_object_or_404(Draw.objects.select_related("activity", "opened_by"), pk=pk)
    if draw.supervisor_id != request.user.pk:
        raise Http404  # another supervisor's draw is not theirs to see
    form = WitnessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.draw_witness(actor=request.user, draw=draw, value=form.cleaned_data["value"])
        except DrawError as exc:
            form.add_error("value", str(exc))
        else:
            messages.success(request, _("见证值已录入。"))
            return redirect("activities:supervisor_draw", pk=pk)
    draw.refresh_from_db()
    rounds = selectors.draw_rounds(draw)
    if rounds:
        services.roster_viewed(
            actor=request.user, activity=draw.activity, page="supervisor", draw=draw
        )
    return render(
        request,
        "activities/supervisor/draw.html",
        {
            "draw": draw,
            "form": form,
            "conditions": Conditions.from_json(draw.conditions).describe(),
            "rounds": rounds,
        },
    )

"""The council's workspace: rounds to vote in, each applicant's profile and art. 6 check, results.

A member sees the applicants' profiles and eligibility, never their identity numbers or
documents, and no other member's vote until the round has closed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import permissions as perm
from zhiku.core.errors import DomainError
from zhiku.recruitment import rules, selectors, services
from zhiku.recruitment.forms import BallotForm
from zhiku.recruitment.models import DeliberationRound


@perm.policy(perm.COUNCIL)
def council_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.rounds_close_due()
    rounds = list(selectors.rounds_of_member(request.user))
    return render(
        request,
        "recruitment/council/home.html",
        {
            "open_rounds": [r for r in rounds if r.status == r.Status.OPEN],
            "closed_rounds": [r for r in rounds if r.status == r.Status.CLOSED],
        },
    )


def _round_of_member(request: AuthenticatedHttpRequest, pk: int) -> DeliberationRound:
    return get_object_or_404(DeliberationRound, pk=pk, members=request.user)


def _page(
    request: AuthenticatedHttpRequest, round_: DeliberationRound, form: BallotForm | None
) -> HttpResponse:
    today = timezone.localdate()
    items = list(round_.items.select_related("application__primary_field", "application__call"))
    is_open = round_.status == DeliberationRound.Status.OPEN
    mine = selectors.my_votes(round_, request.user)
    if form is None and is_open and round_.mode == round_.Mode.ONLINE and not mine:
        form = BallotForm(items=items)
    return render(
        request,
        "recruitment/council/round.html",
        {
            "round": round_,
            "entries": [
                (
                    item,
                    selectors.eligibility_of(item.application, today),
                    item.application.employments.order_by("start", "pk"),
                    mine.get(item.pk),
                )
                for item in items
            ],
            "form": form,
            "mine": mine,
            "is_open": is_open,
            "deadline": rules.votes_deadline(round_.votes_close_on)
            if round_.votes_close_on
            else None,
            # Other members' votes only once the round has closed.
            "votes": None if is_open else selectors.votes_table(round_, items),
        },
    )


@perm.policy(perm.COUNCIL)
def council_round(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _round_of_member(request, pk)
    services.round_close_if_due(round_=round_)
    round_.refresh_from_db()
    return _page(request, round_, None)


@perm.policy(perm.COUNCIL)
@require_POST
def council_vote(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = _round_of_member(request, pk)
    items = list(round_.items.select_related("application"))
    form = BallotForm(request.POST, items=items)
    if form.is_valid():
        try:
            round_ = services.round_vote(actor=request.user, round_=round_, choices=form.choices())
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            round_.refresh_from_db()
            if round_.status == DeliberationRound.Status.CLOSED:
                messages.success(request, _("已投票。已达法定人数，本轮审议已结束，结果如下。"))
            else:
                messages.success(request, _("已投票。本轮结束后可查看全部表决结果。"))
            return redirect("recruitment:council_round", pk=pk)
    else:
        messages.error(request, _("请对每一位申请人作出表决。"))
    return _page(request, round_, form)

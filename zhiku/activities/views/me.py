"""The expert's own pages in the expert area (/me/): invitations and answers, activities,
attendance and fees."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.activities import selectors, services
from zhiku.activities.choices import AnsweredVia, InvitationStatus
from zhiku.activities.errors import InvitationError
from zhiku.activities.forms import AcceptForm, DeclineForm, WithdrawForm
from zhiku.activities.models import Invitation
from zhiku.activities.views.roster import letter_response
from zhiku.core import permissions as perm
from zhiku.experts.models import Expert
from zhiku.experts.selectors import expert_of


def _no_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "experts/me/no_profile.html")


@perm.policy(perm.EXPERT)
def invitation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Invitations (to answer, and answered), activities served, attendance and fees."""
    expert = expert_of(request.user)
    if expert is None:
        return _no_profile(request)
    services.invitations_lapse(now=timezone.now())
    invitations = list(selectors.invitations_of_expert(expert))
    attendance = {a.activity_id: a for a in expert.attendance_records.select_related("activity")}
    fees = selectors.fees_of_expert(expert)
    served = [i for i in invitations if i.status == InvitationStatus.ACCEPTED]
    for i in served:
        i.attendance_record = attendance.get(i.activity_id)  # type: ignore[attr-defined]
    return render(
        request,
        "activities/me/invitation_list.html",
        {
            "expert": expert,
            "open": [i for i in invitations if i.status == InvitationStatus.SENT],
            "answered": [i for i in invitations if i.status != InvitationStatus.SENT],
            "served": served,
            "fees": fees,
            "totals": selectors.yearly_fee_totals(fees),
        },
    )


def _own(request: AuthenticatedHttpRequest, pk: int) -> tuple[Expert, Invitation]:
    expert = expert_of(request.user)
    invitation = (
        Invitation.objects.select_related("activity", "expert").filter(pk=pk).first()
        if expert is not None
        else None
    )
    if expert is None or invitation is None or invitation.expert_id != expert.pk:
        raise Http404  # another expert's invitation is not theirs to see
    return expert, invitation


@perm.policy(perm.EXPERT)
def invitation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One invitation: the activity, the letter, and the answer (or the withdrawal)."""
    _expert, invitation = _own(request, pk)
    services.invitations_lapse(now=timezone.now(), activity=invitation.activity)
    invitation.refresh_from_db()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    accept = AcceptForm(
        request.POST if action == "accept" else None,
        activity=invitation.activity,
        prefix="accept",
    )
    decline = DeclineForm(request.POST if action == "decline" else None, prefix="decline")
    withdraw = WithdrawForm(request.POST if action == "withdraw" else None, prefix="withdraw")
    form = {"accept": accept, "decline": decline, "withdraw": withdraw}.get(action)
    if form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            if action == "accept":
                services.invitation_accept(
                    invitation=invitation,
                    via=AnsweredVia.AREA,
                    actor=request.user,
                    no_conflict=d["no_conflict"],
                    confidentiality=d["confidentiality"],
                )
                done = _("您已接受邀请，感谢您的支持。")
            elif action == "decline":
                services.invitation_decline(
                    invitation=invitation,
                    via=AnsweredVia.AREA,
                    actor=request.user,
                    reason=d["reason"],
                    note=d["note"],
                )
                done = _("您已拒绝邀请。")
            else:
                services.invitation_withdraw(
                    invitation=invitation,
                    via=AnsweredVia.AREA,
                    actor=request.user,
                    reason=d["reason"],
                    note=d["note"],
                )
                done = _("您已退出本次活动；质促会将补充抽取。")
        except InvitationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, done)
            return redirect("me:invitation_detail", pk=pk)
    return render(
        request,
        "activities/me/invitation_detail.html",
        {
            "invitation": invitation,
            "activity": invitation.activity,
            "accept_form": accept,
            "decline_form": decline,
            "withdraw_form": withdraw,
            "attendance": invitation.expert.attendance_records.filter(
                activity=invitation.activity
            ).first(),
        },
    )


@perm.policy(perm.EXPERT)
def invitation_letter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _expert, invitation = _own(request, pk)
    return letter_response(invitation)

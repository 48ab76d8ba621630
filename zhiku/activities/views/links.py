"""The personal link of an invitation (/invitations/<token>/): the expert answers without
signing in. It answers only its own invitation, stops after the deadline or once answered, and a
guessed or altered link answers 404 and goes into the audit trail; too many from one address
and the address is refused for the hour."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from zhiku.activities import services
from zhiku.activities.choices import AnsweredVia, InvitationStatus
from zhiku.activities.errors import InvitationError
from zhiku.activities.forms import AcceptForm, DeclineForm
from zhiku.activities.models import Invitation
from zhiku.activities.views.roster import letter_response
from zhiku.core import permissions as perm
from zhiku.core import ratelimits
from zhiku.core.context import request_context


def _find(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    """The invitation of ``token``; a refusal page when the address is throttled. An unknown
    token is counted, audited and answered 404."""
    now = timezone.now()
    ip = request_context.get().ip
    if services.link_throttled(ip, now):
        return render(request, "activities/public/link_throttled.html", status=429)
    invitation = services.invitation_by_token(token)
    if invitation is None:
        services.link_refused(ip=ip, token=token, actor=request.user, now=now)
        raise Http404
    services.invitations_lapse(now=now, activity=invitation.activity)
    invitation.refresh_from_db()
    return invitation


def _closed(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    return render(
        request, "activities/public/invitation_closed.html", {"invitation": invitation}, status=410
    )


@perm.policy(perm.PUBLIC)
@never_cache
@ratelimits.limited(ratelimits.INVITATION_ANSWER)
def invitation_answer(request: HttpRequest, token: str) -> HttpResponse:
    found = _find(request, token)
    if isinstance(found, HttpResponse):
        return found
    invitation = found
    if invitation.status != InvitationStatus.SENT:
        return _closed(request, invitation)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    accept = AcceptForm(
        request.POST if action == "accept" else None,
        activity=invitation.activity,
        prefix="accept",
    )
    decline = DeclineForm(request.POST if action == "decline" else None, prefix="decline")
    form = {"accept": accept, "decline": decline}.get(action)
    if form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            if action == "accept":
                services.invitation_accept(
                    invitation=invitation,
                    via=AnsweredVia.LINK,
                    token=token,
                    no_conflict=d["no_conflict"],
                    confidentiality=d["confidentiality"],
                )
            else:
                services.invitation_decline(
                    invitation=invitation,
                    via=AnsweredVia.LINK,
                    token=token,
                    reason=d["reason"],
                    note=d["note"],
                )
        except InvitationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            invitation.refresh_from_db()
            return render(
                request, "activities/public/invitation_done.html", {"invitation": invitation}
            )
    return render(
        request,
        "activities/public/invitation_answer.html",
        {
            "invitation": invitation,
            "activity": invitation.activity,
            "accept_form": accept,
            "decline_form": decline,
            "token": token,
            "title": _("邀请函"),
        },
    )


@perm.policy(perm.PUBLIC)
@never_cache
def invitation_letter(request: HttpRequest, token: str) -> HttpResponse:
    found = _find(request, token)
    if isinstance(found, HttpResponse):
        return found
    if found.status != InvitationStatus.SENT:
        return _closed(request, found)
    return letter_response(found)

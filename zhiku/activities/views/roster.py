"""Staff pages of who serves an activity: invitations (sending, the letter, answers recorded on
an expert's behalf, the SMS and e-mail log), attendance, fees, a seminar's recommendations, and
what waits for the staff member (我负责的待办)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.activities import selectors, services
from zhiku.activities.choices import AnsweredVia, AttendanceStatus, InvitationStatus
from zhiku.activities.errors import InvitationError
from zhiku.activities.forms import (
    AcceptForm,
    AttendanceForm,
    DeclineForm,
    FeeForm,
    FeeRemoveForm,
    RecommendationForm,
    WithdrawForm,
)
from zhiku.activities.models import Activity, Fee, Invitation
from zhiku.activities.views.workspace import form_error
from zhiku.core import permissions as perm
from zhiku.core.documents import PDF_CONTENT_TYPE, render_pdf
from zhiku.core.errors import AccessDenied
from zhiku.core.http import act
from zhiku.core.spreadsheets import XLSX_CONTENT_TYPE
from zhiku.experts.models import Expert


def _activity_url(pk: int) -> str:
    return reverse("activities:activity_detail", kwargs={"pk": pk})


@perm.policy(perm.STAFF)
@require_POST
def invitations_send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send the invitations that did not go out by themselves (e.g. a calendar not entered)."""
    activity = get_object_or_404(Activity, pk=pk)
    return act(
        request,
        lambda: services.invitations_send(actor=request.user, activity=activity),
        back=_activity_url(pk),
        success=_("邀请函已发出（短信、电子邮件）。"),
    )


def _invitation(request: AuthenticatedHttpRequest, pk: int) -> Invitation:
    invitation = get_object_or_404(
        Invitation.objects.select_related("activity", "expert", "sent_by", "recorded_by"), pk=pk
    )
    if not selectors.may_see_names(request.user, invitation.activity):
        raise AccessDenied(_("活动结束前，邀请及专家姓名仅限本活动的负责工作人员查看。"))
    return invitation


@perm.policy(perm.STAFF)
def invitation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One invitation: its letter, the SMS and e-mail log, the answer and its history; the
    activity's staff record an answer given by phone here, marked as theirs."""
    invitation = _invitation(request, pk)
    services.invitations_lapse(now=timezone.now(), activity=invitation.activity)
    invitation.refresh_from_db()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    accept = AcceptForm(
        request.POST if action == "accept" else None,
        activity=invitation.activity,
        on_behalf=True,
        prefix="accept",
    )
    decline = DeclineForm(
        request.POST if action == "decline" else None, on_behalf=True, prefix="decline"
    )
    withdraw = WithdrawForm(
        request.POST if action == "withdraw" else None, on_behalf=True, prefix="withdraw"
    )
    form = {"accept": accept, "decline": decline, "withdraw": withdraw}.get(action)
    if form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            if action == "accept":
                services.invitation_accept(
                    invitation=invitation,
                    via=AnsweredVia.STAFF,
                    actor=request.user,
                    no_conflict=d["no_conflict"],
                    confidentiality=d["confidentiality"],
                    contact_note=d["contact_note"],
                )
            elif action == "decline":
                services.invitation_decline(
                    invitation=invitation,
                    via=AnsweredVia.STAFF,
                    actor=request.user,
                    reason=d["reason"],
                    note=d["note"],
                    contact_note=d["contact_note"],
                )
            else:
                services.invitation_withdraw(
                    invitation=invitation,
                    via=AnsweredVia.STAFF,
                    actor=request.user,
                    reason=d["reason"],
                    note=d["note"],
                    contact_note=d["contact_note"],
                )
        except InvitationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("已代专家记录答复，并标明由您记录。"))
            return redirect("activities:invitation_detail", pk=pk)
    services.roster_viewed(actor=request.user, activity=invitation.activity, page="invitation")
    return render(
        request,
        "activities/workspace/invitation_detail.html",
        {
            "invitation": invitation,
            "activity": invitation.activity,
            "deliveries": invitation.deliveries.all(),
            "changes": invitation.changes.select_related("actor").order_by("at", "pk"),
            "accept_form": accept,
            "decline_form": decline,
            "withdraw_form": withdraw,
            "may_record": invitation.activity.staff.filter(pk=request.user.pk).exists(),
            "statuses": InvitationStatus,
        },
    )


def letter_response(invitation: Invitation) -> HttpResponse:
    """The invitation letter (邀请函), a PDF in Chinese."""
    pdf = render_pdf(
        "activities/documents/invitation_letter.html",
        {
            "invitation": invitation,
            "activity": invitation.activity,
            "expert": invitation.expert,
            "draw_code": invitation.candidate.draw.code if invitation.candidate else "",
            "declarations": services.declarations(invitation.activity),
        },
        produced_at=invitation.sent_at,
    )
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{invitation.code}.pdf"'
    return response


@perm.policy(perm.STAFF)
def invitation_letter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    services.roster_viewed(actor=request.user, activity=invitation.activity, page="letter")
    return letter_response(invitation)


# --- after the activity ------------------------------------------------------------------------


@perm.policy(perm.STAFF)
def attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Attendance, opinions and fees of a closed activity's confirmed experts."""
    activity = get_object_or_404(Activity, pk=pk)
    if activity.is_open:
        messages.error(request, _("活动结束后才能登记出席情况和劳动报酬（名单在活动结束前保密）。"))
        return redirect(_activity_url(pk))
    entries = selectors.roster(activity, confirmed_only=True)
    if request.method == "POST":
        form = AttendanceForm(request.POST)
        if not form.is_valid():
            return form_error(request, form, request.path)
        expert = get_object_or_404(Expert, pk=form.cleaned_data["expert"])
        return act(
            request,
            lambda: services.attendance_record(
                actor=request.user,
                activity=activity,
                expert=expert,
                status=form.cleaned_data["status"],
                opinion=form.cleaned_data["opinion"],
            ),
            back=request.path,
            success=_("已登记 %(e)s 的出席情况。") % {"e": expert.name},
        )
    return render(
        request,
        "activities/workspace/attendance.html",
        {
            "activity": activity,
            "entries": entries,
            "statuses": AttendanceStatus.choices,
            "today": timezone.localdate(),
        },
    )


@perm.policy(perm.STAFF)
@require_POST
def fee_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    back = reverse("activities:attendance", kwargs={"pk": pk})
    form = FeeForm(request.POST)
    if not form.is_valid():
        return form_error(request, form, back)
    expert = get_object_or_404(Expert, pk=form.cleaned_data["expert"])
    d = form.cleaned_data
    return act(
        request,
        lambda: services.fee_record(
            actor=request.user,
            activity=activity,
            expert=expert,
            amount=d["amount"],
            paid_on=d["paid_on"],
            note=d["note"],
        ),
        back=back,
        success=_("已登记 %(e)s 的劳动报酬。") % {"e": expert.name},
    )


@perm.policy(perm.STAFF)
@require_POST
def fee_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    fee = get_object_or_404(Fee, pk=pk)
    back = reverse("activities:attendance", kwargs={"pk": fee.activity_id})
    form = FeeRemoveForm(request.POST)
    if not form.is_valid():
        return form_error(request, form, back)
    return act(
        request,
        lambda: services.fee_remove(
            actor=request.user, fee=fee, reason=form.cleaned_data["reason"]
        ),
        back=back,
        success=_("已撤销该笔报酬记录，原因已记录。"),
    )


def _year(request: AuthenticatedHttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@perm.policy(perm.STAFF)
def fee_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The fees paid in a year: each expert's yearly total, then every payment."""
    year = _year(request)
    fees = list(selectors.fees_of_year(year))
    return render(
        request,
        "activities/workspace/fee_list.html",
        {
            "year": year,
            "years": sorted({year, *selectors.fee_years()}, reverse=True),
            "totals": selectors.fee_totals(year),
            "fees": fees,
            "total": sum(f.amount for f in fees),
        },
    )


@perm.policy(perm.EXPORTER)
def fee_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The year's fees for finance (.xlsx, stamped with who exported it and when; audited)."""
    year = _year(request)
    content = services.fees_export(actor=request.user, year=year)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="fees-{year}.xlsx"'
    return response


@perm.policy(perm.STAFF)
@require_POST
def recommendation_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    names = selectors.may_see_names(request.user, activity)
    experts = [e.expert for e in selectors.roster(activity, confirmed_only=True)] if names else []
    form = RecommendationForm(request.POST, experts=experts)
    if not form.is_valid():
        return form_error(request, form, _activity_url(pk))
    return act(
        request,
        lambda: services.recommendation_add(
            actor=request.user,
            activity=activity,
            text=form.cleaned_data["text"],
            experts=list(form.cleaned_data["experts"]),
        ),
        back=_activity_url(pk),
        success=_("已登记研讨建议。"),
    )


@perm.policy(perm.STAFF)
def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What waits in the staff member's own activities: answers, invitations, attendance."""
    awaiting: dict[int, dict[str, Any]] = {}
    for invitation in selectors.invitations_awaiting(request.user).order_by("deadline"):
        row = awaiting.setdefault(
            invitation.activity_id,
            {"activity": invitation.activity, "count": 0, "deadline": invitation.deadline},
        )
        row["count"] += 1
    unsent = [
        (a, n)
        for a in selectors.activities_of(request.user).filter(status="open")
        if (n := services.waiting_count(a))
    ]
    return render(
        request,
        "activities/workspace/my_work.html",
        {
            "awaiting": list(awaiting.values()),
            "unsent": unsent,
            "attendance": selectors.attendance_to_record(request.user),
        },
    )

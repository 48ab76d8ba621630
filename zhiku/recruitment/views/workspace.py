"""Staff pages (review right): calls, the review of applications, council rounds, the proposed list."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import permissions as perm
from zhiku.core import uploads
from zhiku.core.errors import DomainError
from zhiku.core.http import act, record_number
from zhiku.recruitment import rules, selectors, services
from zhiku.recruitment.forms import (
    CallForm,
    DecisionForm,
    MeetingForm,
    RoundCloseForm,
    RoundOpenForm,
    form_errors,
)
from zhiku.recruitment.models import (
    Application,
    ApplicationDocument,
    Call,
    DeliberationRound,
)

# --- calls -------------------------------------------------------------------------------


@perm.policy(perm.REVIEWER)
def call_admin_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    calls = list(Call.objects.order_by("-created_at", "-pk"))
    return render(
        request,
        "recruitment/workspace/call_list.html",
        {
            "rows": [
                (
                    c,
                    selectors.call_phase(c, now),
                    c.applications.exclude(status=Application.Status.DRAFT).count(),
                )
                for c in calls
            ]
        },
    )


def _call_form(request: AuthenticatedHttpRequest, call: Call | None) -> HttpResponse:
    form = CallForm(request.POST or None, instance=call)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("proofs", "fields_sought")}
        try:
            saved = services.call_save(
                actor=request.user,
                call=call,
                data=data,
                proofs=form.cleaned_data["proofs"],
                fields_sought=form.cleaned_data["fields_sought"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存征集通知草稿。核对无误后可发布。"))
            return redirect("recruitment:call_admin_detail", pk=saved.pk)
    return render(request, "recruitment/workspace/call_form.html", {"form": form, "call": call})


@perm.policy(perm.REVIEWER)
def call_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _call_form(request, None)


@perm.policy(perm.REVIEWER)
def call_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call, pk=pk)
    if call.status != Call.Status.DRAFT:
        messages.error(request, _("征集通知已发布，不能再修改。"))
        return redirect("recruitment:call_admin_detail", pk=pk)
    return _call_form(request, call)


@perm.policy(perm.REVIEWER)
def call_admin_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call.objects.prefetch_related("fields_sought"), pk=pk)
    return render(
        request,
        "recruitment/workspace/call_detail.html",
        {
            "call": call,
            "phase": selectors.call_phase(call, timezone.now()),
            "deadline": rules.call_deadline(call.closes_on),
            "counts": {
                label: call.applications.filter(status=value).count()
                for value, label in Application.Status.choices
            },
        },
    )


@perm.policy(perm.REVIEWER)
@require_POST
def call_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call, pk=pk)
    return act(
        request,
        lambda: services.call_publish(actor=request.user, call=call),
        back=reverse("recruitment:call_admin_detail", kwargs={"pk": pk}),
        success=_("已发布。公众可在“专家征集”栏目和订阅源中看到这则通知。"),
    )


# --- review ------------------------------------------------------------------------------


@perm.policy(perm.REVIEWER)
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Application.Status.values:
        status = ""
    call = None
    if (number := record_number(request.GET.get("call"))) is not None:
        call = Call.objects.filter(pk=number).first()
    return render(
        request,
        "recruitment/workspace/application_list.html",
        {
            "applications": selectors.applications_for_staff(status=status, call=call),
            "status": status,
            "call": call,
            "statuses": [s for s in Application.Status.choices if s[0] != Application.Status.DRAFT],
            "calls": Call.objects.filter(status=Call.Status.PUBLISHED),
        },
    )


@perm.policy(perm.REVIEWER)
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.select_related("call", "user", "primary_field", "expert"), pk=pk
    )
    if application.status == Application.Status.DRAFT:
        raise Http404
    today = timezone.localdate()
    return render(
        request,
        "recruitment/workspace/application_detail.html",
        {
            "application": application,
            "result": selectors.eligibility_of(application, today),
            "slots": selectors.document_slots(application),
            "snapshot": selectors.application_snapshot(application),
            "changes": selectors.changes_since_last_submission(application),
            "history": selectors.history(application),
            "decision_form": DecisionForm(),
            "employments": application.employments.order_by("start", "pk"),
            "rounds": application.round_items.select_related("round"),
        },
    )


@perm.policy(perm.REVIEWER)
def document(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """Serve a document to a reviewer (previews inline); every view is in the audit trail."""
    doc = get_object_or_404(
        ApplicationDocument.objects.select_related("application", "file"),
        pk=pk,
        application__status__in=[s for s in Application.Status.values if s != "draft"],
    )
    inline = request.GET.get("inline") == "1"
    stored = services.document_for_reviewer(actor=request.user, document=doc, inline=inline)
    return uploads.stored_file_response(stored, inline=inline)


@perm.policy(perm.REVIEWER)
@require_POST
def document_verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(ApplicationDocument.objects.select_related("application"), pk=pk)
    return act(
        request,
        lambda: services.document_verify(actor=request.user, document=doc),
        back=reverse("recruitment:application_detail", kwargs={"pk": doc.application_id})
        + "#documents",
        success=_("已记录核验：%(d)s。") % {"d": doc.get_kind_display()},
    )


@perm.policy(perm.REVIEWER)
@require_POST
def application_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk)
    back = reverse("recruitment:application_detail", kwargs={"pk": pk})
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back + "#decide")
    decision = form.cleaned_data["decision"]
    return act(
        request,
        lambda: services.application_decide(
            actor=request.user,
            application=application,
            decision=decision,
            note=form.cleaned_data["note"],
        ),
        back=back,
        success={
            services.PASS: _("已通过资格审核，待提交理事会审议。"),
            services.RETURN: _("已退回申请人修改，并已通知申请人。"),
            services.REJECT: _("已作出不予通过的决定，并已通知申请人。"),
        }[decision],
    )


# --- rounds ------------------------------------------------------------------------------


@perm.policy(perm.REVIEWER)
def round_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.rounds_close_due()
    rounds = list(DeliberationRound.objects.prefetch_related("members").order_by("-opened_at"))
    return render(
        request,
        "recruitment/workspace/round_list.html",
        {
            "rows": [
                (r, selectors.members_not_voted(r) if r.status == r.Status.OPEN else [])
                for r in rounds
            ],
            "waiting": Application.objects.filter(status=Application.Status.PASSED).count(),
        },
    )


@perm.policy(perm.REVIEWER)
def round_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RoundOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_open(
                actor=request.user,
                applications=form.cleaned_data["applications"],
                mode=form.cleaned_data["mode"],
                title=form.cleaned_data["title"],
                votes_close_on=form.cleaned_data["votes_close_on"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已发起理事会审议。"))
            return redirect("recruitment:round_detail", pk=round_.pk)
    return render(
        request,
        "recruitment/workspace/round_form.html",
        {"form": form, "rule": selectors.rules_on(timezone.localdate())},
    )


@perm.policy(perm.REVIEWER)
def round_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(DeliberationRound, pk=pk)
    services.round_close_if_due(round_=round_)
    round_.refresh_from_db()
    items = list(round_.items.select_related("application__primary_field"))
    is_open = round_.status == DeliberationRound.Status.OPEN
    return render(
        request,
        "recruitment/workspace/round_detail.html",
        {
            "round": round_,
            "items": items,
            "members": round_.members.order_by("pk"),
            "voted": selectors.voters_of(round_),
            "quorum": rules.RoundRule(
                round_.quorum_numerator, round_.quorum_denominator, round_.majority_percent
            ).quorum(round_.members.count()),
            "close_form": RoundCloseForm()
            if is_open and round_.mode == round_.Mode.ONLINE
            else None,
            "meeting_form": MeetingForm(items=items)
            if is_open and round_.mode == round_.Mode.MEETING
            else None,
            "deadline": rules.votes_deadline(round_.votes_close_on)
            if round_.votes_close_on
            else None,
            "votes": selectors.votes_table(round_, items) if not is_open else None,
        },
    )


@perm.policy(perm.REVIEWER)
@require_POST
def round_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(DeliberationRound, pk=pk)
    form = RoundCloseForm(request.POST)
    back = reverse("recruitment:round_detail", kwargs={"pk": pk})
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    return act(
        request,
        lambda: services.round_close(
            actor=request.user, round_=round_, note=form.cleaned_data["note"]
        ),
        back=back,
        success=_("已结束投票。"),
    )


@perm.policy(perm.REVIEWER)
@require_POST
def round_meeting(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(DeliberationRound, pk=pk)
    back = reverse("recruitment:round_detail", kwargs={"pk": pk})
    unsafe = uploads.unsafe_names(request)
    if unsafe:
        messages.error(
            request,
            _("文件名“%(n)s”含有路径，不能接收。请只选择文件本身上传。") % {"n": unsafe[0][:80]},
        )
        return redirect(back)
    items = list(round_.items.select_related("application"))
    form = MeetingForm(request.POST, request.FILES, items=items)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    minutes = form.cleaned_data["minutes"]
    return act(
        request,
        lambda: services.round_record_meeting(
            actor=request.user,
            round_=round_,
            meeting_on=form.cleaned_data["meeting_on"],
            members_present=form.cleaned_data["members_present"],
            outcomes=form.outcomes(),
            minutes_name=minutes.name or "",
            minutes=minutes,
            note=form.cleaned_data["note"],
        ),
        back=back,
        success=_("已记录会议审议结果。"),
    )


@perm.policy(perm.REVIEWER)
def round_minutes(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    round_ = get_object_or_404(DeliberationRound.objects.select_related("minutes"), pk=pk)
    stored = services.minutes_for_reviewer(actor=request.user, round_=round_)
    if stored is None:
        raise Http404
    return uploads.stored_file_response(stored, inline=request.GET.get("inline") == "1")


@perm.policy(perm.REVIEWER)
def proposed_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "recruitment/workspace/proposed_list.html",
        {"applications": selectors.proposed_list()},
    )

"""Staff pages (review right) of the notice and after it: publishing the notice, the objections
(with the objector's identity: for these staff only), admission and the certificates."""

from __future__ import annotations

import uuid

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
    AcceptForm,
    DecideForm,
    NoticeForm,
    ObjectionEntryForm,
    RejectForm,
    VerifyForm,
    form_errors,
)
from zhiku.recruitment.models import Certificate, Notice, Objection

# --- notices -----------------------------------------------------------------------------


@perm.policy(perm.REVIEWER)
def notice_admin_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "recruitment/workspace/notice_list.html",
        {
            "rows": [(n, selectors.notice_phase(n, now)) for n in selectors.notices_for_staff()],
            "proposed": selectors.proposed_list().count(),
        },
    )


@perm.policy(perm.REVIEWER)
def notice_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.notice_publish(
                actor=request.user,
                applications=data["applications"],
                title=data["title"],
                intro=data["intro"],
                published_on=data["published_on"],
                postal_address=data["postal_address"],
                visit_address=data["visit_address"],
                contact=data["contact"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已发布公示，公示期至 %(d)s 24:00（北京时间）。") % {"d": notice.ends_on},
            )
            return redirect("recruitment:notice_admin_detail", pk=notice.pk)
    return render(request, "recruitment/workspace/notice_form.html", {"form": form})


@perm.policy(perm.REVIEWER)
def notice_admin_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=pk)
    now = timezone.now()
    phase = selectors.notice_phase(notice, now)
    entries = list(selectors.notice_entries(notice))
    return render(
        request,
        "recruitment/workspace/notice_detail.html",
        {
            "notice": notice,
            "phase": phase,
            "days_left": selectors.workdays_left(notice, timezone.localdate(now)),
            "entries": entries,
            "may_admit": phase == rules.ENDED
            and any(e.outcome == e.Outcome.PENDING for e in entries),
            "announcements": notice.announcements.order_by("published_at"),
            "history": notice.changes.select_related("actor").order_by("at", "pk"),
        },
    )


@perm.policy(perm.REVIEWER)
@require_POST
def notice_admit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=pk)
    back = reverse("recruitment:notice_admin_detail", kwargs={"pk": pk})
    try:
        result = services.notice_admit(actor=request.user, notice=notice)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if result.admitted:
        messages.success(
            request,
            _("已批准入库：%(list)s，并已发布入库公告。")
            % {"list": "、".join(f"{e.name}（{e.pool_number}）" for e in result.admitted)},
        )
    if result.not_admitted:
        messages.warning(
            request,
            _("异议成立，不予入库：%(list)s（已通知本人）。")
            % {"list": "、".join(e.name for e in result.not_admitted)},
        )
    if result.waiting:
        messages.info(
            request,
            _("异议尚未办结，暂缓入库：%(list)s。异议不成立时将随即入库。")
            % {"list": "、".join(e.name for e in result.waiting)},
        )
    for entry, reason in result.refused:
        messages.error(request, _("%(n)s 未能入库：%(r)s") % {"n": entry.name, "r": reason})
    if not (result.changed or result.waiting or result.refused):
        messages.info(request, _("没有需要办理的人员：名单中的每一位都已办结。"))
    return redirect(back)


# --- objections --------------------------------------------------------------------------


@perm.policy(perm.REVIEWER)
def objection_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Objection.Status.values:
        status = ""
    notice = None
    if (number := record_number(request.GET.get("notice"))) is not None:
        notice = Notice.objects.filter(pk=number).first()
    today = timezone.localdate()
    objections = list(selectors.objections_for_staff(status=status, notice=notice))
    return render(
        request,
        "recruitment/workspace/objection_list.html",
        {
            "rows": [
                (o, selectors.due_of(o, today) if o.status == o.Status.ACCEPTED else None)
                for o in objections
            ],
            "status": status,
            "statuses": Objection.Status.choices,
            "notice": notice,
            "notices": Notice.objects.order_by("-published_on"),
        },
    )


@perm.policy(perm.REVIEWER)
def objection_enter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Enter an objection received by post or in person."""
    notice = get_object_or_404(Notice, pk=pk)
    form = ObjectionEntryForm(request.POST or None, request.FILES or None, notice=notice)
    if request.method == "POST":
        unsafe = uploads.unsafe_names(request)
        if unsafe:
            form.add_error(
                "letter",
                _("文件名“%(n)s”含有路径，不能接收。请只选择文件本身上传。")
                % {"n": unsafe[0][:80]},
            )
        elif form.is_valid():
            data = form.cleaned_data
            letter = data["letter"]
            try:
                objection = services.objection_enter(
                    actor=request.user,
                    notice=notice,
                    entry=data["entry"],
                    channel=data["channel"],
                    received_on=data["received_on"],
                    objector_name=data["objector_name"],
                    objector_phone=data["objector_phone"],
                    objector_email=data["objector_email"],
                    objector_address=data["objector_address"],
                    grounds=data["grounds"],
                    letter_name=letter.name if letter else "",
                    letter=letter,
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已登记异议（第 %(n)d 号）。") % {"n": objection.pk})
                return redirect("recruitment:objection_detail", pk=objection.pk)
    return render(
        request, "recruitment/workspace/objection_form.html", {"form": form, "notice": notice}
    )


@perm.policy(perm.REVIEWER)
def objection_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(
        Objection.objects.select_related(
            "notice", "entry__application", "letter", "handled_by", "lodged_by"
        ),
        pk=pk,
    )
    today = timezone.localdate()
    status = objection.status
    return render(
        request,
        "recruitment/workspace/objection_detail.html",
        {
            "objection": objection,
            "due": selectors.due_of(objection, today) if objection.due_on else None,
            "verifications": objection.verifications.select_related("evidence", "recorded_by"),
            "history": objection.changes.select_related("actor").order_by("at", "pk"),
            "others": objection.entry.objections.exclude(pk=objection.pk).order_by("pk"),
            "accept_form": AcceptForm() if status == Objection.Status.RECEIVED else None,
            "reject_form": RejectForm() if status == Objection.Status.RECEIVED else None,
            "verify_form": VerifyForm() if status == Objection.Status.ACCEPTED else None,
            "decide_form": DecideForm() if status == Objection.Status.ACCEPTED else None,
        },
    )


def _back(pk: int) -> str:
    return reverse("recruitment:objection_detail", kwargs={"pk": pk})


@perm.policy(perm.REVIEWER)
@require_POST
def objection_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(Objection, pk=pk)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk))
    return act(
        request,
        lambda: services.objection_accept(
            actor=request.user, objection=objection, accepted_on=form.cleaned_data["accepted_on"]
        ),
        back=_back(pk),
        success=_("已受理。请在处理期限内核实并作出处理决定。"),
    )


@perm.policy(perm.REVIEWER)
@require_POST
def objection_reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(Objection, pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk))
    return act(
        request,
        lambda: services.objection_reject(
            actor=request.user, objection=objection, reason=form.cleaned_data["reason"]
        ),
        back=_back(pk),
        success=_("已决定不予受理，并已生成书面告知书。"),
    )


@perm.policy(perm.REVIEWER)
@require_POST
def objection_verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(Objection, pk=pk)
    unsafe = uploads.unsafe_names(request)
    if unsafe:
        messages.error(
            request,
            _("文件名“%(n)s”含有路径，不能接收。请只选择文件本身上传。") % {"n": unsafe[0][:80]},
        )
        return redirect(_back(pk))
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk))
    evidence = form.cleaned_data["evidence"]
    return act(
        request,
        lambda: services.objection_verify(
            actor=request.user,
            objection=objection,
            note=form.cleaned_data["note"],
            evidence_name=evidence.name if evidence else "",
            evidence=evidence,
        ),
        back=_back(pk) + "#verification",
        success=_("已记录核实情况。"),
    )


@perm.policy(perm.REVIEWER)
@require_POST
def objection_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(Objection, pk=pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk))
    upheld = form.cleaned_data["decision"] == "upheld"
    return act(
        request,
        lambda: services.objection_decide(
            actor=request.user,
            objection=objection,
            upheld=upheld,
            reason=form.cleaned_data["reason"],
        ),
        back=_back(pk),
        success=_("已作出处理决定（%(d)s），并已生成给异议人和专家本人的书面告知书。")
        % {"d": _("异议成立") if upheld else _("异议不成立")},
    )


@perm.policy(perm.REVIEWER)
def objection_file(request: AuthenticatedHttpRequest, pk: int, file: uuid.UUID) -> HttpResponseBase:
    """A file of an objection (the signed letter, evidence, the written notices); audited."""
    objection = get_object_or_404(Objection, pk=pk)
    inline = request.GET.get("inline") == "1"
    stored = services.objection_file_for_reviewer(
        actor=request.user, objection=objection, file_id=file, inline=inline
    )
    if stored is None:
        raise Http404
    return uploads.stored_file_response(stored, inline=inline)


@perm.policy(perm.REVIEWER)
def certificate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """An admitted expert's certificate, for staff to print; audited."""
    found = get_object_or_404(Certificate.objects.select_related("expert", "entry"), pk=pk)
    stored = services.certificate_for_staff(actor=request.user, certificate=found)
    return uploads.stored_file_response(stored, inline=False)

"""Staff pages of exit cases (workspace/exits/): the cases by step, raising one, the case with
its evidence, verification, written notice and history, and the announcement of exits."""

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
from zhiku.core.http import act
from zhiku.core.workdays import WorkdayCalendar
from zhiku.exits import selectors, services
from zhiku.exits.choices import OPEN_STATUSES, CaseStatus
from zhiku.exits.forms import (
    AnnounceForm,
    CaseForm,
    DropForm,
    EvidenceForm,
    FilterForm,
    VerifyForm,
    form_errors,
)
from zhiku.exits.models import ExitCase
from zhiku.exits.services.steps import bar_years_on

UNSAFE_NAME = _("文件名“%(n)s”含有路径，不能接收。请只选择文件本身上传。")


@perm.policy(perm.STAFF)
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status", "")
    cases = list(
        selectors.cases_for_staff(
            status="" if status == "all" else status,
            ground=data.get("ground", ""),
            open_only=not status,
        )
    )
    today, calendar = timezone.localdate(), WorkdayCalendar()
    rows = []
    for case in cases:
        since = selectors.step_since(case)
        waited = selectors.workdays_waited(since, today, calendar) if case.is_open else None
        rows.append((case, since, waited))
    return render(
        request,
        "exits/workspace/case_list.html",
        {
            "form": form,
            "rows": rows,
            "steps": selectors.waiting_by_step(),
            "notified": selectors.notified_cases().count(),
        },
    )


def _field_of(exc: DomainError, form: CaseForm) -> str | None:
    """The field of the raising form a service's refusal is about (None: the form as a whole)."""
    if isinstance(exc, uploads.UploadRefused):
        return "evidence"
    field = getattr(exc, "field", None) or ""
    field = {"expert": "pool_number"}.get(field, field)
    return field if field in form.fields else None


@perm.policy(perm.STAFF)
def case_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CaseForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        unsafe = uploads.unsafe_names(request)
        if unsafe:
            form.add_error("evidence", UNSAFE_NAME % {"n": unsafe[0][:80]})
        elif form.is_valid():
            data = form.cleaned_data
            try:
                case = services.exit_case_raise(
                    actor=request.user,
                    expert=data["pool_number"],
                    ground=data["ground"],
                    facts=data["facts"],
                    evidence=[(f.name, f) for f in data["evidence"]],
                )
            except DomainError as exc:
                form.add_error(_field_of(exc, form), str(exc))
            else:
                messages.success(request, _("已立案：%(c)s。") % {"c": case})
                return redirect("exits:case_detail", pk=case.pk)
    return render(request, "exits/workspace/case_form.html", {"form": form})


def _case(pk: int) -> ExitCase:
    return get_object_or_404(
        ExitCase.objects.select_related(
            "expert", "raised_by", "verified_by", "notice_file", "announcement"
        ),
        pk=pk,
    )


@perm.policy(perm.STAFF)
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(pk)
    is_open = case.status in OPEN_STATUSES
    today = timezone.localdate()
    return render(
        request,
        "exits/workspace/case_detail.html",
        {
            "case": case,
            "expert": case.expert,
            "evidence": case.evidence.select_related("file", "added_by"),
            "history": case.changes.select_related("actor").order_by("at", "pk"),
            "others": case.expert.exit_cases.exclude(pk=case.pk).order_by("-raised_at"),
            "evidence_form": EvidenceForm() if is_open else None,
            "verify_form": VerifyForm(case=case) if case.status == CaseStatus.RAISED else None,
            "drop_form": DropForm() if is_open else None,
            "bar_years": bar_years_on(today),
            "step_since": selectors.step_since(case),
        },
    )


def _back(pk: int, anchor: str = "") -> str:
    return reverse("exits:case_detail", kwargs={"pk": pk}) + anchor


@perm.policy(perm.STAFF)
@require_POST
def case_evidence_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(ExitCase, pk=pk)
    unsafe = uploads.unsafe_names(request)
    if unsafe:
        messages.error(request, UNSAFE_NAME % {"n": unsafe[0][:80]})
        return redirect(_back(pk, "#evidence"))
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "#evidence"))
    upload = form.cleaned_data["file"]
    return act(
        request,
        lambda: services.exit_evidence_add(
            actor=request.user,
            case=case,
            name=upload.name,
            content=upload,
            description=form.cleaned_data["description"],
        ),
        back=_back(pk, "#evidence"),
        success=_("已上传证据材料。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def case_verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(ExitCase, pk=pk)
    form = VerifyForm(request.POST, case=case)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "#verify"))
    return act(
        request,
        lambda: services.exit_case_verify(
            actor=request.user,
            case=case,
            checked=form.cleaned_data["checked"],
            finding=form.cleaned_data["finding"],
            bars_reapplication=form.cleaned_data.get("bars_reapplication", False),
        ),
        back=_back(pk),
        success=_("已记录核实情况和结论。下一步：书面告知本人。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def case_drop(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(ExitCase, pk=pk)
    form = DropForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "#drop"))
    return act(
        request,
        lambda: services.exit_case_drop(
            actor=request.user, case=case, reason=form.cleaned_data["reason"]
        ),
        back=_back(pk),
        success=_("已撤销案件；因本案件暂停的专家已恢复在库。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def case_notify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(ExitCase.objects.select_related("expert"), pk=pk)
    success = (
        _("已生成书面告知书，并已发送至 %(to)s。") % {"to": case.expert.email}
        if case.expert.email
        else _("已生成书面告知书。专家档案中没有电子邮箱，请打印后邮寄本人。")
    )
    return act(
        request,
        lambda: services.exit_case_notify(actor=request.user, case=case),
        back=_back(pk),
        success=success,
    )


@perm.policy(perm.STAFF)
def case_file(request: AuthenticatedHttpRequest, pk: int, file: uuid.UUID) -> HttpResponseBase:
    """A file of a case (evidence, the written notice); every view recorded."""
    case = get_object_or_404(ExitCase, pk=pk)
    inline = request.GET.get("inline") == "1"
    stored = services.exit_file_for_staff(
        actor=request.user, case=case, file_id=file, inline=inline
    )
    if stored is None:
        raise Http404
    return uploads.stored_file_response(stored, inline=inline)


@perm.policy(perm.STAFF)
def announce(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Announce the exit of experts told in writing (art. 9(3)); they become 已出库."""
    form = AnnounceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            announcement = services.exit_cases_announce(
                actor=request.user,
                cases=list(data["cases"]),
                published_grounds={c.pk for c in data["published_grounds"]},
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已发布出库公告“%(t)s”，%(n)d 位专家已出库。")
                % {"t": announcement.title, "n": len(announcement.lines)},
            )
            return redirect("announcements:announcement_detail", pk=announcement.pk)
    return render(
        request,
        "exits/workspace/announce.html",
        {"form": form, "cases": selectors.notified_cases()},
    )


@perm.policy(perm.STAFF)
def age_limits(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Experts of the pool reaching their age limit in the next 90 days (art. 6(5), 8(1))."""
    today = timezone.localdate()
    return render(
        request,
        "exits/workspace/age_limits.html",
        {
            "today": today,
            "rows": [
                (expert, since, expert.age_on(since))
                for expert, since in selectors.nearing_age_limit(today)
            ],
            "horizon": selectors.AGE_LIMIT_HORIZON.days,
        },
    )

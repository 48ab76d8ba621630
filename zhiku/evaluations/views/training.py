"""Staff pages of training (art. 10): the list, a session (materials, invitations, attendance),
planning and changing one, and cancelling it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import permissions as perm
from zhiku.core.http import act
from zhiku.core.uploads import stored_file_response
from zhiku.evaluations import services
from zhiku.evaluations.choices import TrainingAttendance, TrainingStatus
from zhiku.evaluations.errors import EvaluationsError
from zhiku.evaluations.forms import CancelForm, MaterialForm, RemoveForm, TrainingForm, first_error
from zhiku.evaluations.models import TrainingMaterial, TrainingSession
from zhiku.evaluations.selectors import training as selectors
from zhiku.experts.choices import Status
from zhiku.experts.forms import ExpertFilterForm
from zhiku.experts.selectors import expert_search
from zhiku.experts.services.exports import shown_filters

PER_PAGE = 25
# The expert list's filters that choosing invitees uses (only experts of the pool are invited).
INVITE_FILTERS = ("q", "field", "title_level", "region", "org_type", "age_band")


def _detail_url(pk: int) -> str:
    return reverse("evaluations:training_detail", kwargs={"pk": pk})


def _form_error(form: Any, exc: EvaluationsError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def _data(form: TrainingForm) -> services.TrainingData:
    d = form.cleaned_data
    return services.TrainingData(
        topic=d["topic"],
        title=d["title"],
        date=d["date"],
        start_time=d["start_time"],
        end_time=d["end_time"],
        place=d["place"],
        online_link=d["online_link"],
        description=d["description"],
    )


@perm.policy(perm.STAFF)
def training_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in TrainingStatus.values:
        status = ""
    page = Paginator(selectors.sessions(status=status), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/workspace/training_list.html",
        {"page": page, "status": status, "statuses": TrainingStatus.choices},
    )


@perm.policy(perm.STAFF)
def training_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.training_create(actor=request.user, data=_data(form))
        except EvaluationsError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("培训已安排。可在本页邀请专家、上传资料。"))
            return redirect("evaluations:training_detail", pk=session.pk)
    return render(
        request, "evaluations/workspace/training_form.html", {"form": form, "session": None}
    )


@perm.policy(perm.STAFF)
def training_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession, pk=pk)
    initial = {
        "topic": session.topic,
        "title": session.title,
        "date": session.date,
        "start_time": session.start_time,
        "end_time": session.end_time,
        "place": session.place,
        "online_link": session.online_link,
        "description": session.description,
    }
    form = TrainingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_update(actor=request.user, session=session, data=_data(form))
        except EvaluationsError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("培训安排已修改，受邀专家将收到邮件通知。"))
            return redirect("evaluations:training_detail", pk=session.pk)
    return render(
        request, "evaluations/workspace/training_form.html", {"form": form, "session": session}
    )


def _invite_form(request: AuthenticatedHttpRequest, data: Any) -> ExpertFilterForm:
    form = ExpertFilterForm(data, prefix="f")
    for name in list(form.fields):
        if name not in INVITE_FILTERS:
            del form.fields[name]
    return form


def _chosen(form: ExpertFilterForm) -> Any:
    filters = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
    experts = expert_search(today=timezone.localdate(), **filters).filter(status=Status.ACTIVE)
    return filters, experts


@perm.policy(perm.STAFF)
def training_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A session: its facts, materials, the experts invited and their attendance, and the
    experts of the pool one may invite (filtered as in the expert list)."""
    session = get_object_or_404(TrainingSession, pk=pk)
    today = timezone.localdate()
    invitees = list(selectors.invitees_of(session))
    invite_form = _invite_form(request, request.GET if "f-go" in request.GET else None)
    chosen = None
    if invite_form.is_bound and invite_form.is_valid():
        _filters, experts = _chosen(invite_form)
        invited = {i.expert_id for i in invitees}
        ids = list(experts.values_list("pk", flat=True))
        chosen = {"count": len(ids), "new": sum(1 for i in ids if i not in invited)}
    return render(
        request,
        "evaluations/workspace/training_detail.html",
        {
            "session": session,
            "invitees": invitees,
            "materials": selectors.materials_of(session, removed=True),
            "material_form": MaterialForm(),
            "cancel_form": CancelForm(),
            "invite_form": invite_form,
            "chosen": chosen,
            "may_invite": session.status == TrainingStatus.SCHEDULED and session.date >= today,
            "may_record": session.status != TrainingStatus.CANCELLED and session.date <= today,
            "attendance_choices": TrainingAttendance.choices,
        },
    )


@perm.policy(perm.STAFF)
@require_POST
def training_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession, pk=pk)
    form = _invite_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, _("筛选条件有误：%(e)s") % {"e": first_error(form)})
        return redirect(_detail_url(pk))
    filters, experts = _chosen(form)
    count: list[int] = []
    response = act(
        request,
        lambda: count.append(
            services.training_invite(
                actor=request.user,
                session=session,
                experts=experts,
                filters=shown_filters(filters),
            )
        ),
        back=_detail_url(pk),
        success=_("已邀请专家，邮件将陆续发出。"),
    )
    if count:
        messages.info(request, _("本次邀请 %(n)d 位专家。") % {"n": count[0]})
    return response


@perm.policy(perm.STAFF)
@require_POST
def training_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession, pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(_detail_url(pk))
    return act(
        request,
        lambda: services.training_cancel(
            actor=request.user, session=session, reason=form.cleaned_data["reason"]
        ),
        back=_detail_url(pk),
        success=_("培训已取消，受邀专家将收到邮件通知。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def material_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession, pk=pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(_detail_url(pk))
    upload = form.cleaned_data["file"]
    return act(
        request,
        lambda: services.material_add(
            actor=request.user,
            session=session,
            name=upload.name,
            content=upload,
            description=form.cleaned_data["description"],
        ),
        back=_detail_url(pk),
        success=_("资料已上传，受邀专家可在个人空间查看。"),
    )


@perm.policy(perm.STAFF)
def material_download(
    request: AuthenticatedHttpRequest, pk: int, material: int
) -> HttpResponseBase:
    item = get_object_or_404(
        TrainingMaterial.objects.select_related("file"), pk=material, session_id=pk
    )
    return stored_file_response(item.file, inline=False)


@perm.policy(perm.STAFF)
@require_POST
def material_remove(request: AuthenticatedHttpRequest, pk: int, material: int) -> HttpResponse:
    item = get_object_or_404(TrainingMaterial, pk=material, session_id=pk)
    form = RemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(_detail_url(pk))
    return act(
        request,
        lambda: services.material_remove(
            actor=request.user, material=item, reason=form.cleaned_data["reason"]
        ),
        back=_detail_url(pk),
        success=_("资料已撤下。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def training_attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record who attended: one choice per invited expert (``att-<expert id>``)."""
    session = get_object_or_404(TrainingSession, pk=pk)
    marks: dict[int, str] = {}
    for key in request.POST:
        if key.startswith("att-") and key[4:].isdigit():
            marks[int(key[4:])] = request.POST.get(key, "")
    return act(
        request,
        lambda: services.training_attendance_record(
            actor=request.user, session=session, marks=marks
        ),
        back=_detail_url(pk),
        success=_("出席情况已登记。"),
    )

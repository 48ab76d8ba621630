"""Staff pages of the expert registry (workspace/experts/)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zhiku.accounts.models import Right, User
from zhiku.core import permissions as perm
from zhiku.core.forms import describe_errors
from zhiku.experts import eligibility, selectors, services
from zhiku.experts.forms import (
    DecisionForm,
    EmploymentForm,
    ExpertFilterForm,
    ExpertForm,
    ExpertiseFieldForm,
    IndustryForm,
    ReasonForm,
    StatusForm,
)
from zhiku.experts.models import ChangeRequest, Employment, Expert, ExpertiseField, Industry

PER_PAGE = 25


def _actor(request: HttpRequest) -> User:
    """Return the signed-in user (every view here has a policy that requires one)."""
    return cast(User, request.user)


@perm.policy(perm.STAFF)
def expert_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ExpertFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    experts = selectors.expert_search(today=today, **filters).select_related("user")
    page = Paginator(experts, PER_PAGE).get_page(request.GET.get("page"))
    for expert in page:
        expert.age = expert.age_on(today)  # type: ignore[attr-defined]
    return render(
        request,
        "experts/registry/expert_list.html",
        {"form": form, "page": page, "pending": selectors.pending_change_requests().count()},
    )


def _form_service_error(form: Any, exc: services.ExpertError) -> None:
    form.add_error(None, str(exc))


@perm.policy(perm.STAFF)
def expert_create(request: HttpRequest) -> HttpResponse:
    form = ExpertForm(
        request.POST or None, may_admit=_actor(request).has_right(Right.REVIEW_APPLICATIONS)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            expert = services.expert_create(
                actor=_actor(request),
                profile=form.profile(),
                id_number=data["id_number"],
                mobile=data["mobile"],
                primary_field=data["primary_field"],
                other_fields=data["other_fields"],
                industries=data["industries"],
                user=data.get("user"),
                admit_on=timezone.localdate() if data.get("admit") else None,
                request=request,
            )
        except services.ExpertError as exc:
            _form_service_error(form, exc)
        else:
            messages.success(request, _("已录入专家 %(name)s。") % {"name": expert})
            return redirect("registry:expert_detail", pk=expert.pk)
    return render(request, "experts/registry/expert_form.html", {"form": form, "expert": None})


def _detail_context(expert: Expert, request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate()
    result = eligibility.check(
        expert.eligibility_profile(), on=today, rules=eligibility.rules_on(today)
    )
    return {
        "expert": expert,
        "result": result,
        "today": today,
        "can_reveal": _actor(request).has_right(Right.REVEAL_PERSONAL_DATA),
        "status_form": StatusForm(),
        "employment_form": EmploymentForm(),
        "override_form": ReasonForm(),
        "history": selectors.expert_history_rows(expert),
        "status_changes": expert.status_changes.select_related("actor"),
        "change_requests": expert.change_requests.select_related("submitted_by", "decided_by"),
        "conflicts": expert.conflicts.all(),
        "exit_requests": expert.exit_requests.all(),
    }


def _expert(pk: int) -> Expert:
    return get_object_or_404(
        Expert.objects.select_related("user").prefetch_related(
            "field_links__field__parent", "industries", "employments", "unfamiliar_fields"
        ),
        pk=pk,
    )


@perm.policy(perm.STAFF)
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _expert(pk)
    return render(request, "experts/registry/expert_detail.html", _detail_context(expert, request))


@perm.policy(perm.STAFF)
def expert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    expert = _expert(pk)
    form = ExpertForm(request.POST or None, instance=expert)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.expert_update(
                actor=_actor(request),
                expert=expert,
                profile=form.profile(),
                id_number=data["id_number"],
                mobile=data["mobile"] or None,
                primary_field=data["primary_field"],
                other_fields=data["other_fields"],
                industries=data["industries"],
                user=data.get("user"),
                reason=data.get("reason", ""),
                request=request,
            )
        except services.ExpertError as exc:
            _form_service_error(form, exc)
        else:
            messages.success(request, _("已保存修改。"))
            return redirect("registry:expert_detail", pk=expert.pk)
    return render(request, "experts/registry/expert_form.html", {"form": form, "expert": expert})


@perm.policy(perm.staff_with(Right.REVEAL_PERSONAL_DATA))
@require_POST
@never_cache
def expert_reveal(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    reveal = {
        "identity": services.expert_identity_reveal,
        "mobile": services.expert_mobile_reveal,
    }.get(what)
    if reveal is None:
        return HttpResponse(status=404)
    value = reveal(actor=_actor(request), expert=expert, request=request)
    context = {"expert": expert, "what": what, "value": value}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "experts/registry/_revealed.html", context)
    return render(request, "experts/registry/revealed.html", context)


def _post_action(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    try:
        action()
    except services.ExpertError as exc:
        messages.error(request, str(exc))
    return redirect("registry:expert_detail", pk=pk)


@perm.policy(perm.STAFF)
@require_POST
def expert_status(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择新的状态并填写原因。"))
        return redirect("registry:expert_detail", pk=pk)
    data, today, actor = form.cleaned_data, timezone.localdate(), _actor(request)

    def act() -> None:
        if data["to_status"] == "active" and expert.status == "applicant":
            services.expert_admit(
                actor=actor,
                expert=expert,
                on=today,
                reason=data["reason"],
                request=request,
            )
        else:
            services.expert_status_change(
                actor=actor,
                expert=expert,
                to_status=data["to_status"],
                on=today,
                reason=data["reason"],
                request=request,
            )
        messages.success(request, _("状态已变更。"))

    return _post_action(request, pk, act)


@perm.policy(perm.STAFF)
@require_POST
def expert_age_override(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写认定不受年龄限制的理由。"))
        return redirect("registry:expert_detail", pk=pk)

    def act() -> None:
        services.expert_age_override(
            actor=_actor(request),
            expert=expert,
            reason=form.cleaned_data["reason"],
            request=request,
        )
        messages.success(request, _("已记录年龄条件例外的理由。"))

    return _post_action(request, pk, act)


@perm.policy(perm.STAFF)
@require_POST
def employment_add(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    form = EmploymentForm(request.POST)
    if not form.is_valid():
        errors = describe_errors(form)
        messages.error(request, _("未能添加工作经历：%(e)s") % {"e": errors})
        return redirect("registry:expert_detail", pk=pk)

    def act() -> None:
        services.employment_add(
            actor=_actor(request), expert=expert, request=request, **form.cleaned_data
        )
        messages.success(request, _("已添加工作经历。"))

    return _post_action(request, pk, act)


@perm.policy(perm.STAFF)
@require_POST
def employment_remove(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    employment = get_object_or_404(Employment, pk=item, expert_id=pk)

    def act() -> None:
        services.employment_remove(actor=_actor(request), item=employment, request=request)
        messages.success(request, _("已删除该段工作经历。"))

    return _post_action(request, pk, act)


@perm.policy(perm.STAFF)
def change_request_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "experts/registry/change_request_list.html",
        {"requests": selectors.pending_change_requests(), "form": DecisionForm()},
    )


@perm.policy(perm.STAFF)
@require_POST
def change_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    cr = get_object_or_404(ChangeRequest, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        errors = describe_errors(form)
        messages.error(request, errors)
        return redirect("registry:change_request_list")
    try:
        services.change_request_decide(
            actor=_actor(request),
            change_request=cr,
            confirm=form.cleaned_data["decision"] == "confirm",
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except services.ExpertError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已处理 %(e)s 的信息变更申请。") % {"e": cr.expert})
    return redirect("registry:change_request_list")


@perm.policy(perm.STAFF)
def catalogue(request: HttpRequest) -> HttpResponse:
    roots = ExpertiseField.objects.filter(parent__isnull=True).prefetch_related("children")
    return render(
        request,
        "experts/registry/catalogue.html",
        {
            "roots": roots,
            "industries": Industry.objects.all(),
            "field_form": ExpertiseFieldForm(),
        },
    )


@perm.policy(perm.STAFF)
@require_POST
def catalogue_field_save(request: HttpRequest) -> HttpResponse:
    form = ExpertiseFieldForm(request.POST)
    existing = None
    if request.POST.get("pk"):
        existing = get_object_or_404(ExpertiseField, pk=request.POST["pk"])
    if not form.is_valid():
        errors = describe_errors(form)
        messages.error(request, errors)
        return redirect("registry:catalogue")
    try:
        services.expertise_field_save(
            actor=_actor(request), field=existing, request=request, **form.cleaned_data
        )
    except services.ExpertError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("专业领域已保存。"))
    return redirect("registry:catalogue")


@perm.policy(perm.STAFF)
@require_POST
def catalogue_industry_rename(request: HttpRequest, pk: int) -> HttpResponse:
    industry = get_object_or_404(Industry, pk=pk)
    form = IndustryForm(request.POST)
    if form.is_valid():
        services.industry_rename(
            actor=_actor(request),
            industry=industry,
            name=form.cleaned_data["name"],
            request=request,
        )
        messages.success(request, _("行业名称已保存。"))
    else:
        messages.error(request, _("请填写行业名称。"))
    return redirect("registry:catalogue")

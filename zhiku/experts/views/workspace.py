"""Staff pages of the expert registry (workspace/experts/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.accounts.models import Right
from zhiku.core import permissions as perm
from zhiku.core.forms import describe_errors
from zhiku.core.http import act, record_number
from zhiku.core.plugins import disclosures as disclosure_actions
from zhiku.experts import eligibility, personal_data, rules, selectors, services
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
from zhiku.experts.models import (
    ChangeRequest,
    Employment,
    Expert,
    ExpertField,
    ExpertiseField,
    Industry,
)

PER_PAGE = 25


if TYPE_CHECKING:
    _ExpertPages = Paginator[Expert]
else:  # Django's Paginator takes no type parameter at run time
    _ExpertPages = Paginator


class ExpertPaginator(_ExpertPages):
    """The staff list's pages, counted exactly unless the registry is so large that the
    database's estimate is used (``selectors.expert_count_estimate``); ``estimated`` says so."""

    estimated = False

    @cached_property
    def count(self) -> int:
        estimate = selectors.expert_count_estimate(cast("QuerySet[Expert]", self.object_list))
        if estimate is None:
            return int(super().count)
        self.estimated = True
        return estimate

    @property
    def rounded_count(self) -> int:
        """The estimate to two significant figures (8797 is shown as about 8800)."""
        step = 10 ** max(len(str(self.count)) - 2, 0)
        return round(self.count / step) * step


@perm.policy(perm.STAFF)
def expert_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ExpertFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    fields = ExpertField.objects.select_related("field").order_by("-is_primary", "field__code")
    experts = selectors.expert_search(today=today, **filters).prefetch_related(
        Prefetch("field_links", queryset=fields)
    )
    page = ExpertPaginator(experts, PER_PAGE).get_page(request.GET.get("page"))
    for expert in page:
        expert.age = expert.age_on(today)  # type: ignore[attr-defined]
    return render(
        request,
        "experts/workspace/expert_list.html",
        {"form": form, "page": page, "pending": selectors.pending_change_requests().count()},
    )


@perm.policy(perm.REVIEWER)
def expert_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            expert = services.expert_create(
                actor=request.user,
                profile=form.profile(),
                id_number=data["id_number"],
                mobile=data["mobile"],
                primary_field=data["primary_field"],
                other_fields=data["other_fields"],
                industries=data["industries"],
                work_history=data["work_history"],
                admit_on=timezone.localdate() if data.get("admit") else None,
                exception_reason=data.get("admission_exception_reason", ""),
            )
        except services.ExpertError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("已录入专家 %(name)s。") % {"name": expert})
            return redirect("experts:expert_detail", pk=expert.pk)
    return render(request, "experts/workspace/expert_form.html", {"form": form, "expert": None})


def _detail_context(expert: Expert, request: AuthenticatedHttpRequest) -> dict[str, Any]:
    today = timezone.localdate()
    result = eligibility.check(
        expert.eligibility_profile(), on=today, rules=eligibility.rules_on(today)
    )
    can_reveal = request.user.has_right(Right.REVEAL_PERSONAL_DATA)
    return {
        "expert": expert,
        "result": result,
        "today": today,
        "can_reveal": can_reveal,
        # Who saw this expert's protected data: for holders of the reveal right only.
        "disclosures": personal_data.disclosures_of(expert) if can_reveal else None,
        "can_review": request.user.has_right(Right.REVIEW_APPLICATIONS),
        "failed_conditions": rules.failed_conditions(result),
        "account": selectors.account_state(expert),
        "status_form": StatusForm(current=expert.status),
        "employment_form": EmploymentForm(),
        "override_form": ReasonForm(),
        "history": selectors.expert_history_rows(
            expert, hide=() if can_reveal else disclosure_actions()
        ),
        "status_changes": expert.status_changes.select_related("actor"),
        "change_requests": expert.change_requests.select_related("submitted_by", "decided_by"),
        "conflicts": expert.conflicts.all(),
    }


def _expert(pk: int) -> Expert:
    return get_object_or_404(
        Expert.objects.select_related("user").prefetch_related(
            "field_links__field__parent", "industries", "employments", "unfamiliar_fields"
        ),
        pk=pk,
    )


@perm.policy(perm.STAFF)
def expert_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = _expert(pk)
    return render(request, "experts/workspace/expert_detail.html", _detail_context(expert, request))


@perm.policy(perm.STAFF)
def expert_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = _expert(pk)
    form = ExpertForm(
        request.POST or None,
        instance=expert,
        may_admit=request.user.has_right(Right.REVIEW_APPLICATIONS),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.expert_update(
                actor=request.user,
                expert=expert,
                profile=form.profile(),
                id_number=data.get("id_number", ""),
                mobile=data["mobile"] or None,
                primary_field=data["primary_field"],
                other_fields=data["other_fields"],
                industries=data["industries"],
                reason=data.get("reason", ""),
            )
        except services.ExpertError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("已保存修改。"))
            return redirect("experts:expert_detail", pk=expert.pk)
    return render(request, "experts/workspace/expert_form.html", {"form": form, "expert": expert})


@perm.policy(perm.REVEALER)
@require_POST
@never_cache
def expert_reveal(request: AuthenticatedHttpRequest, pk: int, what: str) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    reveal = {
        "identity": services.expert_identity_reveal,
        "mobile": services.expert_mobile_reveal,
    }.get(what)
    if reveal is None:
        return HttpResponse(status=404)
    value = reveal(actor=request.user, expert=expert)
    context = {"expert": expert, "what": what, "value": value}
    if request.htmx:
        return render(request, "experts/workspace/_revealed.html", context)
    return render(request, "experts/workspace/revealed.html", context)


def _on_expert(
    request: AuthenticatedHttpRequest, pk: int, action: Callable[[], object], success: str
) -> HttpResponse:
    """Run one action of the expert's page and go back to that page."""
    back = reverse("experts:expert_detail", kwargs={"pk": pk})
    return act(request, action, back=back, success=success)


@perm.policy(perm.STAFF)
@require_POST
def expert_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择新的状态并填写原因。"))
        return redirect("experts:expert_detail", pk=pk)
    data, today = form.cleaned_data, timezone.localdate()

    def change() -> object:
        if data["to_status"] == "active" and expert.status == "applicant":
            return services.expert_admit(
                actor=request.user, expert=expert, on=today, reason=data["reason"]
            )
        return services.expert_status_change(
            actor=request.user,
            expert=expert,
            to_status=data["to_status"],
            on=today,
            reason=data["reason"],
        )

    return _on_expert(request, pk, change, _("状态已变更。"))


@perm.policy(perm.STAFF)
@require_POST
def expert_age_override(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写认定不受年龄限制的理由。"))
        return redirect("experts:expert_detail", pk=pk)
    return _on_expert(
        request,
        pk,
        lambda: services.expert_age_override(
            actor=request.user, expert=expert, reason=form.cleaned_data["reason"]
        ),
        _("已记录年龄条件例外的理由。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def employment_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    form = EmploymentForm(request.POST, birth=expert.birth_date)
    if not form.is_valid():
        errors = describe_errors(form)
        messages.error(request, _("未能添加工作经历：%(e)s") % {"e": errors})
        return redirect("experts:expert_detail", pk=pk)
    return _on_expert(
        request,
        pk,
        lambda: services.employment_add(actor=request.user, expert=expert, **form.cleaned_data),
        _("已添加工作经历。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def employment_remove(request: AuthenticatedHttpRequest, pk: int, item: int) -> HttpResponse:
    employment = get_object_or_404(Employment, pk=item, expert_id=pk)
    return _on_expert(
        request,
        pk,
        lambda: services.employment_remove(actor=request.user, item=employment),
        _("已删除该段工作经历。"),
    )


@perm.policy(perm.STAFF)
def change_request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "experts/workspace/change_request_list.html",
        {"requests": selectors.pending_change_requests(), "form": DecisionForm()},
    )


@perm.policy(perm.STAFF)
@require_POST
def change_request_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cr = get_object_or_404(ChangeRequest, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        errors = describe_errors(form)
        messages.error(request, errors)
        return redirect("experts:change_request_list")
    try:
        services.change_request_decide(
            actor=request.user,
            change_request=cr,
            confirm=form.cleaned_data["decision"] == "confirm",
            reason=form.cleaned_data["reason"],
        )
    except services.ExpertError as exc:
        messages.error(request, str(exc))
    else:
        done = _("已确认 %(e)s 的信息变更申请，变更已生效。")
        if form.cleaned_data["decision"] != "confirm":
            done = _("已退回 %(e)s 的信息变更申请，退回理由将告知本人。")
        messages.success(request, done % {"e": cr.expert})
    return redirect("experts:change_request_list")


@perm.policy(perm.STAFF)
def catalogue(request: AuthenticatedHttpRequest) -> HttpResponse:
    roots = ExpertiseField.objects.filter(parent__isnull=True).prefetch_related("children")
    return render(
        request,
        "experts/workspace/catalogue.html",
        {
            "roots": roots,
            "industries": Industry.objects.all(),
            "field_form": ExpertiseFieldForm(),
        },
    )


@perm.policy(perm.STAFF)
@require_POST
def catalogue_field_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ExpertiseFieldForm(request.POST)
    existing = None
    pk = request.POST.get("pk", "")
    if pk:
        number = record_number(pk)
        if number is None:
            raise Http404  # no field has such a number
        existing = get_object_or_404(ExpertiseField, pk=number)
    if not form.is_valid():
        errors = describe_errors(form)
        messages.error(request, errors)
        return redirect("experts:catalogue")
    try:
        services.expertise_field_save(actor=request.user, field=existing, **form.cleaned_data)
    except services.ExpertError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("专业领域已保存。"))
    return redirect("experts:catalogue")


@perm.policy(perm.STAFF)
@require_POST
def catalogue_industry_rename(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    industry = get_object_or_404(Industry, pk=pk)
    form = IndustryForm(request.POST)
    if form.is_valid():
        services.industry_rename(
            actor=request.user,
            industry=industry,
            name=form.cleaned_data["name"],
        )
        messages.success(request, _("行业名称已保存。"))
    else:
        messages.error(request, _("请填写行业名称。"))
    return redirect("experts:catalogue")

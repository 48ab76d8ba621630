"""Staff pages of the periodic assessment (考核): the list, running one, its results with the
grades, confirming, the export, and the exit review of experts assessed 不合格."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import permissions as perm
from zhiku.core.http import act
from zhiku.core.spreadsheets import XLSX_CONTENT_TYPE
from zhiku.evaluations import services
from zhiku.evaluations.choices import Dimension, Grade
from zhiku.evaluations.errors import EvaluationsError
from zhiku.evaluations.forms import (
    AssessmentForm,
    ExitReviewForm,
    GradeForm,
    WithdrawForm,
    first_error,
)
from zhiku.evaluations.models import Assessment, AssessmentResult
from zhiku.evaluations.selectors import assessments as selectors
from zhiku.evaluations.services.assessments import frozen_parameters
from zhiku.evaluations.services.exports import assessment_export

PER_PAGE = 50
SHOWN = {
    "": gettext_lazy("全部专家"),
    "evaluated": gettext_lazy("有评价记录的专家"),
    "ungraded": gettext_lazy("尚未评定等次"),
    "fail": gettext_lazy("不合格"),
}


def _detail_url(pk: int) -> str:
    return reverse("evaluations:assessment_detail", kwargs={"pk": pk})


@perm.policy(perm.STAFF)
def assessment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "evaluations/workspace/assessment_list.html",
        {
            "assessments": selectors.assessments(),
            "pending_reviews": selectors.exit_reviews_pending().count(),
        },
    )


@perm.policy(perm.STAFF)
def assessment_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start, end = services.default_period(today)
    form = AssessmentForm(
        request.POST or None,
        initial={
            "title": _("%(y)d 年度专家考核") % {"y": start.year},
            "period_start": start,
            "period_end": end,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            assessment = services.assessment_run(
                actor=request.user,
                title=d["title"],
                period_start=d["period_start"],
                period_end=d["period_end"],
            )
        except EvaluationsError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("考核已计算，请评定等次后确认。"))
            return redirect(_detail_url(assessment.pk))
    scale, weights, thresholds = frozen_parameters(today)
    return render(
        request,
        "evaluations/workspace/assessment_form.html",
        {
            "form": form,
            "scale_max": scale,
            "weights": [(Dimension(d).label, w) for d, w in weights.items()],
            "thresholds": thresholds,
        },
    )


@perm.policy(perm.STAFF)
def assessment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment.objects.select_related("created_by"), pk=pk)
    shown = request.GET.get("shown", "")
    if shown not in SHOWN:
        shown = ""
    results = selectors.results_of(assessment)
    if shown == "evaluated":
        results = results.filter(evaluations__gt=0)
    elif shown == "ungraded":
        results = results.filter(grade="")
    elif shown == "fail":
        results = results.filter(grade=Grade.FAIL)
    page = Paginator(results, PER_PAGE).get_page(request.GET.get("page"))
    all_results = assessment.results
    return render(
        request,
        "evaluations/workspace/assessment_detail.html",
        {
            "assessment": assessment,
            "page": page,
            "shown": shown,
            "shown_choices": SHOWN.items(),
            "weights": [(Dimension(d).label, w) for d, w in assessment.weights.items()],
            "dimensions": [d.label for d in Dimension],
            "grade_choices": GradeForm.base_fields["grade"].choices,  # type: ignore[attr-defined]
            "counts": {
                "all": all_results.count(),
                "evaluated": all_results.filter(evaluations__gt=0).count(),
                "ungraded": all_results.filter(grade="", evaluations__gt=0).count(),
                "suggestable": all_results.filter(grade="").exclude(suggested_grade="").count(),
                "grades": {g.label: all_results.filter(grade=g.value).count() for g in Grade},
            },
            "withdraw_form": WithdrawForm(),
            "today": timezone.localdate(),
        },
    )


def _back(request: AuthenticatedHttpRequest, assessment_pk: int, anchor: str = "") -> str:
    back = _detail_url(assessment_pk)
    query = request.POST.get("back_query", "")
    if query and all(c.isalnum() or c in "=&_-" for c in query):
        back += "?" + query
    return back + (f"#{anchor}" if anchor else "")


@perm.policy(perm.STAFF)
@require_POST
def result_grade(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    result = get_object_or_404(AssessmentResult.objects.select_related("assessment"), pk=pk)
    form = GradeForm(request.POST)
    back = _back(request, result.assessment_id, f"result-{result.pk}")
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    return act(
        request,
        lambda: services.result_grade(
            actor=request.user,
            result=result,
            grade=form.cleaned_data["grade"],
            remarks=form.cleaned_data["remarks"],
        ),
        back=back,
        success=_("已保存考核等次。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def assessment_recompute(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment, pk=pk)
    return act(
        request,
        lambda: services.assessment_recompute(actor=request.user, assessment=assessment),
        back=_detail_url(pk),
        success=_("已按现有记录重新计算（已评定的等次和意见保留）。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def assessment_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment, pk=pk)
    return act(
        request,
        lambda: services.assessment_grades_accept(actor=request.user, assessment=assessment),
        back=_detail_url(pk),
        success=_("尚未评定等次的专家已按分数线评定。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def assessment_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment, pk=pk)
    return act(
        request,
        lambda: services.assessment_confirm(actor=request.user, assessment=assessment),
        back=_detail_url(pk),
        success=_("考核结果已确认，不再改变；专家可在个人空间查看。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def assessment_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment, pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(_detail_url(pk))
    return act(
        request,
        lambda: services.assessment_withdraw(
            actor=request.user, assessment=assessment, reason=form.cleaned_data["reason"]
        ),
        back=_detail_url(pk),
        success=_("考核已撤销。"),
    )


@perm.policy(perm.EXPORTER)
def assessment_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The results as .xlsx, stamped with who exported them and when (audited)."""
    assessment = get_object_or_404(Assessment, pk=pk)
    now = timezone.now()
    content = assessment_export(actor=request.user, assessment=assessment, now=now)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="assessment-{assessment.pk}-{timezone.localtime(now):%Y%m%d-%H%M%S}.xlsx"'
    )
    return response


@perm.policy(perm.STAFF)
def exit_review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Experts assessed 不合格 on whom staff have not decided whether to open an exit case."""
    return render(
        request,
        "evaluations/workspace/exit_review_list.html",
        {"results": selectors.exit_reviews_pending(), "form": ExitReviewForm()},
    )


@perm.policy(perm.STAFF)
@require_POST
def exit_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    result = get_object_or_404(AssessmentResult, pk=pk)
    form = ExitReviewForm(request.POST)
    back = reverse("evaluations:exit_review_list")
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    return act(
        request,
        lambda: services.exit_review_record(
            actor=request.user,
            result=result,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        ),
        back=back,
        success=_("已记录研究结论。"),
    )

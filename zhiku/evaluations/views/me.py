"""The expert's own pages (/me/): training sessions with their materials, and their scores and
confirmed assessments, to which they may respond in writing."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import permissions as perm
from zhiku.core.uploads import stored_file_response
from zhiku.evaluations import services
from zhiku.evaluations.choices import AssessmentStatus, Dimension
from zhiku.evaluations.errors import EvaluationsError
from zhiku.evaluations.forms import ResponseForm, first_error
from zhiku.evaluations.models import AssessmentResult, TrainingMaterial
from zhiku.evaluations.selectors import training as training_selectors
from zhiku.evaluations.selectors.assessments import confirmed_results_of
from zhiku.evaluations.selectors.evaluations import evaluations_of
from zhiku.experts.selectors import expert_of


def _no_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "experts/me/no_profile.html")


@perm.policy(perm.EXPERT)
def training_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The sessions the expert is invited to: coming ones first, then past ones."""
    expert = expert_of(request.user)
    if expert is None:
        return _no_profile(request)
    today = timezone.localdate()
    invitations = list(training_selectors.trainings_of(expert))
    materials: dict[int, list[TrainingMaterial]] = {}
    for m in TrainingMaterial.objects.filter(
        session__in=[i.session_id for i in invitations], removed_at__isnull=True
    ).select_related("file"):
        materials.setdefault(m.session_id, []).append(m)
    for i in invitations:
        i.materials = materials.get(i.session_id, [])  # type: ignore[attr-defined]
    coming = [i for i in invitations if i.session.date >= today and not i.session.is_cancelled]
    return render(
        request,
        "evaluations/me/training_list.html",
        {
            "coming": sorted(coming, key=lambda i: (i.session.date, i.session.pk)),
            "past": [i for i in invitations if i not in coming],
        },
    )


@perm.policy(perm.EXPERT)
def training_material(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """A material of a session the expert is invited to; any other answers 404."""
    expert = expert_of(request.user)
    material = training_selectors.material_for_expert(expert, pk) if expert else None
    if material is None:
        raise Http404
    return stored_file_response(material.file, inline=False)


@perm.policy(perm.EXPERT)
def evaluation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The expert's scores, activity by activity, and their confirmed assessments."""
    expert = expert_of(request.user)
    if expert is None:
        return _no_profile(request)
    return render(
        request,
        "evaluations/me/evaluation_list.html",
        {
            "evaluations": evaluations_of(expert),
            "results": confirmed_results_of(expert),
            "dimensions": [d.label for d in Dimension],
            "form": ResponseForm(),
        },
    )


@perm.policy(perm.EXPERT)
@require_POST
def assessment_respond(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = expert_of(request.user)
    result = get_object_or_404(
        AssessmentResult,
        pk=pk,
        expert=expert,
        assessment__status=AssessmentStatus.CONFIRMED,
    )
    form = ResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("me:evaluation_list")
    try:
        services.result_respond(actor=request.user, result=result, text=form.cleaned_data["text"])
    except EvaluationsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("您的书面回应已提交，并记入综合考核档案。"))
    return redirect(reverse("me:evaluation_list") + f"#result-{result.pk}")

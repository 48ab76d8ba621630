"""Staff pages of evaluation (art. 11): the closed activities to score, and an activity's
scoring sheet with the anchored scale of each dimension."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.activities.models import Activity
from zhiku.core import permissions as perm
from zhiku.evaluations import rules, services
from zhiku.evaluations.choices import Dimension
from zhiku.evaluations.errors import EvaluationsError
from zhiku.evaluations.forms import ScoreForm, first_error
from zhiku.evaluations.selectors import evaluations as selectors
from zhiku.experts.models import Expert

PER_PAGE = 25


@perm.policy(perm.STAFF)
def evaluation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The closed activities the user is in charge of, with how many experts are scored."""
    page = Paginator(selectors.activities_to_score(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "evaluations/workspace/evaluation_list.html", {"page": page})


def _guide(scale_max: int) -> list[tuple[int, list[str]]]:
    """The anchored scale as a table: each level (highest first) with each dimension's text."""
    return [
        (level, [rules.anchor(d.value, level, scale_max) for d in Dimension])
        for level in range(scale_max, 0, -1)
    ]


@perm.policy(perm.STAFF)
def evaluation_activity(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Score every expert who attended; each form scores one expert."""
    activity = get_object_or_404(Activity, pk=pk)
    errors: dict[int, tuple[str, str]] = {}
    posted: dict[int, Any] = {}
    if request.method == "POST":
        form = ScoreForm(request.POST)
        if not form.is_valid():
            messages.error(request, first_error(form) or _("提交的内容有误。"))
            return redirect("evaluations:evaluation_activity", pk=pk)
        data = form.cleaned_data
        expert = get_object_or_404(Expert, pk=data["expert"])
        try:
            services.evaluation_record(
                actor=request.user,
                activity=activity,
                expert=expert,
                scores={d: data[d] for d in Dimension.values},
                comment=data["comment"],
                opinion=data["opinion"],
            )
        except EvaluationsError as exc:
            errors[expert.pk] = (exc.field or "", str(exc))
            posted[expert.pk] = data
        else:
            messages.success(request, _("已保存 %(e)s 的评价。") % {"e": expert})
            return redirect(f"{request.path}#expert-{expert.pk}")
    sheet = selectors.scoring_sheet(activity)
    today_scale = services.scale_on(timezone.localdate())
    rows = []
    for row in sheet:
        scale = row.evaluation.scale_max if row.evaluation else today_scale
        values: dict[str, Any] = {}
        if row.evaluation is not None:
            values = {**row.evaluation.scores(), "comment": row.evaluation.comment}
        values = posted.get(row.expert.pk, values)
        rows.append(
            {
                "row": row,
                "scale_max": scale,
                "fields": [
                    {
                        "code": d.value,
                        "label": d.label,
                        "value": values.get(d.value, ""),
                        "options": [
                            (level, text, str(values.get(d.value, "")) == str(level))
                            for level, text in rules.scale_levels(d.value, scale)
                        ],
                    }
                    for d in Dimension
                ],
                "comment": values.get("comment", ""),
                "opinion": values.get("opinion", row.attendance.opinion),
                "error": errors.get(row.expert.pk),
            }
        )
    return render(
        request,
        "evaluations/workspace/evaluation_activity.html",
        {
            "activity": activity,
            "rows": rows,
            "dimensions": [d.label for d in Dimension],
            "guide": _guide(today_scale),
            "scale_max": today_scale,
        },
        status=400 if errors else 200,
    )

"""Staff pages of activities (workspace/activities/): list, form, detail, close, aliases,
the draws' queue and their statistics."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.accounts.models import Right
from zhiku.activities import selectors, services
from zhiku.activities.choices import ActivityKind
from zhiku.activities.errors import ActivityError
from zhiku.activities.forms import (
    ActivityFilterForm,
    ActivityForm,
    AliasForm,
    CloseForm,
    RecommendationForm,
)
from zhiku.activities.models import Activity, OrganisationAlias
from zhiku.core import permissions as perm
from zhiku.core.forms import describe_errors
from zhiku.core.http import act
from zhiku.core.parameters import parameter_value

PER_PAGE = 25
# Service field names -> the form's.
FORM_FIELD = {"commissioning_units": "commissioning_unit"}

# The years the statistics page accepts in ?year= (others read as this year).
YEARS_SHOWN = (1900, 2999)


def _error_on(form: ActivityForm | AliasForm, exc: ActivityError) -> None:
    name = FORM_FIELD.get(exc.field or "", exc.field)
    form.add_error(name if name in form.fields else None, str(exc))


@perm.policy(perm.STAFF)
def activity_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    activities = selectors.activity_list(**{k: v for k, v in filters.items() if v})
    page = Paginator(activities, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "activities/workspace/activity_list.html", {"form": form, "page": page})


@perm.policy(perm.STAFF)
def activity_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(actor=request.user, data=form.to_data())
        except ActivityError as exc:
            _error_on(form, exc)
        else:
            messages.success(request, _("已创建活动“%(t)s”。") % {"t": activity.title})
            return redirect("activities:activity_detail", pk=activity.pk)
    return render(
        request, "activities/workspace/activity_form.html", {"form": form, "activity": None}
    )


@perm.policy(perm.STAFF)
def activity_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    form = ActivityForm(request.POST or None, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(actor=request.user, activity=activity, data=form.to_data())
        except ActivityError as exc:
            _error_on(form, exc)
        else:
            messages.success(request, _("已保存修改。"))
            return redirect("activities:activity_detail", pk=activity.pk)
    return render(
        request, "activities/workspace/activity_form.html", {"form": form, "activity": activity}
    )


@perm.policy(perm.STAFF)
def activity_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity.objects.prefetch_related("organisations", "staff"), pk=pk)
    # Answers are current when looked at: an invitation past its deadline counts as declined.
    services.invitations_lapse(now=timezone.now(), activity=activity)
    draws = list(activity.draws.select_related("supervisor", "opened_by").order_by("opened_at"))
    current = next((d for d in draws if d.is_active), None)
    names = selectors.may_see_names(request.user, activity)
    entries = selectors.roster(activity) if names else []
    if entries:
        services.roster_viewed(actor=request.user, activity=activity, page="activity")
    in_charge = request.user.has_right(Right.RUN_DRAWS) or any(
        u.pk == request.user.pk for u in activity.staff.all()
    )
    seminar = activity.kind == ActivityKind.SEMINAR
    return render(
        request,
        "activities/workspace/activity_detail.html",
        {
            "activity": activity,
            "draws": draws,
            "current": current,
            "state": selectors.draw_state(current) if current and current.rounds.exists() else None,
            "may_draw": request.user.has_right(Right.RUN_DRAWS),
            "in_charge": in_charge,
            "names": names,
            "entries": entries,
            "counts": selectors.roster_counts(activity),
            "waiting": services.waiting_count(activity) if activity.is_open else 0,
            "designations": selectors.designations_of(activity),
            "seminar": seminar,
            "recommendations": activity.recommendations.prefetch_related("experts"),
            "recommendation_form": RecommendationForm(
                experts=[e.expert for e in entries if e.confirmed]
            )
            if seminar and names and in_charge
            else None,
            "close_form": CloseForm(),
            "changes": activity.changes.select_related("actor"),
        },
    )


@perm.policy(perm.STAFF)
@require_POST
def activity_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    form = CloseForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    return act(
        request,
        lambda: services.activity_close(actor=request.user, activity=activity, reason=reason),
        back=reverse("activities:activity_detail", kwargs={"pk": pk}),
        success=_("活动已结束；各项抽取的秘密值已公开，任何人可据抽取记录核验。"),
    )


@perm.policy(perm.STAFF)
def alias_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AliasForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.alias_add(actor=request.user, **form.cleaned_data)
        except ActivityError as exc:
            _error_on(form, exc)
        else:
            messages.success(request, _("已登记别名。"))
            return redirect("activities:alias_list")
    aliases = OrganisationAlias.objects.select_related("created_by")
    return render(
        request, "activities/workspace/alias_list.html", {"form": form, "aliases": aliases}
    )


@perm.policy(perm.STAFF)
@require_POST
def alias_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(OrganisationAlias, pk=pk)
    return act(
        request,
        lambda: services.alias_remove(actor=request.user, item=item),
        back=reverse("activities:alias_list"),
        success=_("已删除别名。"),
    )


@perm.policy(perm.STAFF)
def draw_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    queue = request.GET.get("queue", "")
    if queue not in selectors.QUEUES:
        queue = ""
    draws = selectors.draw_queue(queue)
    page = Paginator(draws, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/workspace/draw_list.html",
        {"page": page, "queue": queue, "queues": selectors.QUEUES},
    )


@perm.policy(perm.STAFF)
def draw_statistics(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Draws, answers (the share recorded on the experts' behalf), designations, and the spread
    of participation with its Gini coefficient."""
    today = timezone.localdate()
    years = selectors.draw_statistics()
    answers = {a.year: a for a in selectors.answer_statistics()}
    designations = {d.year: d for d in selectors.designation_statistics()}
    shown = sorted({today.year, *(y.year for y in years), *answers, *designations}, reverse=True)
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    if not YEARS_SHOWN[0] <= year <= YEARS_SHOWN[1]:  # a year the database cannot bound
        year = today.year
    return render(
        request,
        "activities/workspace/statistics.html",
        {
            "years": {y.year: y for y in years},
            "answers": answers,
            "designations": designations,
            "shown": shown,
            "year": year,
            "participation": selectors.participation(year),
            "weighting": bool(parameter_value("rotation_weighting", today)),
        },
    )


def form_error(request: AuthenticatedHttpRequest, form: object, back: str) -> HttpResponse:
    """Say what is wrong with a small action's form and go back."""
    messages.error(request, describe_errors(form))  # type: ignore[arg-type]
    return redirect(back)

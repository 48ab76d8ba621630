"""Staff pages of a draw: setting conditions with the pool preview, the draw's page, its steps,
its record (JSON) and its sheet (抽取记录表, PDF)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.accounts.models import Right
from zhiku.activities import selectors, services
from zhiku.activities.choices import Reason
from zhiku.activities.errors import DrawError
from zhiku.activities.forms import (
    STRATUM_PREFIX,
    DrawSetupForm,
    LotteryForm,
    ReasonForm,
    TopupForm,
)
from zhiku.activities.models import Activity, Draw
from zhiku.activities.pool import Conditions, Pool
from zhiku.activities.record import record_filename, record_json
from zhiku.activities.views.workspace import form_error
from zhiku.core import permissions as perm
from zhiku.core.documents import PDF_CONTENT_TYPE, render_pdf
from zhiku.core.errors import AccessDenied
from zhiku.core.http import act
from zhiku.core.parameters import parameter_value
from zhiku.experts.models import Expert

# Service field names -> the setup form's.
SETUP_FIELD = {"strata": "places", "value": None}
PREVIEW_LISTED = 200  # excluded experts listed per reason on the preview


@perm.policy(perm.DRAW_RUNNER)
def draw_setup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set the conditions (设定条件), preview the eligible pool, then freeze it and open the draw."""
    activity = get_object_or_404(Activity.objects.prefetch_related("organisations"), pk=pk)
    form = DrawSetupForm(request.POST or None, activity=activity)
    preview = None
    if request.method == "POST" and form.is_valid():
        setup = form.setup()
        try:
            if request.POST.get("action") == "open":
                draw = services.draw_open(actor=request.user, activity=activity, setup=setup)
                messages.success(
                    request,
                    _("名单已冻结，承诺值已公布。请监督人登录后录入见证值。"),
                )
                return redirect("activities:draw_detail", pk=draw.pk)
            preview = services.draw_preview(
                actor=request.user, activity=activity, setup=setup, today=timezone.localdate()
            )
        except DrawError as exc:
            name = SETUP_FIELD.get(exc.field or "", exc.field)
            form.add_error(name if name in form.fields else None, str(exc))
    return render(
        request,
        "activities/workspace/draw_setup.html",
        {
            "activity": activity,
            "form": form,
            "preview": preview,
            "groups": _groups(preview) if preview else [],
            "listed": PREVIEW_LISTED,
            "stratum_prefix": STRATUM_PREFIX,
            "recusal": services.recusal_for(activity, timezone.localdate()),
            "weighting": bool(parameter_value("rotation_weighting", timezone.localdate())),
            "weighting_days": parameter_value("rotation_weighting_days", timezone.localdate()),
        },
    )


@dataclass
class _Row:
    expert: Expert
    reasons: tuple[str, ...]

    def reason_labels(self) -> list[str]:
        return [str(Reason(r).label) for r in self.reasons]


def _groups(preview: Pool) -> list[tuple[str, str, list[_Row]]]:
    """The preview's excluded experts by reason, the first PREVIEW_LISTED of each with names."""
    groups = preview.by_reason()
    ids = {e.expert_id for _code, _label, rows in groups for e in rows[:PREVIEW_LISTED]}
    experts = Expert.objects.in_bulk(ids)
    return [
        (
            code,
            label,
            [
                _Row(experts[e.expert_id], e.reasons)
                if e.expert_id in experts
                else _Row(Expert(pool_number=e.label), e.reasons)
                for e in rows
            ],
        )
        for code, label, rows in groups
    ]


def _draw(pk: int) -> Draw:
    return get_object_or_404(
        Draw.objects.select_related("activity", "supervisor", "opened_by", "lottery_by"), pk=pk
    )


@perm.policy(perm.STAFF)
@never_cache
def draw_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A draw's page. While the activity is open its candidates are named (and shown by pool
    number) only to the activity's staff — each view audited; others see counts."""
    draw = _draw(pk)
    services.invitations_lapse(now=timezone.now(), activity=draw.activity)
    rounds = selectors.draw_rounds(draw)
    names = selectors.may_see_names(request.user, draw.activity)
    if names and rounds:
        services.roster_viewed(actor=request.user, activity=draw.activity, page="draw", draw=draw)
    return render(
        request,
        "activities/workspace/draw_detail.html",
        {
            "draw": draw,
            "activity": draw.activity,
            "conditions": Conditions.from_json(draw.conditions).describe(),
            "reasons": selectors.reason_rows(draw),
            "rounds": rounds,
            "state": selectors.draw_state(draw) if rounds else None,
            "names": names,
            "may_draw": request.user.has_right(Right.RUN_DRAWS),
            "lottery_form": LotteryForm(),
            "cancel_form": ReasonForm(),
            "topup_form": TopupForm(initial={"expected_round": len(rounds) + 1}),
            "changes": draw.changes.select_related("actor").order_by("at", "pk"),
        },
    )


def _back(pk: int) -> str:
    return reverse("activities:draw_detail", kwargs={"pk": pk})


@perm.policy(perm.DRAW_RUNNER)
@require_POST
def draw_lottery(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draw = _draw(pk)
    form = LotteryForm(request.POST)
    if not form.is_valid():
        return form_error(request, form, _back(pk))
    return act(
        request,
        lambda: services.draw_lottery_enter(
            actor=request.user, draw=draw, value=form.cleaned_data["value"]
        ),
        back=_back(pk),
        success=_("开奖结果已录入。"),
    )


@perm.policy(perm.DRAW_RUNNER)
@require_POST
def draw_topup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draw = _draw(pk)
    form = TopupForm(request.POST)
    if not form.is_valid():
        return form_error(request, form, _back(pk))
    number = form.cleaned_data["expected_round"]
    return act(
        request,
        lambda: services.draw_topup(actor=request.user, draw=draw, expected_round=number),
        back=_back(pk),
        success=_("第 %(n)d 轮补充抽取已完成。") % {"n": number},
    )


@perm.policy(perm.DRAW_RUNNER)
@require_POST
def draw_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draw = _draw(pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写取消原因：取消将显示在活动页面和统计中。"))
        return redirect(_back(pk))
    return act(
        request,
        lambda: services.draw_cancel(
            actor=request.user, draw=draw, reason=form.cleaned_data["reason"]
        ),
        back=_back(pk),
        success=_("抽取已取消，原因已记录。"),
    )


@perm.policy(perm.DRAW_RUNNER)
@require_POST
def draw_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draw = _draw(pk)
    return act(
        request,
        lambda: services.draw_publish(actor=request.user, draw=draw),
        back=_back(pk),
        success=_("抽取记录已在门户公布。"),
    )


def _names_or_refuse(request: AuthenticatedHttpRequest, draw: Draw, page: str) -> None:
    """A record or sheet of an open activity's draw names its candidates: its staff only."""
    if draw.rounds.exists() and not selectors.may_see_names(request.user, draw.activity):
        raise AccessDenied(
            _("活动结束前，抽取结果仅限本活动的负责工作人员查看；活动结束后可下载。")
        )
    if draw.rounds.exists():
        services.roster_viewed(actor=request.user, activity=draw.activity, page=page, draw=draw)


@perm.policy(perm.STAFF)
def draw_record_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The record as JSON (for the commissioning unit, or to check with zhiku.verify)."""
    draw = _draw(pk)
    _names_or_refuse(request, draw, "record")
    services.draw_record_given(actor=request.user, draw=draw)
    response = HttpResponse(record_json(draw), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record_filename(draw)}"'
    return response


@perm.policy(perm.DRAW_RUNNER)
def draw_sheet(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The draw sheet (抽取记录表): conditions, counts, commitment, randomness, result, and
    lines for the operator's and the supervisor's signatures."""
    draw = _draw(pk)
    _names_or_refuse(request, draw, "sheet")
    services.draw_sheet_printed(actor=request.user, draw=draw)
    rounds = selectors.draw_rounds(draw)
    pdf = render_pdf(
        "activities/documents/draw_sheet.html",
        {
            "draw": draw,
            "activity": draw.activity,
            "conditions": Conditions.from_json(draw.conditions).describe(),
            "rounds": rounds,
            "reason_counts": [
                (label, draw.counts.get("reasons", {}).get(code, 0))
                for code, label, _rows in selectors.reason_rows(draw)
            ],
        },
    )
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{draw.code}.pdf"'
    return response

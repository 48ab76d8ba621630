"""Actions on an expert's page about admission and signing in: admitting an applicant (with a
reason when art. 6 fails), reviewing an imported expert, sending the activation e-mail."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import permissions as perm
from zhiku.core.http import act
from zhiku.experts import services
from zhiku.experts.forms import AdmissionForm, LegacyReviewForm
from zhiku.experts.models import Expert


def _back(pk: int, anchor: str = "") -> str:
    return reverse("experts:expert_detail", kwargs={"pk": pk}) + anchor


@perm.policy(perm.REVIEWER)
@require_POST
def expert_admit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    form = AdmissionForm(request.POST)
    form.is_valid()  # both fields are optional: the service says what is missing
    data = form.cleaned_data
    return act(
        request,
        lambda: services.expert_admit(
            actor=request.user,
            expert=expert,
            on=timezone.localdate(),
            reason=data.get("reason") or _("审核人批准入库"),
            exception_reason=data.get("exception_reason", ""),
        ),
        back=_back(pk, "#admission"),
        success=_("已批准入库。"),
    )


@perm.policy(perm.REVIEWER)
@require_POST
def expert_legacy_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    form = LegacyReviewForm(request.POST)
    form.is_valid()
    return act(
        request,
        lambda: services.expert_legacy_review(
            actor=request.user,
            expert=expert,
            on=timezone.localdate(),
            exception_reason=form.cleaned_data.get("exception_reason", ""),
        ),
        back=_back(pk, "#admission"),
        success=_("已记录逐项核验。"),
    )


@perm.policy(perm.STAFF)
@require_POST
def expert_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    return act(
        request,
        lambda: services.expert_account_invite(actor=request.user, expert=expert),
        back=_back(pk, "#account"),
        success=_("已发送设置密码的邮件（24 小时内有效）。"),
    )

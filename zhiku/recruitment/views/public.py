"""Public pages: the calls, their Atom feed, the personal-information notice, registration."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiku.core import permissions as perm
from zhiku.core import ratelimits
from zhiku.core.context import client_ip
from zhiku.core.errors import DomainError
from zhiku.recruitment import rules, selectors, services
from zhiku.recruitment.forms import RegisterForm, RegisterVerifyForm
from zhiku.recruitment.models import Application, Call

SESSION_CODE = "recruitment_code"
SESSION_NEXT = "recruitment_next"


@perm.policy(perm.PUBLIC)
def call_list(request: HttpRequest) -> HttpResponse:
    current, past = selectors.public_calls(timezone.now())
    return render(request, "recruitment/public/call_list.html", {"current": current, "past": past})


@perm.policy(perm.PUBLIC)
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(
        Call.objects.prefetch_related("fields_sought"), pk=pk, status=Call.Status.PUBLISHED
    )
    now = timezone.now()
    mine = None
    if request.user.is_authenticated:
        mine = Application.objects.filter(call=call, user=request.user).first()
    return render(
        request,
        "recruitment/public/call_detail.html",
        {
            "call": call,
            "phase": selectors.call_phase(call, now),
            "deadline": rules.call_deadline(call.closes_on),
            "mine": mine,
            "start_url": reverse("me:application_start", kwargs={"call": call.pk}),
        },
    )


class CallFeed(Feed):
    """Atom feed of published calls, for the association's website and WeChat editors."""

    feed_type = Atom1Feed
    title = gettext_lazy("广东省质量发展智库 · 专家征集通知")
    subtitle = gettext_lazy("广东省质量发展促进会发布的智库专家公开征集通知")

    def link(self) -> str:
        return reverse("calls:call_list")

    def items(self) -> list[Call]:
        return list(
            Call.objects.filter(status=Call.Status.PUBLISHED).order_by("-published_at", "-pk")[:30]
        )

    def item_title(self, item: Call) -> str:
        return item.title

    def item_description(self, item: Call) -> str:
        return _("征集时间：%(a)s 至 %(b)s 24:00（北京时间）。\n%(body)s") % {
            "a": item.opens_on.isoformat(),
            "b": item.closes_on.isoformat(),
            "body": item.body,
        }

    def item_link(self, item: Call) -> str:
        return reverse("calls:call_detail", kwargs={"pk": item.pk})

    def item_pubdate(self, item: Call) -> Any:
        return item.published_at

    def item_updateddate(self, item: Call) -> Any:
        return item.published_at


call_feed = perm.policy(perm.PUBLIC)(CallFeed())


@perm.policy(perm.PUBLIC)
def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "recruitment/public/privacy.html",
        {"version": services.PRIVACY_NOTICE_VERSION},
    )


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


@perm.policy(perm.PUBLIC)
@ratelimits.limited(ratelimits.REGISTRATION_CODE)
def register(request: HttpRequest) -> HttpResponse:
    """Step 1: where to send the one-time code (and consent to the notice)."""
    if request.user.is_authenticated:
        messages.info(request, _("您已登录，无需注册。"))
        return redirect("core:home_redirect")
    next_url = _safe_next(request, request.GET.get("next") or request.POST.get("next", ""))
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.verification_code_send(
                channel=form.cleaned_data["channel"],
                address=form.cleaned_data["address"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            request.session[SESSION_CODE] = row.pk
            request.session[SESSION_NEXT] = next_url
            return redirect("calls:register_verify")
    return render(request, "recruitment/public/register.html", {"form": form, "next": next_url})


@perm.policy(perm.PUBLIC)
@ratelimits.limited(ratelimits.REGISTRATION_VERIFY)
def register_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code, the name, the password: the account is opened and signed in."""
    if request.user.is_authenticated:
        return redirect("core:home_redirect")
    code_id = request.session.get(SESSION_CODE)
    sent_to = services.pending_recipient(code_id)
    if sent_to is None:
        messages.error(request, _("请先填写电子邮箱或手机号码，获取验证码。"))
        return redirect("calls:register")
    form = RegisterVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.applicant_register(
                code_id=code_id,
                code=form.cleaned_data["code"],
                full_name=form.cleaned_data["full_name"],
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            next_url = request.session.get(SESSION_NEXT, "")
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功，已为您登录。"))
            return redirect(next_url or "me:application_list")
    channel, masked = sent_to
    return render(
        request,
        "recruitment/public/register_verify.html",
        {"form": form, "channel": channel, "masked": masked},
    )

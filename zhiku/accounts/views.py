from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts import services
from zhiku.accounts.forms import (
    AccountCreateForm,
    AccountFilterForm,
    LoginForm,
    QueuedPasswordResetForm,
    ReasonForm,
    RightForm,
    RoleForm,
)
from zhiku.accounts.models import Right, Role, User
from zhiku.accounts.selectors import account_history, internal_accounts
from zhiku.core import permissions as perm
from zhiku.core.audit import log_action
from zhiku.core.forms import describe_errors

login = perm.policy(perm.PUBLIC)(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=LoginForm,
        redirect_authenticated_user=True,
    )
)
logout = perm.policy(perm.PUBLIC)(auth_views.LogoutView.as_view())


class _PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        log_action("accounts.password.changed", request=self.request, obj=form.user)
        return response


class _PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        log_action("accounts.password.reset", request=self.request, actor=form.user, obj=form.user)
        return response


password_change = perm.policy(perm.SIGNED_IN)(
    _PasswordChangeView.as_view(
        template_name="accounts/password_change.html",
        success_url=reverse_lazy("accounts:password_change_done"),
    )
)
password_change_done = perm.policy(perm.SIGNED_IN)(
    auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
)
password_reset = perm.policy(perm.PUBLIC)(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        form_class=QueuedPasswordResetForm,
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = perm.policy(perm.PUBLIC)(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = perm.policy(perm.PUBLIC)(
    _PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = perm.policy(perm.PUBLIC)(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)


@perm.policy(perm.SECURITY_ADMIN)
def account_list(request: HttpRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET or None)
    role = q = ""
    if form.is_valid():
        role, q = form.cleaned_data["role"], form.cleaned_data["q"]
    page = Paginator(internal_accounts(role=role, q=q), 25).get_page(request.GET.get("page"))
    return render(request, "accounts/account_list.html", {"form": form, "page": page})


@perm.policy(perm.SECURITY_ADMIN)
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.account_create(
                actor=request.user,  # type: ignore[arg-type]
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                role=data["role"],
                request=request,
            )
        except services.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            if data["send_activation"]:
                services.account_send_activation(user=user, request=request)
                messages.success(request, _("账户已创建，设置密码的链接已发送到 %s。") % user.email)
            else:
                messages.success(request, _("账户已创建。"))
            return redirect("accounts:account_detail", pk=user.pk)
    return render(request, "accounts/account_create.html", {"form": form})


def _internal_account(pk: int) -> User:
    return get_object_or_404(User.objects.exclude(role=Role.EXPERT), pk=pk)


@perm.policy(perm.SECURITY_ADMIN)
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = _internal_account(pk)
    grants = account.right_grants.filter(revoked_at__isnull=True).select_related("granted_by")
    held = {g.right for g in grants}
    context = {
        "account": account,
        "grants": grants,
        "grantable": [(v, label) for v, label in Right.choices if v not in held],
        "history": account_history(account)[:50],
        "locked": services.is_locked_out(account),
        "is_self": account.pk == request.user.pk,
        "right_form": RightForm(),
        "role_form": RoleForm(initial={"role": account.role}),
        "reason_form": ReasonForm(),
    }
    return render(request, "accounts/account_detail.html", context)


def _run(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Apply one account action from the detail page's forms and go back to that page."""
    account = _internal_account(pk)
    actor: User = request.user  # type: ignore[assignment]
    form: ReasonForm
    if action in {"grant", "revoke"}:
        form = RightForm(request.POST)
    elif action == "role":
        form = RoleForm(request.POST)
    else:
        form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请完整填写表单：%s") % describe_errors(form))
        return redirect("accounts:account_detail", pk=pk)
    data, reason = form.cleaned_data, form.cleaned_data["reason"]
    try:
        if action == "grant":
            services.right_grant(
                actor=actor, user=account, right=data["right"], reason=reason, request=request
            )
            messages.success(request, _("已授予权限。"))
        elif action == "revoke":
            services.right_revoke(
                actor=actor, user=account, right=data["right"], reason=reason, request=request
            )
            messages.success(request, _("已撤销权限。"))
        elif action == "role":
            services.account_set_role(
                actor=actor, user=account, role=data["role"], reason=reason, request=request
            )
            messages.success(request, _("已变更角色。"))
        elif action in {"activate", "deactivate"}:
            services.account_set_active(
                actor=actor,
                user=account,
                active=action == "activate",
                reason=reason,
                request=request,
            )
            messages.success(
                request, _("已启用账户。") if action == "activate" else _("已停用账户。")
            )
        elif action == "unlock":
            services.account_unlock(actor=actor, user=account, reason=reason, request=request)
            messages.success(request, _("已解除登录锁定。"))
    except services.AccountError as exc:
        messages.error(request, str(exc))
    return redirect("accounts:account_detail", pk=pk)


@perm.policy(perm.SECURITY_ADMIN)
@require_POST
def account_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in {"grant", "revoke", "role", "activate", "deactivate", "unlock"}:
        return redirect("accounts:account_detail", pk=pk)
    return _run(request, pk, action)


@perm.policy(perm.SECURITY_ADMIN)
@require_POST
def account_send_activation(request: HttpRequest, pk: int) -> HttpResponse:
    account = _internal_account(pk)
    try:
        services.account_send_activation(user=account, request=request)
    except services.AccountError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("设置密码的链接已发送到 %s。") % account.email)
    return redirect("accounts:account_detail", pk=pk)

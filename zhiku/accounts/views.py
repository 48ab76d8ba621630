"""Sign-in, passwords, and the security admin's pages for accounts, roles and rights."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts import approvals, services
from zhiku.accounts.forms import (
    AccountCreateForm,
    AccountFilterForm,
    LoginForm,
    NoteForm,
    QueuedPasswordResetForm,
    ReasonForm,
    RightForm,
    RoleForm,
    right_choices,
)
from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.accounts.lockout import locked_addresses, lockouts_clear
from zhiku.accounts.models import SENSITIVE_RIGHTS, Approval, Role, User
from zhiku.accounts.second_factor import has_second_factor
from zhiku.accounts.selectors import account_history, internal_accounts
from zhiku.core import permissions as perm
from zhiku.core import ratelimits
from zhiku.core.audit import log_action
from zhiku.core.forms import describe_errors
from zhiku.core.http import act as run


class _LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # LoginView puts Django's Site object under "site", hiding the site names every page
        # takes from the context processor (the title and the footer lost them).
        context["site"] = settings.ZHIKU_SITE
        return context


login = perm.policy(perm.PUBLIC)(
    ratelimits.limited(ratelimits.LOGIN)(
        _LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        )
    )
)
logout = perm.policy(perm.PUBLIC)(auth_views.LogoutView.as_view())


class _PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_chosen(user=form.user)
        log_action("accounts.password.changed", actor=form.user, obj=form.user)
        return response


class _PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_chosen(user=form.user)
        # The e-mailed link proves the holder: their new password ends any lockout at once.
        cleared = lockouts_clear(form.user.username)
        log_action(
            "accounts.password.reset",
            actor=form.user,
            obj=form.user,
            data={"lockouts_cleared": cleared} if cleared else None,
        )
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
def account_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET or None)
    role = q = ""
    if form.is_valid():
        role, q = form.cleaned_data["role"], form.cleaned_data["q"]
    page = Paginator(internal_accounts(role=role, q=q), 25).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, **_approvals_waiting(request.user)}
    return render(request, "accounts/account_list.html", context)


def _approvals_waiting(user: User) -> dict[str, Any]:
    """What the security admin's home shows first: requests to decide, and their own waiting."""
    waiting = list(approvals.pending())
    return {
        "to_decide": [a for a in waiting if a.requested_by_id != user.pk and a.user_id != user.pk],
        "mine_waiting": [a for a in waiting if a.requested_by_id == user.pk],
        "lone_admin": not approvals.can_be_approved(),
    }


@perm.policy(perm.SECURITY_ADMIN)
def account_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            opening = approvals.account_open(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                role=data["role"],
                rights=data["rights"],
                reason=data["reason"],
                send_activation=data["send_activation"],
                temporary_password=data["temporary_password"],
            )
        except services.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            if opening.user is None:
                messages.success(
                    request,
                    _("已提交创建安全管理员账户的申请：须由另一位安全管理员批准后方才创建。"),
                )
                return redirect("accounts:approval_detail", pk=opening.requests[0].pk)
            text = _("账户已创建。")
            if data["send_activation"]:
                text = _("账户已创建，设置密码的链接已发送到 %s。") % opening.user.email
            if opening.requests:
                text += _(
                    "涉及个人信息的 %(n)d 项权限已提交申请，须由另一位安全管理员批准后生效。"
                ) % {"n": len(opening.requests)}
            messages.success(request, text)
            return redirect("accounts:account_detail", pk=opening.user.pk)
    return render(
        request,
        "accounts/account_create.html",
        {"form": form, "lone_admin": not approvals.can_be_approved()},
    )


def _internal_account(pk: int) -> User:
    return get_object_or_404(User.objects.exclude(role=Role.EXPERT), pk=pk)


@perm.policy(perm.SECURITY_ADMIN)
def account_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = _internal_account(pk)
    grants = account.right_grants.filter(revoked_at__isnull=True).select_related(
        "granted_by", "approved_by"
    )
    waiting = list(approvals.pending().filter(user=account))
    unavailable = {g.right for g in grants} | {a.right for a in waiting}
    context = {
        "account": account,
        "grants": grants,
        "waiting": waiting,
        "grantable": [(v, label) for v, label in right_choices() if v not in unavailable],
        "lone_admin": not approvals.can_be_approved(),
        "history": account_history(account)[:50],
        "locked": locked_addresses(account.username),
        "has_second_factor": has_second_factor(account),
        "is_self": account.pk == request.user.pk,
        "right_form": RightForm(),
        "role_form": RoleForm(initial={"role": account.role}),
        "reason_form": ReasonForm(),
    }
    return render(request, "accounts/account_detail.html", context)


def _detail_action(
    load: Callable[[int], Any],
    detail: str,
    form_class: type[forms.Form],
    action: Callable[[User, Any, dict[str, Any]], object],
    done: Callable[[], str],
) -> perm.View:
    """One button of a detail page (``detail``, a URL name taking ``pk``): load the object,
    check the form, call the service, go back to the page."""

    @perm.policy(perm.SECURITY_ADMIN)
    @require_POST
    def view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        subject = load(pk)
        form = form_class(request.POST)
        back = reverse(detail, kwargs={"pk": pk})
        if not form.is_valid():
            messages.error(request, _("请完整填写表单：%s") % describe_errors(form))
            return redirect(back)
        return run(
            request,
            lambda: action(request.user, subject, form.cleaned_data),
            back=back,
            success=done(),
        )

    return view


def _account_action(
    form_class: type[forms.Form],
    action: Callable[[User, User, dict[str, Any]], object],
    done: Callable[[], str],
) -> perm.View:
    """One account action of the detail page."""
    return _detail_action(_internal_account, "accounts:account_detail", form_class, action, done)


@perm.policy(perm.SECURITY_ADMIN)
@require_POST
def account_grant(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Grant a right at once, or ask another security admin to approve one that exposes data."""
    account = _internal_account(pk)
    form = RightForm(request.POST)
    back = reverse("accounts:account_detail", kwargs={"pk": pk})
    if not form.is_valid():
        messages.error(request, _("请完整填写表单：%s") % describe_errors(form))
        return redirect(back)
    right, reason = form.cleaned_data["right"], form.cleaned_data["reason"]
    if right in SENSITIVE_RIGHTS:
        return run(
            request,
            lambda: approvals.right_grant_request(
                actor=request.user, user=account, right=right, reason=reason
            ),
            back=back,
            success=_("已提交授权申请：须由另一位安全管理员批准后方才生效。"),
        )
    return run(
        request,
        lambda: services.right_grant(actor=request.user, user=account, right=right, reason=reason),
        back=back,
        success=_("已授予权限。"),
    )


account_revoke = _account_action(
    RightForm,
    lambda actor, user, d: services.right_revoke(
        actor=actor, user=user, right=d["right"], reason=d["reason"]
    ),
    lambda: _("已撤销权限。"),
)


@perm.policy(perm.SECURITY_ADMIN)
@require_POST
def account_set_role(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change a role at once, or ask another security admin to approve a change that needs it."""
    account = _internal_account(pk)
    form = RoleForm(request.POST)
    back = reverse("accounts:account_detail", kwargs={"pk": pk})
    if not form.is_valid():
        messages.error(request, _("请完整填写表单：%s") % describe_errors(form))
        return redirect(back)
    role, reason = form.cleaned_data["role"], form.cleaned_data["reason"]
    if services.role_change_needs_approval(account, role):
        return run(
            request,
            lambda: approvals.role_change_request(
                actor=request.user, user=account, role=role, reason=reason
            ),
            back=back,
            success=_("已提交角色变更申请：须由另一位安全管理员批准后方才生效。"),
        )
    return run(
        request,
        lambda: services.account_set_role(
            actor=request.user, user=account, role=role, reason=reason
        ),
        back=back,
        success=_("已变更角色。"),
    )


account_activate = _account_action(
    ReasonForm,
    lambda actor, user, d: services.account_set_active(
        actor=actor, user=user, active=True, reason=d["reason"]
    ),
    lambda: _("已启用账户。"),
)
account_deactivate = _account_action(
    ReasonForm,
    lambda actor, user, d: services.account_set_active(
        actor=actor, user=user, active=False, reason=d["reason"]
    ),
    lambda: _("已停用账户。"),
)
account_unlock = _account_action(
    ReasonForm,
    lambda actor, user, d: services.account_unlock(actor=actor, user=user, reason=d["reason"]),
    lambda: _("已解除登录锁定。"),
)
account_second_factor_reset = _account_action(
    ReasonForm,
    lambda actor, user, d: services.second_factor_reset(actor=actor, user=user, reason=d["reason"]),
    lambda: _("已重置双因素认证：该账户下次登录时须重新启用（如其角色或权限要求）。"),
)


@perm.policy(perm.SECURITY_ADMIN)
@require_POST
def account_send_activation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = _internal_account(pk)
    return run(
        request,
        lambda: services.account_send_activation(user=account, actor=request.user),
        back=reverse("accounts:account_detail", kwargs={"pk": pk}),
        success=_("设置密码的链接已发送到 %s。") % account.email,
    )


@perm.policy(perm.SECURITY_ADMIN)
def approval_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every request for a second security admin's approval: those waiting first."""
    decided = Approval.objects.exclude(status=Approval.Status.PENDING).select_related(
        "user", "requested_by", "decided_by"
    )
    page = Paginator(decided.order_by("-decided_at", "-id"), 25).get_page(request.GET.get("page"))
    context = {"page": page, **_approvals_waiting(request.user)}
    return render(request, "accounts/approval_list.html", context)


def _approval(pk: int) -> Approval:
    return get_object_or_404(
        Approval.objects.select_related("user", "requested_by", "decided_by"), pk=pk
    )


@perm.policy(perm.SECURITY_ADMIN)
def approval_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    approval = _approval(pk)
    me = request.user
    context = {
        "approval": approval,
        "history": approval.changes.select_related("actor").order_by("at", "id"),
        "mine": approval.requested_by_id == me.pk,
        "about_me": approval.user_id == me.pk,
        "note_form": NoteForm(),
        "reason_form": ReasonForm(),
        "lone_admin": not approvals.can_be_approved(),
    }
    return render(request, "accounts/approval_detail.html", context)


def _approval_action(
    form_class: type[forms.Form],
    action: Callable[[User, Approval, dict[str, Any]], object],
    done: Callable[[], str],
) -> perm.View:
    """One button of the approval page."""
    return _detail_action(_approval, "accounts:approval_detail", form_class, action, done)


approval_approve = _approval_action(
    NoteForm,
    lambda actor, a, d: approvals.approval_approve(actor=actor, approval=a, note=d["note"]),
    lambda: _("已批准，变更已生效。"),
)
approval_refuse = _approval_action(
    ReasonForm,
    lambda actor, a, d: approvals.approval_refuse(actor=actor, approval=a, reason=d["reason"]),
    lambda: _("已拒绝该申请，未作任何变更。"),
)
approval_withdraw = _approval_action(
    NoteForm,
    lambda actor, a, d: approvals.approval_withdraw(actor=actor, approval=a, reason=d["note"]),
    lambda: _("已撤回该申请。"),
)

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import RegexValidator
from django.template import loader
from django.utils.translation import gettext_lazy as _

from zhiku.accounts.models import SENSITIVE_RIGHTS, Right, Role
from zhiku.core.tasks import send_email

INTERNAL_ROLES = [(value, label) for value, label in Role.choices if value != Role.EXPERT]


def right_choices() -> list[tuple[str, str]]:
    """Every right, those exposing personal data marked as needing a second security admin."""
    return [
        (value, str(_("%(label)s（须另一位安全管理员批准）") % {"label": label}))
        if value in SENSITIVE_RIGHTS
        else (value, str(label))
        for value, label in Right.choices
    ]


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续输错多次后账户将被锁定。"),
        "inactive": _("该账户已停用，请联系安全管理员。"),
    }


class AccountCreateForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        validators=[
            RegexValidator(r"^[A-Za-z0-9_.@+-]+$", _("用户名只能包含字母、数字和 @ . + - _ 符号。"))
        ],
    )
    full_name = forms.CharField(label=_("姓名"), max_length=64)
    email = forms.EmailField(label=_("电子邮箱"))
    role = forms.ChoiceField(
        label=_("角色"),
        choices=INTERNAL_ROLES,
        help_text=_("创建安全管理员账户须由另一位安全管理员批准。"),
    )
    rights = forms.MultipleChoiceField(
        label=_("权限（仅工作人员）"),
        choices=right_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("涉及个人信息的权限在另一位安全管理员批准后方才生效。"),
    )
    reason = forms.CharField(
        label=_("原因"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("授予权限或创建安全管理员账户时必填，记入变更记录和审计日志。"),
    )
    send_activation = forms.BooleanField(
        label=_("发送设置密码的邮件"), required=False, initial=True
    )
    temporary_password = forms.CharField(
        label=_("临时密码（可不填）"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "无法通过电子邮件设置密码时，可设置临时密码并当面或另行告知；"
            "账户持有人首次登录后须先修改密码，方可使用系统。"
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, rights = data.get("role"), data.get("rights") or []
        if rights and role and role != Role.STAFF:
            self.add_error("rights", _("权限只能授予工作人员；请取消勾选，或将角色选为工作人员。"))
        needs_reason = rights or role == Role.SECURITY_ADMIN
        if needs_reason and not (data.get("reason") or "").strip():
            self.add_error("reason", _("请填写原因：授予权限或创建安全管理员账户都须说明原因。"))
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        error_messages={"required": _("请输入验证码。")},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写原因，它将记入变更记录和审计日志。")},
    )


class RightForm(ReasonForm):
    right = forms.ChoiceField(label=_("权限"), choices=Right.choices)


class RoleForm(ReasonForm):
    role = forms.ChoiceField(label=_("新角色"), choices=INTERNAL_ROLES)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("意见（可不填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AccountFilterForm(forms.Form):
    role = forms.ChoiceField(
        label=_("角色"), choices=[("", _("全部角色")), *INTERNAL_ROLES], required=False
    )
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)


class QueuedPasswordResetForm(PasswordResetForm):
    """Send the reset e-mail through the background worker, so a slow mail server never blocks."""

    def get_users(self, email: str) -> Iterator[Any]:
        """Include accounts that never set a password: an expired first link must be renewable."""
        from zhiku.accounts.models import User

        return iter(User.objects.filter(email__iexact=email, is_active=True))

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_email.enqueue(subject=subject, body=body, recipients=[to_email])

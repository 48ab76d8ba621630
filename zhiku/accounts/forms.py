from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import RegexValidator
from django.template import loader
from django.utils.translation import gettext_lazy as _

from zhiku.accounts.models import Right, Role
from zhiku.core.tasks import send_email

INTERNAL_ROLES = [(value, label) for value, label in Role.choices if value != Role.EXPERT]


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
    role = forms.ChoiceField(label=_("角色"), choices=INTERNAL_ROLES)
    send_activation = forms.BooleanField(
        label=_("发送设置密码的邮件"), required=False, initial=True
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RightForm(ReasonForm):
    right = forms.ChoiceField(label=_("权限"), choices=Right.choices)


class RoleForm(ReasonForm):
    role = forms.ChoiceField(label=_("新角色"), choices=INTERNAL_ROLES)


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

"""Forms of invitations: accept with the declarations, decline with a reason, withdraw; and the
staff's record of an answer given on the expert's behalf."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiku.activities.choices import DeclineReason, WithdrawReason
from zhiku.activities.models import Activity
from zhiku.activities.services.invitations import declarations

CONTACT_NOTE = forms.CharField(
    label=_("联系情况"),
    max_length=300,
    error_messages={"required": _("请写明如何联系到专家本人（方式、时间）。")},
    help_text=_("如：2026-05-07 10:20 电话联系本人。代为记录的答复会标明由您记录。"),
)


class AcceptForm(forms.Form):
    """The two declarations of art. 13(2)(3), each ticked by the expert."""

    no_conflict = forms.BooleanField(
        required=True, error_messages={"required": _("接受邀请须声明不存在利害关系。")}
    )
    confidentiality = forms.BooleanField(
        required=True, error_messages={"required": _("接受邀请须签署保密承诺。")}
    )

    def __init__(self, *args: Any, activity: Activity, on_behalf: bool = False, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        conflict, secrecy = declarations(activity)
        prefix = _("专家已口头声明：") if on_behalf else ""
        self.fields["no_conflict"].label = f"{prefix}{conflict}"
        self.fields["confidentiality"].label = f"{prefix}{secrecy}"
        if on_behalf:
            self.fields["contact_note"] = CONTACT_NOTE


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("拒绝原因"),
        choices=DeclineReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择拒绝的原因。")},
        help_text=_(
            "“专业不熟悉”是您的权利（《管理办法》第十二条第（三）项），不会对您产生任何不利影响。"
        ),
    )
    note = forms.CharField(
        label=_("说明（选择“其他”时必填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, on_behalf: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if on_behalf:
            self.fields["contact_note"] = CONTACT_NOTE
            self.fields["reason"].help_text = _(
                "“专业不熟悉”是专家的权利（《管理办法》第十二条第（三）项），不会对专家产生任何不利影响。"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == DeclineReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", _("选择“其他”时，请简要说明原因。"))
        return data


class WithdrawForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("退出原因"),
        choices=WithdrawReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择退出的原因。")},
    )
    note = forms.CharField(
        label=_("具体情况"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请说明退出的具体情况。")},
        help_text=_("如发现与活动涉及的单位存在利害关系，请写明（第十三条第（二）项）。"),
    )

    def __init__(self, *args: Any, on_behalf: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if on_behalf:
            self.fields["contact_note"] = CONTACT_NOTE

"""Forms of designations (指定, art. 19)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiku.activities.choices import ActivityKind, DesignationReason
from zhiku.activities.models import Activity
from zhiku.experts.models import Expert

POOL_NUMBER = re.compile(r"[A-Za-z]+-\d{4}-\d+")


class DesignationForm(forms.Form):
    experts = forms.CharField(
        label=_("指定的专家（专家编号）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写要指定的专家编号。")},
        help_text=_("每行一个专家编号，如 GDQ-2026-0001；也可用逗号或顿号分隔。"),
    )
    reason = forms.ChoiceField(
        label=_("指定理由"),
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择指定的理由。")},
    )
    justification = forms.CharField(
        label=_("书面说明"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请写明指定的书面说明。")},
        help_text=_(
            "为何随机抽取的专家难以胜任，所指定的专家为何合适。须由另一位持有“批准指定专家”权限的工作人员批准。"
        ),
    )

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        reasons = [
            (code, label)
            for code, label in DesignationReason.choices
            if code != DesignationReason.SEMINAR or activity.kind == ActivityKind.SEMINAR
        ]
        field = self.fields["reason"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = reasons

    def clean_experts(self) -> list[Expert]:
        text = self.cleaned_data["experts"]
        numbers = [n.upper() for n in POOL_NUMBER.findall(text)]
        if not numbers:
            raise forms.ValidationError(_("没有找到专家编号：请按 GDQ-2026-0001 的格式填写。"))
        found = {e.pool_number: e for e in Expert.objects.filter(pool_number__in=numbers)}
        unknown = [n for n in dict.fromkeys(numbers) if n not in found]
        if unknown:
            raise forms.ValidationError(
                _("智库中没有以下专家编号：%(n)s。") % {"n": "、".join(unknown)}
            )
        return [found[n] for n in dict.fromkeys(numbers)]


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("批准意见（可选）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RefuseForm(forms.Form):
    note = forms.CharField(
        label=_("不予批准的理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请写明不予批准的理由。")},
    )

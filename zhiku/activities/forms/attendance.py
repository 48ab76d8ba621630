"""Forms of what is recorded after an activity: attendance, fees, recommendations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiku.activities.choices import AttendanceStatus
from zhiku.activities.errors import AttendanceError
from zhiku.activities.services.attendance import parse_amount
from zhiku.experts.models import Expert

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AttendanceForm(forms.Form):
    expert = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("出席情况"),
        choices=[("", "—"), *AttendanceStatus.choices],
        error_messages={"required": _("请选择出席情况。")},
    )
    opinion = forms.CharField(
        label=_("意见或报告"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "专家本人提出的意见、建议或提交的报告摘要（第十二条第（一）项、第十三条第（一）项）。"
        ),
    )


class FeeForm(forms.Form):
    expert = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.CharField(
        label=_("金额（元）"),
        max_length=20,
        error_messages={"required": _("请填写金额。")},
    )
    paid_on = forms.DateField(
        label=_("支付日期"),
        widget=DATE,
        error_messages={"required": _("请填写支付日期。"), "invalid": _("支付日期格式不正确。")},
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean_amount(self) -> Any:
        try:
            return parse_amount(self.cleaned_data["amount"])
        except AttendanceError as exc:
            raise forms.ValidationError(str(exc)) from None


class FeeRemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=300,
        error_messages={"required": _("请写明撤销的原因。")},
    )


class ExpertChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class RecommendationForm(forms.Form):
    text = forms.CharField(
        label=_("建议"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写建议的内容。")},
    )
    experts = ExpertChoices(
        label=_("提出建议的专家"),
        queryset=Expert.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, experts: list[Expert] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = self.fields["experts"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Expert.objects.filter(pk__in=[e.pk for e in experts or []])

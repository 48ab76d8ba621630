from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiku.core.policy import AGE_EXCEPTION_CATEGORIES, PolicySetting


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.CharField(label=_("操作代码"), required=False, max_length=100)
    object = forms.CharField(label=_("对象"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data


class ReasonField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("依据或原因"))
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("error_messages", {"required": _("请填写依据或原因。")})
        super().__init__(**kwargs)


class CalendarYearCompleteForm(forms.Form):
    complete = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = ReasonField(
        help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）")
    )


class PolicyChangeForm(forms.Form):
    """A new value of one setting, the date it takes effect and why."""

    effective_from = forms.DateField(
        label=_("生效日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写生效日期。"), "invalid": _("请填写有效的日期。")},
        help_text=_("当天及以后作出的决定使用新值；不能早于今天。"),
    )
    reason = forms.CharField(
        label=_("修改原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("请填写修改原因。")},
    )

    def __init__(self, *args: Any, setting: PolicySetting, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.setting = setting
        value: forms.Field
        if setting.kind == "int":
            value = forms.IntegerField(
                label=_("新值"),
                min_value=setting.minimum,
                max_value=setting.maximum,
                error_messages={
                    "required": _("请填写新值。"),
                    "invalid": _("新值须为整数。"),
                    "min_value": _("新值不能小于 %(limit_value)s。"),
                    "max_value": _("新值不能大于 %(limit_value)s。"),
                },
                help_text=_("允许范围：%(a)d 至 %(b)d。")
                % {"a": setting.minimum, "b": setting.maximum},
            )
        else:
            value = forms.MultipleChoiceField(
                label=_("新值"),
                choices=list(AGE_EXCEPTION_CATEGORIES.items()),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("不勾选任何类别表示不设例外。"),
            )
        self.fields = {"value": value, **self.fields}


def describe_errors(form: forms.Form) -> str:
    """Return a form's errors in one line, each after the label of its field."""
    parts: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            parts.append(f"{label}：{error}" if label else str(error))
    return "；".join(parts)

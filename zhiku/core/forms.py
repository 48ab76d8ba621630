from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiku.core import plugins
from zhiku.core.parameters import Parameter


def action_choices() -> list[tuple[str, Any]]:
    """Every declared audit action, grouped by app, each group led by "all of this app"."""
    choices: list[tuple[str, Any]] = [("", _("全部操作"))]
    for app_name, actions in plugins.action_groups():
        prefix = actions[0][0].split(".", 1)[0] + "."
        whole = (prefix, _("%(app)s：全部操作") % {"app": app_name})
        choices.append((app_name, [whole, *actions]))
    return choices


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False)
    object = forms.CharField(label=_("对象"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = action_choices()
        action.error_messages["invalid_choice"] = _("请从列表中选择操作。")

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


class ParameterChangeForm(forms.Form):
    """A new value of one parameter, the date it takes effect and why."""

    effective_on = forms.DateField(
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

    def __init__(self, *args: Any, parameter: Parameter, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.parameter = parameter
        value: forms.Field
        if parameter.kind == "int":
            value = forms.IntegerField(
                label=_("新值"),
                min_value=parameter.minimum,
                max_value=parameter.maximum,
                error_messages={
                    "required": _("请填写新值。"),
                    "invalid": _("新值须为整数。"),
                    "min_value": _("新值不能小于 %(limit_value)s。"),
                    "max_value": _("新值不能大于 %(limit_value)s。"),
                },
                help_text=_("允许范围：%(a)d 至 %(b)d。")
                % {"a": parameter.minimum, "b": parameter.maximum},
            )
        else:
            value = forms.MultipleChoiceField(
                label=_("新值"),
                choices=list(parameter.choices),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("不勾选任何一项表示不设此类例外。"),
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

from __future__ import annotations


def test_form_errors_are_described_with_their_field_labels() -> None:
    from django import forms

    from zhiku.core.forms import describe_errors

    class Period(forms.Form):
        start = forms.DateField(label="起始日期")

        def clean(self) -> dict[str, object]:
            raise forms.ValidationError("期间不完整。")

    form = Period({"start": "not a date"})
    form.is_valid()

    assert describe_errors(form) == "起始日期：输入一个有效的日期。；期间不完整。"

"""Forms of training, scoring, assessments and the expert's response."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhiku.evaluations.choices import (
    ExitReview,
    Grade,
    TrainingTopic,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class TrainingForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("培训内容"),
        choices=[("", "—"), *TrainingTopic.choices],
        error_messages={"required": _("请选择培训内容。")},
    )
    title = forms.CharField(
        label=_("培训名称"), max_length=200, error_messages={"required": _("请填写培训名称。")}
    )
    date = forms.DateField(
        label=_("培训日期"),
        widget=DATE,
        error_messages={"required": _("请填写培训日期。"), "invalid": _("培训日期格式不正确。")},
    )
    start_time = forms.TimeField(
        label=_("开始时间"),
        required=False,
        widget=TIME,
        error_messages={"invalid": _("开始时间格式不正确，如 09:30。")},
    )
    end_time = forms.TimeField(
        label=_("结束时间"),
        required=False,
        widget=TIME,
        error_messages={"invalid": _("结束时间格式不正确，如 11:30。")},
    )
    place = forms.CharField(label=_("培训地点"), max_length=200, required=False)
    online_link = forms.CharField(
        label=_("线上参加链接"),
        max_length=300,
        required=False,
        help_text=_("线上培训填写会议链接（以 https:// 开头）；地点与链接至少填写一项。"),
    )
    description = forms.CharField(
        label=_("培训说明"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写取消原因。")},
    )


class MaterialForm(forms.Form):
    file = forms.FileField(
        label=_("资料文件（PDF、JPEG 或 PNG）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        error_messages={"required": _("请选择要上传的文件。")},
    )
    description = forms.CharField(label=_("说明"), max_length=200, required=False)


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("撤下原因"), max_length=200, error_messages={"required": _("请填写撤下原因。")}
    )


class ScoreForm(forms.Form):
    """The four scores, the comment and the expert's opinion for one expert."""

    expert = forms.IntegerField(widget=forms.HiddenInput)
    attitude = forms.CharField(required=False)
    professional = forms.CharField(required=False)
    knowledge = forms.CharField(required=False)
    expression = forms.CharField(required=False)
    comment = forms.CharField(label=_("评语"), required=False, max_length=1000)
    opinion = forms.CharField(label=_("专家意见或报告"), required=False, max_length=20000)


class AssessmentForm(forms.Form):
    title = forms.CharField(
        label=_("考核名称"), max_length=200, error_messages={"required": _("请填写考核名称。")}
    )
    period_start = forms.DateField(
        label=_("考核期起"),
        widget=DATE,
        error_messages={"required": _("请填写考核期起。"), "invalid": _("日期格式不正确。")},
    )
    period_end = forms.DateField(
        label=_("考核期止"),
        widget=DATE,
        error_messages={"required": _("请填写考核期止。"), "invalid": _("日期格式不正确。")},
    )


class GradeForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("考核等次"), choices=[("", _("（未定）")), *Grade.choices], required=False
    )
    remarks = forms.CharField(
        label=_("考核意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写撤销原因。")},
    )


# What staff may decide about an expert assessed 不合格: an exit case on art. 8(3) or 8(8), or
# none (the reason is required either way).
EXIT_DECISIONS = [
    ("ground_3", _("立案办理出库：第八条第（三）项（不负责任、弄虚作假或不客观公正）")),
    ("ground_8", _("立案办理出库：第八条第（八）项（其他不适宜情形）")),
    (ExitReview.NO_EXIT, _("不启动出库")),
]


class ExitReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("研究结论"),
        choices=[("", "—"), *EXIT_DECISIONS],
        error_messages={"required": _("请选择研究结论。")},
    )
    note = forms.CharField(
        label=_("研究意见"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请写明研究意见。")},
    )


class ResponseForm(forms.Form):
    text = forms.CharField(
        label=_("书面回应"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("请填写回应内容。"),
            "max_length": _("回应不能超过 2000 个字。"),
        },
    )


def first_error(form: forms.Form) -> str:
    """The first error of a form, as one line."""
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return ""

"""Forms of recruitment: clear Chinese messages at the edge; the services check again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiku.experts import eligibility, identity
from zhiku.experts.choices import SpecialCategory
from zhiku.experts.models import ExpertiseField, Industry
from zhiku.recruitment.models import (
    ART6_PROOFS,
    Application,
    ApplicationEmployment,
    Call,
    DeliberationRound,
    DocumentKind,
    VerificationCode,
    Vote,
)
from zhiku.recruitment.services.applications import PROFILE_FIELDS


def form_errors(form: forms.BaseForm) -> str:
    """Return a form's errors in one line, each after the label of its field."""
    parts: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            parts.append(f"{label}：{error}" if label else str(error))
    return "；".join(parts)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("请填写有效的日期，如 2026-09-01。")}

# What people type to say "none"; it must not count as holding a certificate (art. 6(1)).
NONE_WORDS = {"无", "没有", "暂无", "无证书", "否", "不适用", "none", "n/a", "-", "—", "/", "0"}


class FieldChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}" if obj.parent_id else f"{obj.code} 【{obj.name}】"


class FieldMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}" if obj.parent_id else f"{obj.code} 【{obj.name}】"


def active_fields() -> QuerySet[ExpertiseField]:
    return ExpertiseField.objects.filter(is_active=True).select_related("parent")


# --- calls -------------------------------------------------------------------------------


class CallForm(forms.ModelForm):
    fields_sought = FieldMultipleChoice(
        label=_("征集领域"),
        queryset=ExpertiseField.objects.none(),
        required=False,
        help_text=_("可多选；不选表示各领域均可申请。"),
    )
    proofs = forms.MultipleChoiceField(
        label=_("另须提交的证明（第六条第（一）项）"),
        choices=[(k, DocumentKind(k).label) for k in ART6_PROOFS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=list(ART6_PROOFS),
        help_text=_(
            "第七条第（二）项的入库申请表、身份证明、职称证明、学历证明、个人简历和成就证明材料总是需要。"
            "任职证明和高级水平证书只向声明了相应情形的申请人要求。"
        ),
    )

    class Meta:
        model = Call
        fields = [
            "title",
            "body",
            "fields_sought",
            "fields_note",
            "opens_on",
            "closes_on",
            "contact",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10}),
            "contact": forms.Textarea(attrs={"rows": 3}),
            "opens_on": DATE,
            "closes_on": DATE,
        }
        error_messages = {
            "title": {"required": _("请填写标题。")},
            "body": {"required": _("请填写正文。")},
            "opens_on": {"required": _("请填写开始日期。"), **DATE_ERRORS},
            "closes_on": {"required": _("请填写截止日期。"), **DATE_ERRORS},
            "contact": {"required": _("请填写联系方式。")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["fields_sought"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = active_fields().filter(parent__isnull=True)
        if self.instance.pk:
            self.initial["proofs"] = [
                k for k in self.instance.required_documents if k in ART6_PROOFS
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_on") and data.get("closes_on") and data["opens_on"] > data["closes_on"]:
            self.add_error("closes_on", _("截止日期不能早于开始日期。"))
        return data


# --- registration ------------------------------------------------------------------------


class RegisterForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("验证方式"),
        choices=[
            (VerificationCode.Channel.EMAIL, _("电子邮箱")),
            (VerificationCode.Channel.MOBILE, _("手机号码（短信）")),
        ],
        initial=VerificationCode.Channel.EMAIL,
        widget=forms.RadioSelect,
    )
    address = forms.CharField(
        label=_("电子邮箱或手机号码"),
        max_length=120,
        error_messages={"required": _("请填写接收验证码的电子邮箱或手机号码。")},
    )
    privacy = forms.BooleanField(
        label=_("我已阅读并同意《个人信息处理告知书》"),
        error_messages={"required": _("请先阅读并同意《个人信息处理告知书》。")},
    )


class RegisterVerifyForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=6,
        min_length=6,
        error_messages={
            "required": _("请填写收到的 6 位验证码。"),
            "min_length": _("验证码为 6 位数字。"),
            "max_length": _("验证码为 6 位数字。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    full_name = forms.CharField(
        label=_("姓名"), max_length=64, error_messages={"required": _("请填写姓名。")}
    )
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("登录时使用。可用字母、数字和 @ . + - _，建议使用电子邮箱。"),
        error_messages={
            "required": _("请填写用户名。"),
            "invalid": _("用户名只能包含字母、数字和 @ . + - _。"),
        },
    )
    password1 = forms.CharField(
        label=_("登录密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 10 位，含大写字母、小写字母、数字、符号中的三类。"),
        error_messages={"required": _("请设置登录密码。")},
    )
    password2 = forms.CharField(
        label=_("再次输入密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("请再次输入密码。")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("password1")
            and data.get("password2")
            and data["password1"] != data["password2"]
        ):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


# --- the application ---------------------------------------------------------------------


class ApplicationForm(forms.ModelForm):
    """The applicant's draft: every field optional while drafting; completeness is checked
    when they submit."""

    id_number = forms.CharField(label=_("证件号码"), max_length=32, required=False)
    mobile = forms.CharField(label=_("手机号码"), max_length=24, required=False)
    special_categories = forms.MultipleChoiceField(
        label=_("特殊类别（第六条第（五）项）"),
        choices=SpecialCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    primary_field = FieldChoice(
        label=_("主要专业领域"), queryset=ExpertiseField.objects.none(), required=False
    )
    other_fields = FieldMultipleChoice(
        label=_("其他专业领域"), queryset=ExpertiseField.objects.none(), required=False
    )
    industries = forms.ModelMultipleChoiceField(
        label=_("熟悉的行业（国民经济行业门类）"),
        queryset=Industry.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Application
        fields = [f for f in PROFILE_FIELDS if f not in ("special_categories", "primary_field")]
        widgets = {
            "birth_date": DATE,
            "senior_certificates": forms.Textarea(attrs={"rows": 2}),
            "achievements": forms.Textarea(attrs={"rows": 4}),
            "address": forms.TextInput(),
        }
        error_messages = {
            "birth_date": DATE_ERRORS,
            "email": {"invalid": _("请填写有效的电子邮箱地址。")},
        }

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        for name in ("primary_field", "other_fields"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = active_fields().filter(parent__isnull=False)
        for field in self.fields.values():
            field.required = False
        application = self.instance
        self.fields["id_number"].help_text = (
            _("已保存：%(m)s。如需更正请重新填写，留空则不变。")
            % {"m": application.id_number_masked}
            if application.id_number_masked
            else _("按证件上的号码填写；仅加密保存，页面上只显示部分。")
        )
        self.fields["mobile"].help_text = (
            _("已保存：%(m)s。留空则不变。") % {"m": application.mobile_masked}
            if application.mobile_masked
            else _("中国大陆手机号码 11 位；其他地区以 + 和国家（地区）代码开头。")
        )
        self.fields["senior_certificates"].help_text = _(
            "每行一项：证书名称、编号。没有请留空（不要填“无”）。"
        )
        self.initial["special_categories"] = application.special_categories
        self.initial["primary_field"] = application.primary_field
        if application.pk:
            self.initial["other_fields"] = list(application.other_fields.all())
            self.initial["industries"] = list(application.industries.all())

    def clean_birth_date(self) -> dt.date | None:
        birth = self.cleaned_data.get("birth_date")
        if birth is None:
            return None
        age = eligibility.age_on(birth, self.today)
        if birth > self.today:
            raise forms.ValidationError(_("出生日期不能晚于今天。"))
        if age < 18 or age > 100:
            raise forms.ValidationError(_("按此出生日期，年龄为 %(a)d 周岁，请核对。") % {"a": age})
        return birth

    def clean_senior_certificates(self) -> str:
        text = (self.cleaned_data.get("senior_certificates") or "").strip()
        return "" if text.lower() in NONE_WORDS else text

    def clean_email(self) -> str:
        return identity.normalize_email(self.cleaned_data.get("email") or "")

    def clean_mobile(self) -> str:
        value = (self.cleaned_data.get("mobile") or "").strip()
        if not value:
            return ""
        try:
            return identity.normalize_mobile(value)
        except identity.InvalidMobile as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = (data.get("id_number") or "").strip()
        if number:
            id_type = data.get("id_type") or self.instance.id_type
            if not id_type:
                self.add_error("id_number", _("请先选择证件类型，再填写证件号码。"))
            else:
                try:
                    data["id_number"] = identity.validate(
                        id_type, number, birth_date=data.get("birth_date")
                    )
                except identity.InvalidIdNumber as exc:
                    self.add_error("id_number", str(exc))
        return data

    def profile(self) -> dict[str, Any]:
        """The cleaned profile fields the service writes (those without errors)."""
        return {
            name: self.cleaned_data[name]
            for name in PROFILE_FIELDS
            if name in self.cleaned_data and name not in self.errors
        }


class EmploymentForm(forms.ModelForm):
    class Meta:
        model = ApplicationEmployment
        fields = ["organisation", "position", "start", "end", "in_field"]
        widgets = {"start": DATE, "end": DATE}
        error_messages = {
            "organisation": {"required": _("请填写工作单位。")},
            "start": {"required": _("请填写起始日期。"), **DATE_ERRORS},
            "end": DATE_ERRORS,
        }


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("选择文件"),
        error_messages={
            "required": _("请选择要上传的文件。"),
            "empty": _("文件是空的，请重新选择。"),
        },
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )


class SubmitForm(forms.Form):
    commitment = forms.BooleanField(
        label=_("我已阅读并签署上述承诺书"),
        error_messages={"required": _("请阅读并签署承诺书后再提交。")},
    )


# --- review ------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[
            ("pass", _("通过，提交理事会审议")),
            ("return", _("退回申请人修改")),
            ("reject", _("不予通过")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择审核结论。")},
    )
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回或不予通过时必填，申请人将看到；通过时可填写说明。"),
    )


class ApplicationChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.organisation}，{obj.title or obj.get_title_level_display()}）"


class RoundOpenForm(forms.Form):
    title = forms.CharField(
        label=_("名称"), max_length=120, error_messages={"required": _("请填写本轮审议的名称。")}
    )
    mode = forms.ChoiceField(
        label=_("审议方式"),
        choices=DeliberationRound.Mode.choices,
        initial=DeliberationRound.Mode.ONLINE,
        widget=forms.RadioSelect,
    )
    votes_close_on = forms.DateField(
        label=_("投票截止日期"),
        required=False,
        widget=DATE,
        error_messages=DATE_ERRORS,
        help_text=_("线上投票时必填：截止日当天 24:00 结束；达到法定人数时提前结束。"),
    )
    applications = ApplicationChoice(
        label=_("提交审议的申请"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请选择提交理事会审议的申请。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["applications"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Application.objects.filter(status=Application.Status.PASSED).order_by(
            "decided_at", "pk"
        )


class RoundCloseForm(forms.Form):
    note = forms.CharField(
        label=_("提前结束投票的原因"),
        max_length=500,
        error_messages={"required": _("请写明提前结束投票的原因。")},
    )


class BallotForm(forms.Form):
    """One choice (and an optional comment) per application of a round."""

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"choice_{item.pk}"] = forms.ChoiceField(
                label=_("对 %(n)s 的表决意见") % {"n": item.application.name},
                choices=Vote.Choice.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("请作出表决（同意、不同意或弃权）。")},
            )
            self.fields[f"comment_{item.pk}"] = forms.CharField(
                label=_("意见说明（可选）"), max_length=500, required=False
            )

    def choices(self) -> dict[int, tuple[str, str]]:
        return {
            item.pk: (
                self.cleaned_data[f"choice_{item.pk}"],
                self.cleaned_data.get(f"comment_{item.pk}", ""),
            )
            for item in self.items
        }

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (item, self[f"choice_{item.pk}"], self[f"comment_{item.pk}"]) for item in self.items
        ]


class MeetingForm(forms.Form):
    meeting_on = forms.DateField(
        label=_("会议日期"),
        widget=DATE,
        error_messages={"required": _("请填写会议日期。"), **DATE_ERRORS},
    )
    members_present = forms.IntegerField(
        label=_("出席的理事会成员人数"),
        min_value=0,
        error_messages={"required": _("请填写出席人数。"), "min_value": _("出席人数不能为负数。")},
    )
    minutes = forms.FileField(
        label=_("会议纪要（PDF 或图片）"),
        error_messages={"required": _("请上传会议纪要。")},
    )
    note = forms.CharField(label=_("说明（可选）"), max_length=500, required=False)

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"outcome_{item.pk}"] = forms.ChoiceField(
                label=_("会议对 %(n)s 的结论") % {"n": item.application.name},
                choices=[("approved", _("通过")), ("not_approved", _("未通过"))],
                widget=forms.RadioSelect,
                error_messages={"required": _("请填写会议结论。")},
            )

    def outcomes(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[f"outcome_{item.pk}"] for item in self.items}

    def rows(self) -> list[tuple[Any, Any]]:
        return [(item, self[f"outcome_{item.pk}"]) for item in self.items]

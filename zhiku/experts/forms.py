"""Forms of the registry: validation at the edge, so that services get clean values."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zhiku.accounts.models import Role, User
from zhiku.experts import identity
from zhiku.experts.choices import OrgType, Region, SpecialCategory, Status, TitleLevel
from zhiku.experts.models import Conflict, Expert, ExpertiseField, Industry
from zhiku.experts.selectors import AGE_BANDS
from zhiku.experts.services import PLAIN_FIELDS, SELF_SERVICE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FieldChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}" if obj.parent_id else f"{obj.code} 【{obj.name}】"


class FieldMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}" if obj.parent_id else f"{obj.code} 【{obj.name}】"


def _queryset(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def active_fields() -> QuerySet[ExpertiseField]:
    return ExpertiseField.objects.filter(is_active=True).select_related("parent")


class ExpertForm(forms.ModelForm):
    """The staff form for adding and editing an expert."""

    id_number = forms.CharField(label=_("证件号码"), max_length=32, required=True)
    mobile = forms.CharField(label=_("手机号码"), max_length=24, required=False)
    special_categories = forms.MultipleChoiceField(
        label=_("特殊类别"),
        choices=SpecialCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    primary_field = FieldChoice(label=_("主要专业领域"), queryset=ExpertiseField.objects.none())
    other_fields = FieldMultipleChoice(
        label=_("其他专业领域"), queryset=ExpertiseField.objects.none(), required=False
    )
    industries = forms.ModelMultipleChoiceField(
        label=_("行业"),
        queryset=Industry.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    user = forms.ModelChoiceField(
        label=_("关联专家账户"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("专家已有登录账户时选择，以便其在专家门户查看本档案。"),
    )
    admit = forms.BooleanField(
        label=_("录入后直接入库（授予专家编号）"), required=False, initial=True
    )
    reason = forms.CharField(label=_("修改原因"), max_length=300, required=False)

    class Meta:
        model = Expert
        # The profile fields the service writes as they are; special categories have their own
        # multiple-choice field above.
        fields = [f for f in PLAIN_FIELDS if f != "special_categories"]
        widgets = {
            "birth_date": DATE,
            "senior_certificates": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, may_admit: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "primary_field", active_fields())
        _queryset(self, "other_fields", active_fields())
        editing = self.instance.pk is not None
        _queryset(self, "user", User.objects.filter(role=Role.EXPERT, expert_profile__isnull=True))
        if not editing and not may_admit:
            # Admission needs the review right (the service enforces it too).
            del self.fields["admit"]
        if editing:
            del self.fields["admit"]
            if self.instance.user_id is not None:
                del self.fields["user"]
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _("留空则不变；当前为 %(m)s") % {
                "m": self.instance.id_number_masked
            }
            self.fields["mobile"].help_text = _("留空则不变；当前为 %(m)s") % {
                "m": self.instance.mobile_masked or "—"
            }
            self.initial["special_categories"] = self.instance.special_categories
            self.initial["primary_field"] = self.instance.primary_field()
            self.initial["other_fields"] = [
                link.field for link in self.instance.field_links.all() if not link.is_primary
            ]
            self.initial["industries"] = list(self.instance.industries.all())
        else:
            del self.fields["reason"]

    def clean_id_number(self) -> str:
        return identity.normalize(self.cleaned_data.get("id_number") or "")

    def clean_mobile(self) -> str:
        value = self.cleaned_data.get("mobile") or ""
        if not value:
            return ""
        try:
            return identity.normalize_mobile(value)
        except identity.InvalidMobile as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = data.get("id_number")
        if number and data.get("id_type") and data.get("birth_date"):
            try:
                identity.validate(data["id_type"], number, birth_date=data["birth_date"])
            except identity.InvalidIdNumber as exc:
                self.add_error("id_number", str(exc))
        return data

    def profile(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["special_categories"] = sorted(self.cleaned_data["special_categories"])
        return data

    def _post_clean(self) -> None:
        # The model is written by the service, not by the form: skip ModelForm's instance update.
        pass


class ExpertFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名、单位或编号"), required=False, max_length=100)
    field = FieldChoice(
        label=_("专业领域"),
        queryset=ExpertiseField.objects.none(),
        required=False,
        empty_label=_("全部"),
    )
    title_level = forms.ChoiceField(
        label=_("职称级别"), choices=[("", _("全部")), *TitleLevel.choices], required=False
    )
    region = forms.ChoiceField(
        label=_("地区"),
        choices=[
            ("", _("全部")),
            ("guangdong", _("省内（全部地市）")),
            ("outside", _("省外（含港澳台、国外）")),
            *Region.choices,
        ],
        required=False,
    )
    org_type = forms.ChoiceField(
        label=_("单位类型"), choices=[("", _("全部")), *OrgType.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), *Status.choices], required=False
    )
    age_band = forms.ChoiceField(
        label=_("年龄段"),
        choices=[("", _("全部")), *[(c, label) for c, label, _lo, _hi in AGE_BANDS]],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "field", ExpertiseField.objects.select_related("parent"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class StatusForm(ReasonForm):
    to_status = forms.ChoiceField(
        label=_("变更为"),
        choices=[
            (Status.ACTIVE, _("入库 / 恢复在库")),
            (Status.SUSPENDED, _("暂停")),
            (Status.EXITED, _("出库")),
        ],
    )


class EmploymentForm(forms.Form):
    organisation = forms.CharField(label=_("单位"), max_length=128)
    start = forms.DateField(label=_("起始日期"), widget=DATE)
    end = forms.DateField(
        label=_("截止日期"), widget=DATE, required=False, help_text=_("至今在职请留空")
    )
    in_field = forms.BooleanField(label=_("从事本行业"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("截止日期应晚于起始日期。"))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("确认")), ("reject", _("退回"))])
    reason = forms.CharField(label=_("处理意见"), max_length=500, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("退回时请填写理由，专家将看到该理由。"))
        return data


class ChangeRequestForm(forms.ModelForm):
    """What an expert may report as changed; the current values are the initial ones."""

    mobile = forms.CharField(
        label=_("手机号码"),
        max_length=24,
        required=False,
        help_text=_("如需更换手机号码请填写新号码；不变则留空。"),
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    class Meta:
        model = Expert
        fields = list(SELF_SERVICE_FIELDS)
        widgets = {"senior_certificates": forms.Textarea(attrs={"rows": 2})}

    def clean_mobile(self) -> str:
        value = self.cleaned_data.get("mobile") or ""
        if not value:
            return ""
        try:
            return identity.normalize_mobile(value)
        except identity.InvalidMobile as exc:
            raise forms.ValidationError(str(exc)) from None

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SELF_SERVICE_FIELDS}

    def _post_clean(self) -> None:
        pass


class ConflictForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Conflict.Kind.choices)
    party = forms.CharField(label=_("单位或个人名称"), max_length=128)
    reason = forms.CharField(label=_("利害关系"), max_length=300)


class UnfamiliarFieldsForm(forms.Form):
    fields_ = FieldMultipleChoice(
        label=_("不熟悉的专业领域"),
        queryset=ExpertiseField.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "fields_", active_fields().filter(parent__isnull=False))


class UnavailabilityForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), widget=DATE)
    end = forms.DateField(label=_("截止日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("截止日期不能早于起始日期。"))
        return data


class ExitRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("退出理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(label=_("我确认书面申请不再担任智库专家"))


class ExpertiseFieldForm(forms.Form):
    code = forms.RegexField(
        label=_("代码"), regex=r"^\d{2}(\.\d{2})?$", max_length=16, help_text=_("如 13 或 13.01")
    )
    name = forms.CharField(label=_("名称"), max_length=64)
    parent = forms.ModelChoiceField(
        label=_("上级领域"), queryset=ExpertiseField.objects.none(), required=False
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "parent", ExpertiseField.objects.filter(parent__isnull=True))


class IndustryForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=64)

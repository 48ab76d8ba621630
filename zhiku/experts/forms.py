"""Forms of the registry: validation at the edge, so that services get clean values."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiku.experts import identity, rules
from zhiku.experts.choices import OrgType, Region, SpecialCategory, Status, TitleLevel
from zhiku.experts.models import Conflict, Expert, ExpertiseField, Industry
from zhiku.experts.selectors import AGE_BANDS, SORTS
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
    """The staff form for adding and editing an expert.

    Values are checked with the registry's rules (``zhiku.experts.rules``), as the import and
    the services check them; the services then look the numbers up in the pool.
    """

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
    work_history = forms.CharField(
        label=_("工作经历"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=rules.WORK_HISTORY_HELP,
    )
    admit = forms.BooleanField(
        label=_("录入后直接入库（授予专家编号）"), required=False, initial=True
    )
    admission_exception_reason = forms.CharField(
        label=_("不符合第六条仍予入库的理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("仅当该专家不符合第六条某项条件而仍予入库时填写；理由将显示在专家详情页。"),
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

    def __init__(
        self, *args: Any, may_admit: bool = True, today: date | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        _queryset(self, "primary_field", active_fields())
        _queryset(self, "other_fields", active_fields())
        editing = self.instance.pk is not None
        self.fields["statutory_retirement_age"].help_text = _(
            "特殊类别专家填写，%(lo)d–%(hi)d 周岁。"
        ) % {"lo": rules.RETIREMENT_AGES[0], "hi": rules.RETIREMENT_AGES[1]}
        self.fields["senior_certificates"].help_text = _(
            "每行一项：证书名称、编号。没有证书请留空（不要填“无”）。"
        )
        if not may_admit:
            # Admission, and anything that looks a number up in the pool (a new identity
            # number), need the review right; the services enforce it too.
            for name in ("admit", "admission_exception_reason", "id_number"):
                self.fields.pop(name, None)
        if editing:
            for name in ("admit", "admission_exception_reason", "work_history"):
                self.fields.pop(name, None)
            if "id_number" in self.fields:
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

    def clean_email(self) -> str:
        return identity.normalize_email(self.cleaned_data.get("email") or "")

    def clean_work_history(self) -> list[rules.WorkPeriod]:
        periods, problems = rules.parse_work_history(
            self.cleaned_data.get("work_history") or "",
            birth=self.cleaned_data.get("birth_date"),
            today=self.today,
        )
        if problems:
            raise forms.ValidationError(problems)
        return periods

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = data.get("id_number")
        valid_number = ""
        if number and data.get("id_type") and data.get("birth_date"):
            try:
                valid_number = identity.validate(
                    data["id_type"], number, birth_date=data["birth_date"]
                )
            except identity.InvalidIdNumber as exc:
                self.add_error("id_number", str(exc))
        for error in rules.profile_errors(
            rules.ProfileValues(
                birth_date=data.get("birth_date") if "birth_date" in self.changed_data else None,
                gender=data.get("gender") or "",
                id_type=data.get("id_type") or "",
                id_number=valid_number,
                senior_certificates=data.get("senior_certificates") or ""
                if "senior_certificates" in self.changed_data
                else "",
                statutory_retirement_age=data.get("statutory_retirement_age")
                if "statutory_retirement_age" in self.changed_data
                else None,
            ),
            today=self.today,
        ):
            if error.field in self.fields and error.field not in self.errors:
                self.add_error(error.field, str(error))
        return data

    def profile(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["special_categories"] = sorted(self.cleaned_data["special_categories"])
        return data

    def add_service_error(self, error: Exception) -> None:
        """Show a service's refusal beside the field it names (``ExpertError.field``)."""
        name = getattr(error, "field", None)
        self.add_error(name if name in self.fields else None, str(error))

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
    eligibility = forms.ChoiceField(
        label=_("入库条件"),
        choices=[
            ("", _("全部")),
            ("over_age", _("超龄：不再符合第六条第（五）项")),
            ("unverified_import", _("存量导入，尚未逐项核验")),
        ],
        required=False,
    )

    sort = forms.ChoiceField(
        label=_("排序"),
        choices=[("", SORTS[0][1]), *[(code, label) for code, label, _order in SORTS[1:]]],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "field", ExpertiseField.objects.select_related("parent"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdmissionForm(forms.Form):
    reason = forms.CharField(label=_("入库意见"), max_length=500, required=False)
    exception_reason = forms.CharField(
        label=_("不符合第六条仍予入库的理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LegacyReviewForm(forms.Form):
    exception_reason = forms.CharField(
        label=_("不符合第六条仍保留在库的理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatusForm(ReasonForm):
    """A change of status; given the expert's ``current`` status, it offers only the changes that
    status allows, and none is chosen in advance. Never 出库: an exit is an exit case's (art. 9)."""

    OFFERED: dict[str, list[tuple[str, Any]]] = {
        Status.APPLICANT: [(Status.ACTIVE, _("入库"))],
        Status.ACTIVE: [(Status.SUSPENDED, _("暂停"))],
        Status.SUSPENDED: [(Status.ACTIVE, _("恢复在库"))],
        Status.EXITED: [],
    }

    to_status = forms.ChoiceField(
        label=_("变更为"),
        choices=[
            (Status.ACTIVE, _("入库 / 恢复在库")),
            (Status.SUSPENDED, _("暂停")),
        ],
        error_messages={"required": _("请选择新的状态。")},
    )

    def __init__(self, *args: Any, current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offers = self.OFFERED.get(current, []) if current else []
        if current:
            field = self.fields["to_status"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", _("请选择")), *self.offers]


class EmploymentForm(forms.Form):
    organisation = forms.CharField(label=_("单位"), max_length=128)
    start = forms.DateField(label=_("起始日期"), widget=DATE)
    end = forms.DateField(
        label=_("截止日期"), widget=DATE, required=False, help_text=_("至今在职请留空")
    )
    in_field = forms.BooleanField(label=_("从事本行业"), required=False, initial=True)

    def __init__(self, *args: Any, birth: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.birth = birth

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start:
            try:
                rules.check_employment(start, end, birth=self.birth, today=timezone.localdate())
            except rules.RuleError as exc:
                self.add_error(exc.field, str(exc))
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

    def clean_email(self) -> str:
        return identity.normalize_email(self.cleaned_data.get("email") or "")

    def clean_senior_certificates(self) -> str:
        value: str = self.cleaned_data.get("senior_certificates") or ""
        try:
            rules.check_certificates(value)
        except rules.RuleError as exc:
            raise forms.ValidationError(str(exc)) from None
        return value

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

"""Forms of exit cases: raising one (the expert by pool number, the ground, the facts, evidence),
verifying, dropping, adding evidence, announcing; the expert's own request. Clear Chinese
messages at the edge; the services check again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhiku.core.forms import describe_errors
from zhiku.core.http import record_number
from zhiku.exits.choices import CaseStatus, Ground
from zhiku.exits.models import ExitCase
from zhiku.experts.models import Expert

FILE_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def form_errors(form: forms.Form) -> str:
    return describe_errors(form)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": FILE_TYPES}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class CaseForm(forms.Form):
    """A case raised by staff (立案)."""

    pool_number = forms.CharField(
        label=_("专家编号"),
        max_length=20,
        help_text=_("如 GDQ-2026-0001。"),
        error_messages={"required": _("请填写专家编号。")},
    )
    ground = forms.ChoiceField(
        label=_("出库情形（第八条）"),
        choices=[("", _("请选择")), *Ground.choices],
        error_messages={"required": _("请选择出库情形。")},
    )
    facts = forms.CharField(
        label=_("事实"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "发生了什么、何时、在哪项活动中、依据何在。第（三）至（七）项情形立案后专家即暂停参加抽取。"
        ),
        error_messages={"required": _("请写明事实。")},
    )
    evidence = MultipleFileField(
        label=_("证据材料（可选）"),
        required=False,
        help_text=_("PDF、JPEG 或 PNG，可多选；每个文件不超过 10 MB。"),
        error_messages={"empty": _("文件是空的，请重新选择。")},
    )

    def clean_pool_number(self) -> Expert:
        number = self.cleaned_data["pool_number"].strip().upper()
        expert = Expert.objects.filter(pool_number=number).first()
        if expert is None:
            raise forms.ValidationError(
                _("没有专家编号为“%(n)s”的专家，请核对。"), params={"n": number}
            )
        return expert


class VerifyForm(forms.Form):
    checked = forms.CharField(
        label=_("核实情况"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("核实了什么：向谁核实、查阅了哪些记录或材料。"),
        error_messages={"required": _("请写明核实情况。")},
    )
    finding = forms.CharField(
        label=_("核实结论"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "所述情形属实、应予出库的结论；将写入给专家本人的书面告知书。情形不属实的，请撤销案件。"
        ),
        error_messages={"required": _("请写明核实结论。")},
    )
    bars_reapplication = forms.BooleanField(
        label=_("限制其在出库后一定年限内重新申请入库（仅第（三）至（七）项情形）"),
        required=False,
    )

    def __init__(self, *args: Any, case: ExitCase, **kwargs: Any) -> None:
        from zhiku.exits.choices import CONDUCT_GROUNDS

        super().__init__(*args, **kwargs)
        if case.ground not in CONDUCT_GROUNDS:
            del self.fields["bars_reapplication"]


class DropForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销理由"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：经核实情形不属实；本人撤回申请。因本案件暂停的专家随即恢复在库。"),
        error_messages={"required": _("请写明撤销的理由。")},
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("证据材料"),
        help_text=_("PDF、JPEG 或 PNG，不超过 10 MB。"),
        error_messages={
            "required": _("请选择要上传的文件。"),
            "empty": _("文件是空的，请重新选择。"),
        },
        widget=forms.ClearableFileInput(attrs={"accept": FILE_TYPES}),
    )
    description = forms.CharField(label=_("说明（可选）"), max_length=200, required=False)


class CaseChoices(forms.ModelMultipleChoiceField):
    def _check_values(self, value: Any) -> Any:
        # A number no key column holds is no case (SQLite raises OverflowError on it).
        for pk in value:
            if record_number(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]

    def label_from_instance(self, obj: Any) -> str:
        return str(
            _("第 %(n)d 号：%(e)s，%(o)s（%(g)s）")
            % {"n": obj.pk, "e": obj.expert, "o": obj.expert.organisation, "g": obj.ground_text}
        )


class AnnounceForm(forms.Form):
    cases = CaseChoices(
        label=_("公告出库的专家（已书面告知）"),
        queryset=ExitCase.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请选择要公告出库的专家。")},
    )
    published_grounds = CaseChoices(
        label=_("在公告中注明出库情形（默认不公布，仅公布姓名、工作单位和出库日期）"),
        queryset=ExitCase.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    confirm = forms.BooleanField(
        label=_("已核实上述专家均已收到书面告知，确认在官网公告其出库"),
        error_messages={"required": _("请确认后再发布公告。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        notified = ExitCase.objects.filter(status=CaseStatus.NOTIFIED).select_related("expert")
        for name in ("cases", "published_grounds"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = notified.order_by("notified_on", "pk")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = {c.pk for c in data.get("cases", [])}
        extra = [c for c in data.get("published_grounds", []) if c.pk not in chosen]
        if extra:
            self.add_error(
                "published_grounds", _("只能为本次公告出库的专家注明出库情形，请一并勾选。")
            )
        return data


class RequestForm(forms.Form):
    """The expert's written request to leave the pool (art. 12(4))."""

    reason = forms.CharField(
        label=_("退出理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写退出智库的理由。")},
    )
    confirm = forms.BooleanField(
        label=_("我确认书面申请不再担任智库专家"),
        error_messages={"required": _("请勾选确认后再提交。")},
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("办理中（全部步骤）")), *CaseStatus.choices, ("all", _("全部"))],
    )
    ground = forms.ChoiceField(
        label=_("出库情形"), required=False, choices=[("", _("全部")), *Ground.choices]
    )

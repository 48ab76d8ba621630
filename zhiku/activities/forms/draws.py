"""Forms of activities and draws: clean values at the edge, Chinese messages beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from zhiku.accounts.models import Role, User
from zhiku.activities.choices import ActivityKind, ActivityStatus, FieldMatch
from zhiku.activities.models import Activity
from zhiku.activities.pool import Conditions
from zhiku.activities.services import ActivityData, DrawSetup
from zhiku.experts.choices import OUTSIDE_GUANGDONG, OrgType, Region, TitleLevel
from zhiku.experts.models import ExpertiseField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _required(label: Any) -> dict[str, Any]:
    return {
        "required": format_lazy(_("请填写{}。"), label),
        "invalid": format_lazy(_("{}格式不正确。"), label),
    }


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name


class UserMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name


def _lines(text: str) -> list[str]:
    return [
        line.strip()
        for line in text.replace("；", "\n").replace(";", "\n").splitlines()
        if line.strip()
    ]


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("活动类型"),
        choices=[("", "—"), *ActivityKind.choices],
        error_messages=_required(_("活动类型")),
    )
    title = forms.CharField(
        label=_("活动名称"), max_length=200, error_messages=_required(_("活动名称"))
    )
    start_date = forms.DateField(
        label=_("开始日期"), widget=DATE, error_messages=_required(_("开始日期"))
    )
    end_date = forms.DateField(
        label=_("结束日期"), widget=DATE, error_messages=_required(_("结束日期"))
    )
    place = forms.CharField(label=_("地点"), max_length=200, error_messages=_required(_("地点")))
    experts_needed = forms.IntegerField(
        label=_("所需专家人数"),
        min_value=1,
        max_value=200,
        error_messages={
            **_required(_("所需专家人数")),
            "min_value": _("所需专家人数至少为 1。"),
            "max_value": _("所需专家人数不能超过 200。"),
        },
    )
    commissioning_unit = forms.CharField(
        label=_("委托单位"), max_length=128, error_messages=_required(_("委托单位"))
    )
    assessed_units = forms.CharField(
        label=_("被评单位（涉及单位）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "每行一个单位全称。曾在这些单位及委托单位任职、或声明与其有利害关系的专家将回避。"
        ),
    )
    staff = UserMultipleChoice(
        label=_("负责工作人员"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则为本人。"),
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, activity: Activity | None = None, **kwargs: Any) -> None:
        if activity is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": activity.kind,
                "title": activity.title,
                "start_date": activity.start_date,
                "end_date": activity.end_date,
                "place": activity.place,
                "experts_needed": activity.experts_needed,
                "commissioning_unit": "；".join(activity.commissioning_units()),
                "assessed_units": "\n".join(activity.assessed_units()),
                "staff": list(activity.staff.all()),
                "note": activity.note,
            }
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        staff = self.fields["staff"]
        assert isinstance(staff, forms.ModelMultipleChoiceField)
        staff.queryset = User.objects.filter(role=Role.STAFF, is_active=True).order_by("full_name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("start_date")
            and data.get("end_date")
            and data["end_date"] < data["start_date"]
        ):
            self.add_error("end_date", _("结束日期不能早于开始日期。"))
        return data

    def to_data(self) -> ActivityData:
        d = self.cleaned_data
        return ActivityData(
            kind=d["kind"],
            title=d["title"],
            start_date=d["start_date"],
            end_date=d["end_date"],
            place=d["place"],
            experts_needed=d["experts_needed"],
            commissioning_units=_lines(d["commissioning_unit"]),
            assessed_units=_lines(d.get("assessed_units", "")),
            staff=list(d.get("staff") or []),
            note=d.get("note", ""),
        )


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或单位"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *ActivityKind.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *ActivityStatus.choices]
    )


class FieldMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.name}" if obj.parent_id else f"{obj.code} 【{obj.name}】"


STRATUM_PREFIX = "stratum_"


class DrawSetupForm(forms.Form):
    """Conditions, strata, recusal (from the activity) and the randomness sources of a draw."""

    places = forms.IntegerField(
        label=_("抽取人数"),
        min_value=1,
        max_value=200,
        error_messages={
            **_required(_("抽取人数")),
            "min_value": _("抽取人数至少为 1。"),
            "max_value": _("抽取人数不能超过 200。"),
        },
        help_text=_("按 1:1 抽取：抽出的候选专家人数等于所需人数。"),
    )
    expertise = FieldMultipleChoice(
        label=_("专业领域"),
        queryset=ExpertiseField.objects.none(),
        required=False,
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("不选表示不限。选择一级领域即包括其下各子领域。"),
    )
    field_match = forms.ChoiceField(
        label=_("领域匹配"),
        choices=FieldMatch.choices,
        initial=FieldMatch.ANY,
        widget=forms.RadioSelect,
    )
    title_levels = forms.MultipleChoiceField(
        label=_("职称级别"),
        choices=TitleLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    org_types = forms.MultipleChoiceField(
        label=_("单位类型"),
        choices=OrgType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.MultipleChoiceField(
        label=_("所在地区"),
        choices=Region.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("不选表示不限。"),
    )
    out_of_province = forms.BooleanField(
        label=_("可以抽取省外专家（第三条）"), required=False, initial=True
    )
    supervisor = UserChoice(
        label=_("监督人"),
        queryset=User.objects.none(),
        error_messages={"required": _("请选择监督人。"), "invalid_choice": _("请选择监督人。")},
        help_text=_("监督人须到场，以本人账户登录后录入见证值。"),
    )
    lottery_name = forms.CharField(
        label=_("公开彩票（可选）"),
        max_length=200,
        required=False,
        help_text=_(
            "冻结名单时尚未开奖的一期，如：中国福利彩票双色球第 2026071 期（红球 + 蓝球）。"
        ),
    )
    lottery_date = forms.DateField(
        label=_("开奖日期"),
        required=False,
        widget=DATE,
        error_messages={"invalid": _("开奖日期格式不正确。")},
    )

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"places": activity.experts_needed, "out_of_province": True})
        super().__init__(*args, **kwargs)
        self.activity = activity
        expertise = self.fields["expertise"]
        assert isinstance(expertise, forms.ModelMultipleChoiceField)
        expertise.queryset = ExpertiseField.objects.filter(is_active=True).select_related("parent")
        supervisor = self.fields["supervisor"]
        assert isinstance(supervisor, forms.ModelChoiceField)
        supervisor.queryset = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by(
            "full_name"
        )
        for code, label in OrgType.choices:
            self.fields[STRATUM_PREFIX + code] = forms.IntegerField(
                label=label,
                required=False,
                min_value=0,
                max_value=200,
                widget=forms.NumberInput(attrs={"size": 3}),
                error_messages={"min_value": _("名额不能为负数。"), "invalid": _("名额须为整数。")},
            )

    def stratum_fields(self) -> list[Any]:
        return [self[STRATUM_PREFIX + code] for code, _label in OrgType.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        regions = set(data.get("regions") or [])
        if regions and not data.get("out_of_province") and regions & OUTSIDE_GUANGDONG:
            self.add_error("regions", _("所选地区含省外地区，但未勾选“可以抽取省外专家”。"))
        strata = {code: data.get(STRATUM_PREFIX + code) or 0 for code, _l in OrgType.choices}
        if any(strata.values()) and data.get("places") and sum(strata.values()) != data["places"]:
            self.add_error(
                "places",
                _("分层名额之和（%(s)d）须等于抽取人数（%(p)d）。")
                % {"s": sum(strata.values()), "p": data["places"]},
            )
        if data.get("lottery_date") and not (data.get("lottery_name") or "").strip():
            self.add_error("lottery_name", _("填写了开奖日期，请同时填写彩票名称和期号。"))
        if (data.get("lottery_name") or "").strip() and not data.get("lottery_date"):
            self.add_error("lottery_date", _("请填写开奖日期。"))
        return data

    def setup(self) -> DrawSetup:
        d = self.cleaned_data
        strata = {code: d.get(STRATUM_PREFIX + code) or 0 for code, _l in OrgType.choices}
        return DrawSetup(
            places=d["places"],
            conditions=Conditions(
                fields=tuple(f.code for f in d.get("expertise") or []),
                field_match=d.get("field_match") or FieldMatch.ANY,
                title_levels=tuple(d.get("title_levels") or ()),
                org_types=tuple(d.get("org_types") or ()),
                regions=tuple(d.get("regions") or ()),
                out_of_province=bool(d.get("out_of_province")),
            ),
            strata={code: n for code, n in strata.items() if n},
            supervisor=d["supervisor"],
            lottery_name=(d.get("lottery_name") or "").strip(),
            lottery_date=d.get("lottery_date"),
        )


class WitnessForm(forms.Form):
    value = forms.CharField(
        label=_("见证值"),
        max_length=60,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("请填写见证值。")},
        help_text=_("6 至 30 位数字，由您临场写下（例如掷骰子、随手写下的数字），录入后不能更改。"),
    )


class LotteryForm(forms.Form):
    value = forms.CharField(
        label=_("开奖号码"),
        max_length=200,
        error_messages={"required": _("请填写开奖号码。")},
        help_text=_("按开奖公告填写，号码之间用空格分隔；多组号码（如红球、蓝球）之间用“+”分隔。"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写原因。")},
    )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("说明（可选）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TopupForm(forms.Form):
    expected_round = forms.IntegerField(min_value=2, widget=forms.HiddenInput)


class AliasForm(forms.Form):
    alias = forms.CharField(label=_("别名"), max_length=128, error_messages=_required(_("别名")))
    canonical = forms.CharField(
        label=_("规范名称"), max_length=128, error_messages=_required(_("规范名称"))
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

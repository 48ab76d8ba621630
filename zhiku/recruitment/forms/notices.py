"""Forms of the notice and after it: publishing, objections (the public's and staff's), their
acceptance, verification and decision. Clear Chinese messages at the edge; the services check
again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiku.recruitment.forms.applications import DATE, DATE_ERRORS
from zhiku.recruitment.models import Application, Notice, NoticeEntry, Objection

FILE_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class ListedApplicants(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.organisation}，{obj.title or obj.get_title_level_display()}）"


def _default_postal_address() -> str:
    site = settings.ZHIKU_SITE
    if not site.get("contact_address"):
        return ""
    return str(
        _("%(address)s　%(association)s（信封上请注明“公示异议”）")
        % {"address": site["contact_address"], "association": site["association"]}
    )


def _default_contact() -> str:
    site = settings.ZHIKU_SITE
    parts = [p for p in (site.get("contact_phone"), site.get("contact_email")) if p]
    return "　".join(parts)


class NoticeForm(forms.Form):
    applications = ListedApplicants(
        label=_("公示的拟入库专家"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请选择要公示的拟入库专家。")},
    )
    title = forms.CharField(
        label=_("标题"), max_length=120, error_messages={"required": _("请填写公示标题。")}
    )
    published_on = forms.DateField(
        label=_("发布日期"),
        widget=DATE,
        error_messages={"required": _("请填写发布日期。"), **DATE_ERRORS},
        help_text=Notice._meta.get_field("published_on").help_text,
    )
    intro = forms.CharField(
        label=_("公示说明（可选）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    postal_address = forms.CharField(
        label=_("书面异议邮寄地址"),
        max_length=200,
        help_text=Notice._meta.get_field("postal_address").help_text,
        error_messages={"required": _("请填写书面异议的邮寄地址。")},
    )
    visit_address = forms.CharField(
        label=_("现场递交地址及时间"),
        max_length=200,
        help_text=Notice._meta.get_field("visit_address").help_text,
        error_messages={"required": _("请填写现场递交书面异议的地址和时间。")},
    )
    contact = forms.CharField(
        label=_("联系人及电话"),
        max_length=200,
        error_messages={"required": _("请填写联系人及电话。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["applications"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        listed = Application.objects.filter(status=Application.Status.APPROVED).order_by(
            "decided_at", "pk"
        )
        field.queryset = listed
        today = timezone.localdate()
        self.initial.setdefault("applications", list(listed))
        self.initial.setdefault(
            "title", _("%(y)d 年拟入库广东省质量发展智库专家名单公示") % {"y": today.year}
        )
        self.initial.setdefault("published_on", today)
        self.initial.setdefault("postal_address", _default_postal_address())
        self.initial.setdefault(
            "visit_address",
            _("%(a)s（工作日 9:00–12:00、14:00–17:30）")
            % {"a": settings.ZHIKU_SITE.get("contact_address") or "—"},
        )
        self.initial.setdefault("contact", _default_contact())


class EntryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.organisation}）"


class ObjectionForm(forms.Form):
    """A written objection lodged by anyone in the portal during the notice."""

    entry = EntryChoice(
        label=_("被异议的专家"),
        queryset=NoticeEntry.objects.none(),
        empty_label=_("请选择公示名单中的人员"),
        error_messages={"required": _("请选择被异议的专家。")},
    )
    objector_name = forms.CharField(
        label=_("您的真实姓名"),
        max_length=64,
        error_messages={"required": _("请填写您的真实姓名：异议须实名提出。")},
    )
    objector_phone = forms.CharField(
        label=_("联系电话"),
        max_length=32,
        error_messages={"required": _("请填写联系电话，以便核实情况。")},
    )
    objector_email = forms.EmailField(
        label=_("电子邮箱（可选）"),
        required=False,
        help_text=_("填写后，受理情况和处理结果的书面告知书将发送到该邮箱。"),
        error_messages={"invalid": _("请填写有效的电子邮箱，或留空。")},
    )
    objector_address = forms.CharField(
        label=_("通讯地址（可选）"),
        max_length=200,
        required=False,
        help_text=_("没有电子邮箱的，书面告知书将邮寄到该地址。"),
    )
    grounds = forms.CharField(
        label=_("异议的事实和理由"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("请写明异议的事实和理由。")},
    )
    letter = forms.FileField(
        label=_("签名的书面异议扫描件（可选）"),
        required=False,
        help_text=_("PDF、JPEG 或 PNG，不超过 10 MB。"),
        error_messages={"empty": _("文件是空的，请重新选择。")},
        widget=forms.ClearableFileInput(attrs={"accept": FILE_TYPES}),
    )

    def __init__(self, *args: Any, notice: Notice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["entry"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = notice.entries.order_by("position")


class PublicObjectionForm(ObjectionForm):
    pledge = forms.BooleanField(
        label=_("本人以真实姓名提出异议，并对所述内容的真实性负责"),
        error_messages={"required": _("请确认以真实姓名提出异议，并对内容的真实性负责。")},
    )


class ObjectionEntryForm(ObjectionForm):
    """An objection received by post or in person, entered by staff."""

    channel = forms.ChoiceField(
        label=_("收到方式"),
        choices=[
            (Objection.Channel.POST, Objection.Channel.POST.label),
            (Objection.Channel.IN_PERSON, Objection.Channel.IN_PERSON.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择收到异议的方式。")},
    )
    received_on = forms.DateField(
        label=_("收到日期"),
        widget=DATE,
        error_messages={"required": _("请填写收到日期。"), **DATE_ERRORS},
    )

    field_order = ["entry", "channel", "received_on"]

    def __init__(self, *args: Any, notice: Notice, **kwargs: Any) -> None:
        super().__init__(*args, notice=notice, **kwargs)
        self.fields["objector_name"].label = _("异议人姓名")
        self.fields["letter"].label = _("书面异议扫描件（可选）")


class AcceptForm(forms.Form):
    accepted_on = forms.DateField(
        label=_("受理日期"),
        required=False,
        widget=DATE,
        error_messages=DATE_ERRORS,
        help_text=_("不填则为收到日期。处理期限自受理日期的次日起算。"),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("不予受理的理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("理由将写入书面告知书发给异议人。"),
        error_messages={"required": _("请写明不予受理的理由。")},
    )


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("核实情况"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("核实了什么、向谁核实、结果如何。"),
        error_messages={"required": _("请写明核实情况。")},
    )
    evidence = forms.FileField(
        label=_("证明材料（可选）"),
        required=False,
        error_messages={"empty": _("文件是空的，请重新选择。")},
        widget=forms.ClearableFileInput(attrs={"accept": FILE_TYPES}),
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理决定"),
        choices=[
            ("dismissed", _("异议不成立（不影响入库）")),
            ("upheld", _("异议成立（不予入库）")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择处理决定。")},
    )
    reason = forms.CharField(
        label=_("决定理由"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "将写入给异议人和专家本人的书面告知书。请勿写入异议人的姓名或其他可识别其身份的信息。"
        ),
        error_messages={"required": _("请写明决定理由。")},
    )

"""How the registry's audit entries read: the label of each key it writes and of its values.

The plugin hands these to core (``audit_fields``, ``audit_values``), which shows them on the
audit page and in the expert's history: 状态：申请人（未入库）→ 在库, not ``status: applicant →
active``. The profile's own fields are labelled from the model, so a new field reads at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Field, Model
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiku.experts.choices import SpecialCategory, Status
from zhiku.experts.models import Conflict, Expert, ExpertiseField, Industry

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The staff list's filters, under their names in ``filters`` (an export records them); their
# labels and choices are the list's form's own.
FILTERS = (
    "q",
    "field",
    "title_level",
    "region",
    "org_type",
    "status",
    "age_band",
    "eligibility",
    "sort",
)


def _filter_form() -> Any:
    from zhiku.experts.forms import ExpertFilterForm

    return ExpertFilterForm


def _filter_label(name: str) -> Any:
    return lazy(lambda: str(_filter_form().base_fields[name].label), str)()


def _filter_choice(name: str) -> Callable[[Any], str]:
    """Read a filter's value by the list's own choices (read when asked: they may grow)."""

    def read(value: Any) -> str:
        choices = dict(_filter_form().base_fields[name].choices)
        return str(choices.get(str(value), value))

    return read


def _model_labels(model: type[Model]) -> dict[str, StrOrPromise]:
    return {
        f.name: f.verbose_name
        for f in model._meta.get_fields()
        if isinstance(f, Field) and f.verbose_name and not f.name.endswith(("_token", "_hash"))
    }


def _model_choices(model: type[Model]) -> dict[str, Any]:
    return {
        f.name: list(f.flatchoices)  # type: ignore[union-attr]
        for f in model._meta.get_fields()
        if getattr(f, "flatchoices", None)
    }


def _by_code(model: type[Model], label: Callable[[Any], str]) -> Callable[[Any], str]:
    """Read a code (or a list of codes) of a catalogue as "code name"; a retired code stays."""

    def read(value: Any) -> str:
        codes = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        bare = [c.lstrip("*") for c in codes]
        known = {o.code: label(o) for o in model._default_manager.filter(code__in=bare)}  # type: ignore[attr-defined]
        out = []
        for code, plain in zip(codes, bare, strict=True):
            text = known.get(plain, plain)
            out.append(_("%(f)s（主要）") % {"f": text} if code.startswith("*") else text)
        return "、".join(out)

    return read


def _field_name(field: Any) -> str:
    return f"{field.code} {field.name}"


def _field_by_pk(value: Any) -> str:
    field = ExpertiseField.objects.filter(pk=value).first()
    return _field_name(field) if field is not None else str(value)


def labels() -> dict[str, StrOrPromise]:
    """Every key the registry writes into changes or data, with its Chinese label."""
    return {
        **_model_labels(Expert),
        "fields": gettext_lazy("专业领域（主要领域已注明）"),
        "industries": gettext_lazy("行业"),
        "user": gettext_lazy("关联账户"),
        "on": gettext_lazy("日期"),
        "submitted_on": gettext_lazy("申请日期"),
        "employment": gettext_lazy("工作经历"),
        "in_field": gettext_lazy("从事本行业"),
        "kind": gettext_lazy("类型"),
        "party": gettext_lazy("单位或个人"),
        "start": gettext_lazy("起始日期"),
        "end": gettext_lazy("截止日期"),
        "change_request": gettext_lazy("变更申请编号"),
        **{name: _filter_label(name) for name in FILTERS},
        "protected": gettext_lazy("证件号码与手机号码"),
        # an import
        "file": gettext_lazy("文件"),
        "size": gettext_lazy("文件大小（字节）"),
        "admit": gettext_lazy("直接入库"),
        "rows": gettext_lazy("数据行数"),
        "errors": gettext_lazy("错误数"),
        "message": gettext_lazy("说明"),
        "experts": gettext_lazy("导入专家数"),
        "accounts": gettext_lazy("开设账户数"),
        "without_email": gettext_lazy("无电子邮箱未开户数"),
        "admitted_on": gettext_lazy("入库日期"),
        "pool_numbers": gettext_lazy("专家编号范围"),
        "emails": gettext_lazy("邮件数"),
        # the catalogue: a field of expertise or an industry, not a person
        "experts.catalogue.field_saved:code": gettext_lazy("代码"),
        "experts.catalogue.field_saved:name": gettext_lazy("名称"),
        "experts.catalogue.field_saved:parent": gettext_lazy("上级领域"),
        "experts.catalogue.field_saved:active": gettext_lazy("启用"),
        "experts.catalogue.industry_renamed:name": gettext_lazy("行业名称"),
    }


def values() -> dict[str, Any]:
    """How the values under the registry's keys read: codes as their labels."""
    return {
        **_model_choices(Expert),
        # A profile's region, or the list's region filter (which adds 省内 and 省外).
        "region": _filter_choice("region"),
        "status": Status.choices,
        "special_categories": SpecialCategory.choices,
        "kind": Conflict.Kind.choices,
        "fields": _by_code(ExpertiseField, _field_name),
        "unfamiliar_fields": _by_code(ExpertiseField, _field_name),
        "field": _by_code(ExpertiseField, _field_name),
        "industries": _by_code(Industry, _field_name),
        "age_band": _filter_choice("age_band"),
        "eligibility": _filter_choice("eligibility"),
        "sort": _filter_choice("sort"),
        "protected": [
            ("masked", gettext_lazy("已脱敏")),
            ("revealed", gettext_lazy("完整号码")),
        ],
        "experts.catalogue.field_saved:parent": _field_by_pk,
    }


def describe_filters(filters: Mapping[str, Any]) -> str:
    """Return the staff list's filters in words (职称级别：正高级；地区：省内（全部地市）)."""
    from zhiku.core.plugins import value_label

    return value_label("filters", dict(filters), action="experts.list.exported")

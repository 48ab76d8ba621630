"""Exporting the filtered expert list (art. 20): checked, logged, marked with who and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiku.accounts.models import Right, User
from zhiku.core.audit import log_action
from zhiku.core.permissions import EXPORTER
from zhiku.core.spreadsheets import ExportWriter, export_stamp
from zhiku.experts import crypto, selectors
from zhiku.experts.audit import describe_filters
from zhiku.experts.models import Expert, ExpertField

CHUNK = 2000

COLUMNS: list[tuple[StrOrPromise, int]] = [
    (gettext_lazy("专家编号"), 15),
    (gettext_lazy("姓名"), 10),
    (gettext_lazy("性别"), 6),
    (gettext_lazy("出生日期"), 12),
    (gettext_lazy("证件类型"), 14),
    (gettext_lazy("证件号码"), 21),
    (gettext_lazy("手机号码"), 14),
    (gettext_lazy("电子邮箱"), 22),
    (gettext_lazy("工作单位"), 22),
    (gettext_lazy("单位类型"), 10),
    (gettext_lazy("职务"), 12),
    (gettext_lazy("职称"), 12),
    (gettext_lazy("职称级别"), 9),
    (gettext_lazy("学历"), 11),
    (gettext_lazy("学位"), 7),
    (gettext_lazy("所在地区"), 12),
    (gettext_lazy("省外专家"), 8),
    (gettext_lazy("主要专业领域"), 22),
    (gettext_lazy("其他专业领域"), 22),
    (gettext_lazy("行业门类"), 10),
    (gettext_lazy("状态"), 12),
]

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Export:
    content: bytes
    count: int
    revealed: bool


def shown_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Return the filters as the audit trail and the file show them (a field by its code)."""
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if value in (None, ""):
            continue
        if isinstance(value, Model):
            value = getattr(value, "code", str(value.pk))
        elif isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    return out


def expert_list_export(
    *,
    actor: User,
    filters: Mapping[str, Any],
    today: date,
    now: datetime,
) -> Export:
    """Return the filtered expert list as .xlsx; full numbers only for holders of the reveal right."""
    EXPORTER.require(actor)
    reveal = actor.has_right(Right.REVEAL_PERSONAL_DATA)
    shown = shown_filters(filters)
    stamp = export_stamp(str(actor), now)
    pks = list(selectors.expert_search(today=today, **filters).values_list("pk", flat=True))
    with transaction.atomic():
        # Logged before the file exists, so a failed export still shows that it was tried.
        log_action(
            "experts.list.exported",
            actor=actor,
            data={
                "filters": shown,
                "count": len(pks),
                "format": "xlsx",
                "protected": "revealed" if reveal else "masked",
            },
            # Full numbers disclosed: each expert's page then shows who exported them.
            subjects=[("experts.expert", pk) for pk in pks] if reveal else (),
        )
    # In words, as the audit trail reads the same filters: 职称级别：正高级；地区：省内（全部地市）.
    filter_text = describe_filters(shown) if shown else _("全部")
    protected_text = (
        _("证件号码与手机号码为完整号码（导出人持有查看受保护个人信息权限），请严格保密")
        if reveal
        else _("证件号码与手机号码已脱敏")
    )
    writer = ExportWriter(
        title=_("专家名单"),
        stamp=stamp,
        description=_("筛选条件：%(f)s；共 %(n)d 人；%(p)s。")
        % {"f": filter_text, "n": len(pks), "p": protected_text},
        creator=str(actor),
    )
    writer.widths([w for _h, w in COLUMNS])
    writer.row(stamp, bold=True)
    writer.row(
        _(
            "广东省质量发展智库 专家名单　筛选条件：%(f)s　共 %(n)d 人　%(p)s。未经授权不得复制、传播。"
        )
        % {"f": filter_text, "n": len(pks), "p": protected_text}
    )
    writer.row(*[str(h) for h, _w in COLUMNS], bold=True)
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        experts = {e.pk: e for e in Expert.objects.filter(pk__in=chunk)}
        fields: dict[int, tuple[list[str], list[str]]] = {pk: ([], []) for pk in chunk}
        for link in ExpertField.objects.filter(expert_id__in=chunk).select_related("field"):
            # As the import template takes them: the main field as its drop-down shows it,
            # the others by code (a name may hold the list's separators), so the list
            # re-imports as it is.
            label = f"{link.field.code} {link.field.name}" if link.is_primary else link.field.code
            fields[link.expert_id][0 if link.is_primary else 1].append(label)
        industries: dict[int, list[str]] = {pk: [] for pk in chunk}
        through = Expert.industries.through
        for expert_id, code in through.objects.filter(expert_id__in=chunk).values_list(
            "expert_id", "industry__code"
        ):
            industries[expert_id].append(code)
        for pk in chunk:
            e = experts[pk]
            primary, others = fields[pk]
            writer.row(
                e.pool_number or "",
                e.name,
                e.get_gender_display(),
                e.birth_date.isoformat(),
                e.get_id_type_display(),
                crypto.decrypt(e.id_number_token) if reveal else e.id_number_masked,
                (crypto.decrypt(e.mobile_token) if reveal else e.mobile_masked) or "",
                e.email,
                e.organisation,
                e.get_org_type_display(),
                e.position,
                e.title,
                e.get_title_level_display(),
                e.get_education_display(),
                e.get_degree_display(),
                e.get_region_display(),
                _("是") if e.out_of_province else _("否"),
                "、".join(primary),
                "、".join(sorted(others)),
                "、".join(sorted(industries[pk])),
                e.get_status_display(),
            )
    return Export(content=writer.save(), count=len(pks), revealed=reveal)

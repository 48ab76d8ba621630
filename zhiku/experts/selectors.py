"""Reads of the expert registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhiku.accounts.models import User
from zhiku.core.models import AuditEntry
from zhiku.experts.choices import OUTSIDE_GUANGDONG, SpecialCategory, Status
from zhiku.experts.models import ChangeRequest, Expert, ExpertField, ExpertiseField, ImportJob

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Age bands for the staff list: (code, label, lowest age, highest age) in full years.
AGE_BANDS: list[tuple[str, StrOrPromise, int | None, int | None]] = [
    ("-44", _("45 周岁以下"), None, 44),
    ("45-54", _("45–54 周岁"), 45, 54),
    ("55-60", _("55–60 周岁"), 55, 60),
    ("61-65", _("61–65 周岁"), 61, 65),
    ("66-", _("66 周岁及以上"), 66, None),
]


def latest_birth_date_aged(age: int, today: date) -> date:
    """Return the latest birth date of someone at least ``age`` full years old on ``today``."""
    try:
        return today.replace(year=today.year - age)
    except ValueError:  # today is 29 February and that year is common: 28 February has aged
        return date(today.year - age, 2, 28)


def expert_search(
    *,
    today: date,
    q: str = "",
    field: ExpertiseField | None = None,
    title_level: str = "",
    region: str = "",
    org_type: str = "",
    status: str = "",
    age_band: str = "",
) -> QuerySet[Expert]:
    """Return the experts matching every given filter, ordered by pool number then name."""
    qs = Expert.objects.all()
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(organisation__icontains=q) | Q(pool_number__icontains=q)
        )
    if field is not None:
        ids = [field.pk, *field.children.values_list("pk", flat=True)]
        experts_in_field = ExpertField.objects.filter(field_id__in=ids).values("expert_id")
        if title_level or (region and region not in ("guangdong", "outside")):
            # Issue 5, 100,000 experts: with an indexed filter beside it, SQLite should walk
            # that index and test each row against the field's list; on the bare primary key
            # it would fetch every expert of the field first (2.4x slower). "pk + 0" says so.
            qs = qs.alias(_pk=F("pk") + 0).filter(_pk__in=experts_in_field)
        else:
            # A subquery, not a join + DISTINCT: each expert once, no sort of wide rows.
            qs = qs.filter(pk__in=experts_in_field)
    if title_level:
        qs = qs.filter(title_level=title_level)
    if region == "guangdong":
        qs = qs.exclude(region__in=OUTSIDE_GUANGDONG)
    elif region == "outside":
        qs = qs.filter(region__in=OUTSIDE_GUANGDONG)
    elif region:
        qs = qs.filter(region=region)
    if org_type:
        qs = qs.filter(org_type=org_type)
    if status:
        qs = qs.filter(status=status)
    for code, _label, low, high in AGE_BANDS:
        if code != age_band:
            continue
        if high is not None:
            qs = qs.filter(birth_date__gt=latest_birth_date_aged(high + 1, today))
        if low is not None:
            qs = qs.filter(birth_date__lte=latest_birth_date_aged(low, today))
    # Admitted experts by pool number first, then applicants (no number), alike on every database.
    return qs.order_by(F("pool_number").asc(nulls_last=True), "name", "pk")


def expert_history(expert: Expert) -> QuerySet[AuditEntry]:
    """Return the audit entries about ``expert``: every change, reveal and request."""
    return AuditEntry.objects.filter(
        object_type=Expert._meta.label_lower, object_id=str(expert.pk)
    ).select_related("actor")


ACTION_LABELS: dict[str, StrOrPromise] = {
    "experts.expert.created": _("录入"),
    "experts.expert.updated": _("修改信息"),
    "experts.status.changed": _("状态变更"),
    "experts.identity.revealed": _("查看完整证件号码"),
    "experts.mobile.revealed": _("查看完整手机号码"),
    "experts.age_override.recorded": _("记录年龄条件例外"),
    "experts.employment.added": _("添加工作经历"),
    "experts.employment.removed": _("删除工作经历"),
    "experts.conflict.declared": _("声明利益冲突"),
    "experts.conflict.withdrawn": _("撤回利益冲突声明"),
    "experts.unfamiliar_fields.changed": _("变更不熟悉的领域"),
    "experts.unavailability.added": _("添加不可参加期间"),
    "experts.unavailability.removed": _("删除不可参加期间"),
    "experts.change_request.submitted": _("本人提交信息变更"),
    "experts.change_request.confirmed": _("确认信息变更"),
    "experts.change_request.rejected": _("退回信息变更"),
    "experts.exit_request.submitted": _("本人申请退出智库"),
}
EXTRA_LABELS: dict[str, StrOrPromise] = {
    "id_number": _("证件号码"),
    "mobile": _("手机号码"),
    "fields": _("专业领域（*为主要领域）"),
    "industries": _("行业"),
    "unfamiliar_fields": _("不熟悉的领域"),
    "status": _("状态"),
    "user": _("关联账户"),
    "reason": _("原因"),
    "on": _("日期"),
    "employment": _("工作经历"),
    "in_field": _("从事本行业"),
    "kind": _("类型"),
    "party": _("单位或个人"),
    "start": _("起始日期"),
    "end": _("截止日期"),
    "change_request": _("变更申请编号"),
}


def _readable(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return "、".join(_readable(name, v) for v in value)
    try:
        field = Expert._meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    if name == "special_categories":
        return str(dict(SpecialCategory.choices).get(value, value))
    choices = Status.choices if name == "status" else getattr(field, "flatchoices", None)
    if choices:
        return str(dict(choices).get(value, value))
    return str(value)


def _label(name: str) -> str:
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    try:
        return str(Expert._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    except FieldDoesNotExist:
        return name


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor: str
    action: str
    code: str
    changes: list[tuple[str, str, str]]
    data: list[tuple[str, str]]


def expert_history_rows(expert: Expert, *, limit: int = 100) -> list[HistoryRow]:
    """Return the audit entries about ``expert`` in words a member of staff reads."""
    rows = []
    for entry in expert_history(expert)[:limit]:
        rows.append(
            HistoryRow(
                at=entry.at,
                actor=entry.actor_label,
                action=str(ACTION_LABELS.get(entry.action, entry.action)),
                code=entry.action,
                changes=[
                    (_label(k), _readable(k, v[0]), _readable(k, v[1]))
                    for k, v in entry.changes.items()
                ],
                data=[(_label(k), _readable(k, v)) for k, v in entry.data.items()],
            )
        )
    return rows


def expert_of(user: User) -> Expert | None:
    """Return the profile linked to an expert account, if there is one."""
    return Expert.objects.filter(user=user).first()


def pending_change_requests() -> QuerySet[ChangeRequest]:
    return ChangeRequest.objects.filter(state=ChangeRequest.State.PENDING).select_related(
        "expert", "submitted_by"
    )


def import_jobs_of(user: User) -> QuerySet[ImportJob]:
    """Return the imports ``user`` started, newest first (nobody sees another's: issue 5)."""
    return ImportJob.objects.filter(created_by=user).order_by("-created_at", "-pk")

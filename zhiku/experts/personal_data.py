"""The registry's part of personal-data rights (PIPL): its section of an expert's own download,
which of its audit actions disclose protected data, and who saw an expert's protected data.

The plugin hands :data:`HOOKS` to core; the download itself is
:func:`zhiku.experts.services.personal_data_download`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from zhiku.core.audit import entries_about
from zhiku.core.personal_data import jsonable, record, records
from zhiku.core.plugins import action_label, disclosures
from zhiku.experts import crypto
from zhiku.experts.models import Expert

EXPERT_LABEL = "experts.expert"

# The registry's actions that show a member of staff an expert's protected data. A list export
# names each expert among its subjects only when it carried full numbers.
DISCLOSURES = {
    "experts.identity.revealed": _("完整证件号码"),
    "experts.mobile.revealed": _("完整手机号码"),
    "experts.list.exported": _("导出专家名单（含完整号码）"),
}


def _audit(expert: Expert) -> list[dict[str, Any]]:
    entries = entries_about(EXPERT_LABEL, expert.pk, actor=expert.user)
    return [
        {
            "seq": e.seq,
            "at": jsonable(e.at),
            "action": e.action,
            "action_label": action_label(e.action),
            "actor": e.actor_label,
            "object": e.object_repr,
            "changes": e.changes,
            "data": e.data,
        }
        for e in entries
    ]


def section(expert: Expert) -> dict[str, Any]:
    """What the registry holds about ``expert``: the record (numbers in clear: they are the
    expert's own), fields, work history, declarations, status history, change requests, the
    account, and the audit entries about them or written by them."""
    user = expert.user
    return {
        "record": record(
            expert,
            exclude=("import_job",),
            id_number=crypto.decrypt(expert.id_number_token),
            mobile=crypto.decrypt(expert.mobile_token),
        ),
        "fields": [
            {"code": link.field.code, "name": link.field.name, "primary": link.is_primary}
            for link in expert.field_links.select_related("field").order_by("-is_primary", "pk")
        ],
        "industries": [f"{i.code} {i.name}" for i in expert.industries.order_by("code")],
        "unfamiliar_fields": [
            f"{f.code} {f.name}" for f in expert.unfamiliar_fields.order_by("code")
        ],
        "employment": records(expert.employments.order_by("start"), exclude=("expert",)),
        "conflicts": records(expert.conflicts.order_by("declared_at"), exclude=("expert",)),
        "unavailability": records(expert.unavailabilities.order_by("start"), exclude=("expert",)),
        "status_changes": records(expert.status_changes.order_by("at", "pk"), exclude=("expert",)),
        "change_requests": records(
            expert.change_requests.order_by("submitted_at"),
            exclude=("expert", "protected_masked"),
        ),
        "account": None
        if user is None
        else {
            "username": user.username,
            "full_name": user.full_name,
            "email": user.email,
            "date_joined": jsonable(user.date_joined),
            "last_login": jsonable(user.last_login),
        },
        "audit": _audit(expert),
    }


@dataclass(frozen=True)
class Disclosure:
    """One time a member of staff saw or exported an expert's protected data."""

    at: datetime
    actor: str
    what: str
    action: str
    ip: str


def disclosures_of(expert: Expert) -> list[Disclosure]:
    """Who saw or exported ``expert``'s protected data, newest first (every app's disclosing
    actions, declared in its plugin; the entries name the expert as object or subject)."""
    what = disclosures()
    return [
        Disclosure(
            at=e.at, actor=e.actor_label, what=what[e.action], action=e.action, ip=e.ip or ""
        )
        for e in entries_about(EXPERT_LABEL, expert.pk, actions=what)
    ]


AUDIT_LABELS = {
    "experts.personal_data.downloaded": _("专家下载本人个人信息副本"),
    "experts.personal_data.removed": _("按保存期限删除出库专家的身份信息"),
}
AUDIT_FIELDS = {
    "experts.personal_data.downloaded:sections": _("包含的部分"),
    "experts.personal_data.downloaded:files": _("附件数"),
    "experts.personal_data.removed:removed": _("删除的信息"),
    "experts.personal_data.removed:change_requests": _("清除号码的变更申请数"),
    "experts.personal_data.removed:reason": _("依据"),
}
AUDIT_VALUES = {
    "experts.personal_data.removed:removed": [
        ("id_number", _("证件号码")),
        ("mobile", _("手机号码")),
        ("email", _("电子邮箱")),
        ("address", _("通讯地址")),
        ("senior_certificates", _("专业技术高级水平证书")),
    ],
}


def _rotate_keys() -> int:
    from zhiku.experts.services import protected_data_rotate

    return protected_data_rotate()


# What the plugin adds to core for personal-data rights.
HOOKS: dict[str, Any] = {
    "personal_data": section,
    "disclosures": DISCLOSURES,
    "rotate_keys": _rotate_keys,
}

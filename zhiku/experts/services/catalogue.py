"""Staff edits of the reference catalogues."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import diff, log_action
from zhiku.core.permissions import STAFF
from zhiku.experts.models import (
    ExpertiseField,
    Industry,
)
from zhiku.experts.services._common import ExpertError


@transaction.atomic
def expertise_field_save(
    *,
    actor: User,
    field: ExpertiseField | None = None,
    code: str,
    name: str,
    parent: ExpertiseField | None,
    is_active: bool = True,
) -> ExpertiseField:
    """Add a field of quality work to the catalogue, or rename or retire one."""
    STAFF.require(actor)
    if parent is not None and parent.parent_id is not None:
        raise ExpertError(_("专业领域最多两级。"))
    if parent is not None and field is not None:
        if parent.pk == field.pk:
            raise ExpertError(_("专业领域不能以自身为上级领域。"))
        if field.children.exists():
            raise ExpertError(_("该领域下设子领域，不能再归入其他领域（专业领域最多两级）。"))
    duplicate = ExpertiseField.objects.filter(code=code)
    if field is not None:
        duplicate = duplicate.exclude(pk=field.pk)
    if duplicate.exists():
        raise ExpertError(_("代码“%(c)s”已被使用。") % {"c": code})
    item = field or ExpertiseField()
    before = {
        "code": item.code,
        "name": item.name,
        "parent": item.parent_id,
        "active": item.is_active,
    }
    item.code, item.name, item.parent, item.is_active = code, name, parent, is_active
    item.save()
    after = {
        "code": item.code,
        "name": item.name,
        "parent": item.parent_id,
        "active": item.is_active,
    }
    log_action(
        "experts.catalogue.field_saved",
        actor=actor,
        obj=item,
        changes=diff(before if field else {}, after),
    )
    return item


@transaction.atomic
def industry_rename(*, actor: User, industry: Industry, name: str) -> Industry:
    STAFF.require(actor)
    before = industry.name
    industry.name = name
    industry.save(update_fields=["name"])
    log_action(
        "experts.catalogue.industry_renamed",
        actor=actor,
        obj=industry,
        changes={"name": [before, name]},
    )
    return industry

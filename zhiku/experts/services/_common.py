"""What every registry service shares: the domain error, field lists, checks and setters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhiku.accounts.models import Role, User
from zhiku.core.masking import mask
from zhiku.experts import crypto, identity
from zhiku.experts.choices import Status
from zhiku.experts.models import (
    Expert,
    ExpertField,
    ExpertiseField,
)


class ExpertError(Exception):
    """A registry change that cannot be made, with a message a person can act on."""


# Profile fields written as they are; the protected numbers go through their own setters.
PLAIN_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_type",
    "email",
    "address",
    "organisation",
    "org_type",
    "position",
    "senior_manager",
    "title",
    "title_level",
    "senior_certificates",
    "education",
    "degree",
    "special_categories",
    "statutory_retirement_age",
    "region",
    "ethics_declared",
    "health_declared",
)
# What an expert may report a change of in the portal (art. 13(4)).
SELF_SERVICE_FIELDS = (
    "email",
    "address",
    "organisation",
    "org_type",
    "position",
    "senior_manager",
    "title",
    "title_level",
    "senior_certificates",
    "education",
    "degree",
    "region",
)
PROTECTED = ("id_number", "mobile")
POOL_NUMBER_PREFIX = "GDQ"

# Allowed status changes other than admission (which gives the pool number).
TRANSITIONS: dict[str, set[str]] = {
    Status.ACTIVE: {Status.SUSPENDED, Status.EXITED},
    Status.SUSPENDED: {Status.ACTIVE, Status.EXITED},
    Status.APPLICANT: set(),
    Status.EXITED: set(),
}

ID_HASH_PURPOSE = "id_number"
MOBILE_HASH_PURPOSE = "mobile"


def _require_staff(actor: User) -> None:
    if not actor.is_active or actor.role != Role.STAFF:
        raise ExpertError(_("只有工作人员可以办理此项操作。"))


def _require_self(actor: User, expert: Expert) -> None:
    if not actor.is_active or actor.role != Role.EXPERT or expert.user_id != actor.pk:
        raise ExpertError(_("只能办理本人的事项。"))


def _require_staff_or_self(actor: User, expert: Expert) -> None:
    if actor.role == Role.STAFF and actor.is_active:
        return
    _require_self(actor, expert)


def _snapshot(expert: Expert) -> dict[str, Any]:
    """Return the profile as the audit trail compares it (protected values already masked)."""
    out: dict[str, Any] = {f: getattr(expert, f) for f in PLAIN_FIELDS}
    out["id_number"] = expert.id_number_masked
    out["mobile"] = expert.mobile_masked
    out["user"] = expert.user.username if expert.user is not None else ""
    if expert.pk is not None:
        out["fields"] = sorted(
            ("*" if link.is_primary else "") + link.field.code
            for link in expert.field_links.select_related("field")
        )
        out["industries"] = sorted(expert.industries.values_list("code", flat=True))
    return out


def _set_id_number(expert: Expert, number: str) -> None:
    try:
        normalized = identity.validate(expert.id_type, number, birth_date=expert.birth_date)
    except identity.InvalidIdNumber as exc:
        raise ExpertError(str(exc)) from None
    digest = crypto.lookup_hash(normalized, purpose=ID_HASH_PURPOSE)
    if Expert.objects.filter(id_number_hash=digest).exclude(pk=expert.pk).exists():
        raise ExpertError(_("该证件号码已登记在另一位专家名下，同一人不能重复录入。"))
    expert.id_number_token = crypto.encrypt(normalized)
    expert.id_number_hash = digest
    expert.id_number_masked = mask(normalized)


def _set_mobile(expert: Expert, number: str) -> None:
    if not number:
        expert.mobile_token = expert.mobile_hash = expert.mobile_masked = ""
        return
    try:
        normalized = identity.normalize_mobile(number)
    except identity.InvalidMobile as exc:
        raise ExpertError(str(exc)) from None
    expert.mobile_token = crypto.encrypt(normalized)
    expert.mobile_hash = crypto.lookup_hash(normalized, purpose=MOBILE_HASH_PURPOSE)
    expert.mobile_masked = mask(normalized)


def _set_fields(expert: Expert, primary: ExpertiseField, others: Iterable[ExpertiseField]) -> None:
    expert.field_links.all().delete()
    ExpertField.objects.create(expert=expert, field=primary, is_primary=True)
    for f in {o.pk: o for o in others if o.pk != primary.pk}.values():
        ExpertField.objects.create(expert=expert, field=f, is_primary=False)


def _save(expert: Expert) -> None:
    try:
        with transaction.atomic():
            expert.save()
    except IntegrityError:
        # Two people entering the same number at once: the unique hash decides.
        raise ExpertError(_("该证件号码已登记在另一位专家名下，同一人不能重复录入。")) from None


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value

"""What every registry service shares: the domain error, field lists, checks and setters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhiku.accounts.models import Role, User
from zhiku.core.errors import AccessDenied, DomainError
from zhiku.core.permissions import STAFF
from zhiku.experts import identity, protected
from zhiku.experts.choices import Status
from zhiku.experts.models import (
    Expert,
    ExpertField,
    ExpertiseField,
)


class ExpertError(DomainError):
    """A registry change that cannot be made, with a message a person can act on.

    ``field`` names the profile field the message is about, so a form can show it there.
    """

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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
# What an expert may report a change of in the expert area (art. 13(4)).
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


def _require_self(actor: User, expert: Expert) -> None:
    if not actor.is_active or actor.role != Role.EXPERT or expert.user_id != actor.pk:
        raise AccessDenied(_("只能办理本人的事项。"))


def _require_staff_or_self(actor: User, expert: Expert) -> None:
    if STAFF.allows(actor):
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


def _valid_id_number(expert: Expert, number: str) -> str:
    """Return ``number`` normalised, or raise ExpertError saying why it does not fit."""
    try:
        return identity.validate(expert.id_type, number, birth_date=expert.birth_date)
    except identity.InvalidIdNumber as exc:
        raise ExpertError(str(exc), field="id_number") from None


def _valid_mobile(number: str) -> str:
    """Return a mobile normalised (empty stays empty), or raise ExpertError saying how to write it."""
    if not number:
        return ""
    try:
        return identity.normalize_mobile(number)
    except identity.InvalidMobile as exc:
        raise ExpertError(str(exc), field="mobile") from None


def _set_id_number(expert: Expert, normalized: str) -> None:
    for name, value in protected.id_number_columns(normalized).items():
        setattr(expert, name, value)


def _set_mobile(expert: Expert, normalized: str) -> None:
    if not normalized:
        expert.mobile_token = expert.mobile_hash = expert.mobile_masked = ""
        return
    for name, value in protected.mobile_columns(normalized).items():
        setattr(expert, name, value)


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

"""The one way to record a change of state: its transition row and its audit entry together."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from zhiku.core.audit import log_action
from zhiku.core.models import Transition

T = TypeVar("T", bound=Transition)


def transition_record(
    model: type[T],
    *,
    action: str,
    subject: models.Model | None = None,
    actor: Any,
    from_value: Any,
    to_value: Any,
    reason: str = "",
    at: datetime | None = None,
    changes: Mapping[str, list[Any]] | None = None,
    data: Mapping[str, Any] | None = None,
    **fields: Any,
) -> T:
    """Write a ``model`` row (from, to, who, when, why and ``fields``) and its audit entry.

    The audit entry is about ``subject`` (the expert, the account) or, without one, about the
    row itself. Unless ``changes`` is given it records ``{model.audit_field: [from, to]}``; the
    reason goes into its data beside ``data``. In the spirit of healthchecks' ``create_flip``.
    """
    with transaction.atomic():
        row = model._default_manager.create(
            from_value=from_value,
            to_value=to_value,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            at=at or timezone.now(),
            reason=reason,
            **fields,
        )
        if changes is None:
            changes = {model.audit_field: [from_value, to_value]}
        extra = dict(data or {})
        if reason:
            extra.setdefault("reason", reason)
        log_action(
            action,
            actor=actor,
            obj=subject if subject is not None else row,
            changes=changes,
            data=extra,
        )
    return row

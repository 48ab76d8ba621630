"""A person's own data as a machine-readable file (PIPL art. 45): how a record reads in it.

Each app contributes its section through its plugin's ``personal_data`` hook (core knows no
app); these helpers make every section read alike: dates as ISO 8601, times in Beijing time
with their offset, coded values as their Chinese label, a related record as its name, and no
lookup hash or ciphertext (an app puts a protected number in clear itself: it is the
person's own).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils import timezone

FORMAT = "zhiku-personal-data/1"


def jsonable(value: Any) -> Any:
    """Return ``value`` as JSON can hold it (dates ISO 8601, times in Beijing time)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def record(obj: models.Model, *, exclude: Iterable[str] = (), **extra: Any) -> dict[str, Any]:
    """Every stored field of ``obj`` by name: choices as their label, related records as their
    name, lookup hashes and ciphertext (``*_hash``, ``*_token``) left out; ``extra`` added."""
    skip = set(exclude)
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in skip or f.name.endswith(("_hash", "_token")):
            continue
        if f.is_relation:
            value: Any = getattr(obj, f.name)
        elif f.choices:
            value = getattr(obj, f"get_{f.name}_display")()
            if getattr(obj, f.attname) in (None, ""):
                value = ""
        else:
            value = getattr(obj, f.attname)
        out[f.name] = jsonable(value)
    out.update({k: jsonable(v) for k, v in extra.items()})
    return out


def records(objs: Iterable[models.Model], *, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    skip = tuple(exclude)
    return [record(o, exclude=skip) for o in objs]

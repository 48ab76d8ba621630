"""What the backup tests compare: every row of every table and every stored file, canonically.

Written apart from ``zhiku.core.backup`` on purpose (values as the ORM reads them, not as the
archive encodes them), and runnable against another database in a subprocess:
``python -m zhiku.core.tests.backup_support OUT.json`` with ``DATABASE_URL`` and the storage
roots in the environment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def table_rows() -> dict[str, list[list[Any]]]:
    """Every table's rows in primary-key order, each value in a form that compares across
    databases (datetimes in UTC, JSON with sorted keys)."""
    from django.apps import apps

    out: dict[str, list[list[Any]]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        columns = [f.attname for f in meta.local_concrete_fields]
        rows = model._base_manager.order_by(meta.pk.attname).values_list(*columns)
        out[meta.label_lower] = [[_canonical(v) for v in row] for row in rows]
    return out


def stored_files() -> dict[str, str]:
    """``storage/name`` → SHA-256 of the bytes, for every file of the site's storages."""
    from zhiku.core import files

    out = {}
    for alias in files.DATA_STORAGES:
        for name in files.walk(alias):
            digest = hashlib.sha256()
            for chunk in files.read(alias, name):
                digest.update(chunk)
            out[f"{alias}/{name}"] = digest.hexdigest()
    return out


def snapshot() -> dict[str, Any]:
    return {"tables": table_rows(), "files": stored_files()}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiku.test_settings")
    import django

    django.setup()
    Path(sys.argv[1]).write_text(json.dumps(snapshot(), ensure_ascii=False), encoding="utf-8")

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from zhiku.core import sms


@pytest.fixture
def catalogues() -> None:
    """Reload the catalogues of the data migration (a transactional test's flush removes them)."""
    from importlib import import_module

    from django.apps import apps

    import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)


@pytest.fixture(autouse=True)
def upload_root(settings: Any, tmp_path: Path) -> Path:
    """Every test stores its uploads in a directory of its own, and texts go to the outbox."""
    settings.ZHIKU_UPLOAD_ROOT = tmp_path / "uploads"
    settings.ZHIKU_SMS_BACKEND = "zhiku.core.sms.LocmemBackend"
    sms.outbox.clear()
    cache.clear()  # the public pages' cache lives as long as the process
    return Path(settings.ZHIKU_UPLOAD_ROOT)

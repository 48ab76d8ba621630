from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def catalogues() -> None:
    """Reload the catalogues of the data migration (a transactional test's flush removes them)."""
    from importlib import import_module

    from django.apps import apps

    import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)


@pytest.fixture
def sms_outbox(settings: Any) -> Any:
    """Text messages kept in zhiku.core.sms.outbox instead of the log."""
    from zhiku.core import sms

    settings.ZHIKU_SMS_BACKEND = "zhiku.core.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()

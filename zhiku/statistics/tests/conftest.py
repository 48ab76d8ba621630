from __future__ import annotations

import pytest


@pytest.fixture
def catalogues() -> None:
    """Reload the catalogues of the data migration (a transactional test's flush removes them)."""
    from importlib import import_module

    from django.apps import apps

    import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)

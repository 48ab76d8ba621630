from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from zhiku.core.plugins import navigation


def site(request: HttpRequest) -> dict[str, Any]:
    """Site-wide facts for every template: names, footer details, and the user's navigation."""
    user = getattr(request, "user", None)
    return {
        "site": settings.ZHIKU_SITE,
        "nav": navigation(user) if user is not None else [],
    }

"""Template tags other apps' pages use: the portal's home lists the calls open now, the
notices running and the latest announcements."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from zhiku.recruitment import selectors

register = template.Library()


@register.inclusion_tag("recruitment/public/_open_calls.html")
def open_calls() -> dict[str, Any]:
    """The published calls open or about to open, for the portal's home page."""
    current, _past = selectors.public_calls(timezone.now())
    return {"calls": current[:5]}


@register.inclusion_tag("recruitment/public/_current_notices.html")
def current_notices() -> dict[str, Any]:
    """The notices running now, with the working days left, for the portal's home page."""
    now = timezone.now()
    current, _past = selectors.public_notices(now)
    today = timezone.localdate(now)
    return {"notices": [(n, selectors.workdays_left(n, today)) for n in current[:5]]}


@register.inclusion_tag("recruitment/public/_latest_announcements.html")
def latest_announcements() -> dict[str, Any]:
    """The latest announcements, for the portal's home page."""
    return {"announcements": list(selectors.public_announcements()[:5])}

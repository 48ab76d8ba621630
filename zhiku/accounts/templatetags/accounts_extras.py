"""Template filters of the accounts pages."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration_zh(value: timedelta | None) -> str:
    """Say a duration as people do: 30 分钟, 1 小时, 1 小时 30 分钟 (whole minutes, rounded up)."""
    if not isinstance(value, timedelta):
        return ""
    minutes = -(-int(value.total_seconds()) // 60)
    hours, minutes = divmod(max(minutes, 0), 60)
    parts = []
    if hours:
        parts.append(_("%(n)d 小时") % {"n": hours})
    if minutes or not hours:
        parts.append(_("%(n)d 分钟") % {"n": minutes})
    return " ".join(parts)

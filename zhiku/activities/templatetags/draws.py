"""Template filters of the draw pages."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def breakable(value: object, every: int = 16) -> SafeString:
    """A long hexadecimal value with line-break opportunities (<wbr>) every ``every`` characters,
    so that it wraps inside a card on a phone instead of overflowing (no inline style: CSP)."""
    text = str(value or "")
    parts = [conditional_escape(text[i : i + every]) for i in range(0, len(text), every)]
    return mark_safe("<wbr>".join(parts))  # noqa: S308 - every part is escaped above


@register.filter
def get(mapping: object, key: object) -> object:
    """``mapping[key]`` in a template, or None (a year's statistics by year)."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None

"""Template tags that ask the access policies, so a page offers only what the user may open."""

from __future__ import annotations

from typing import Any

from django import template

from zhiku.core.permissions import url_allows

register = template.Library()


@register.simple_tag(takes_context=True)
def allowed(context: Any, url_name: str, **kwargs: Any) -> bool:
    """Whether the signed-in user may open ``url_name``: its view's policy decides, as for menus."""
    return url_allows(context["request"].user, url_name, kwargs or None)

"""Template tags for lists: numbered pages and links that keep the list's filters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import template
from django.core.paginator import Page
from django.http import HttpRequest

register = template.Library()


@register.simple_tag
def page_numbers(page: Page) -> Iterator[int | str]:
    """The page numbers to offer around the current one: 1 2 … 7 8 [9] 10 11 … 40 41."""
    return page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)


@register.simple_tag
def query_with(request: HttpRequest, **changes: Any) -> str:
    """The current query string with ``changes`` made (a value of None removes the key); every
    other filter is kept, repeated keys included. Changing the order starts again at page 1."""
    query = request.GET.copy()
    if "sort" in changes:
        query.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.inclusion_tag("_sort_header.html", takes_context=True)
def sort_header(context: Any, key: str, label: str, default: str = "") -> dict[str, Any]:
    """A column heading that sorts the list by ``key``, and the other way round when it already
    does; ``default`` is the order of a list that names none."""
    current = context["request"].GET.get("sort") or default
    if current == key:
        state, target = "ascending", f"-{key}"
    elif current == f"-{key}":
        state, target = "descending", key
    else:
        state, target = "none", key
    return {"request": context["request"], "label": label, "state": state, "target": target}

"""The portal's notices and announcements, cached for anonymous visitors.

Anyone may open these pages, and a notice draws its readers at once (a link shared on WeChat),
so the rendered page is kept in Django's cache and served as it was for the next anonymous
visitor. What makes this safe:

- **Only anonymous visitors** get or fill the cache; a signed-in user's page is rendered for
  them (and marked no-store by ``NoStoreMiddleware``), so neither ever sees the other's page.
- **No CSRF token in a cached page**: the page is rendered with an empty ``csrf_token``, so no
  visitor's token is handed to the next one (the objection form, which needs one, is its own
  page and never cached). A visitor with messages waiting gets a fresh page.
- **Invalidated on change, in every process**: the key carries the record's last change
  (``updated_at``, which every service touching the page moves) and the day (a notice's days
  left and its end follow the calendar), read from the database at each request. A local-memory
  cache per process (the default) is therefore never stale; a shared one only saves work.
- ``Vary: Cookie`` tells any cache between us and the visitor to keep the two apart too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

Render = Callable[[dict[str, Any]], HttpResponse]
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


def _has_messages(request: HttpRequest) -> bool:
    if request.COOKIES.get("messages"):
        return True
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return "_messages" in request.session


def cacheable(request: HttpRequest) -> bool:
    """Whether this request may be answered from (and fill) the anonymous cache."""
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not _has_messages(request)
    )


def page_key(*parts: Any, daily: bool = True) -> str:
    """A cache key for a public page: its parts and (``daily``) today's date, which moves the
    days left and the ended mark. Hashed: a version may hold spaces, which memcached refuses."""
    text = ":".join([*(str(p) for p in parts), timezone.localdate().isoformat() if daily else ""])
    return "public:" + hashlib.sha256(text.encode()).hexdigest()


def anonymous_cached(request: HttpRequest, key: str, render: Render) -> HttpResponse:
    """Answer from the cache for an anonymous visitor, or render (and keep) the page.

    ``render`` gets extra context: for an anonymous visitor an empty ``csrf_token``.
    """
    if not cacheable(request):
        response = render({})
        patch_vary_headers(response, ("Cookie",))
        return response
    kept = cache.get(key)
    if kept is not None:
        response = HttpResponse(kept["content"], status=kept["status"])
        for name, value in kept["headers"].items():
            response[name] = value
        response["X-Zhiku-Cache"] = "hit"
    else:
        response = render({"csrf_token": ""})
        if response.status_code == 200 and not response.cookies:
            cache.set(
                key,
                {
                    "content": response.content,
                    "status": response.status_code,
                    "headers": {h: response[h] for h in KEPT_HEADERS if h in response},
                },
            )
        response["X-Zhiku-Cache"] = "miss"
    patch_vary_headers(response, ("Cookie",))
    return response


def cached_bytes(key: str, make: Callable[[], bytes]) -> bytes:
    """Return bytes kept under ``key``, making them once (a public PDF is the same for all)."""
    found = cache.get(key)
    if found is None:
        found = make()
        cache.set(key, found)
    return bytes(found)

"""Typed requests for views behind a signed-in policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django_htmx.middleware import HtmxDetails

from zhiku.core.errors import AccessDenied, DomainError
from zhiku.core.permissions import refusal_report
from zhiku.core.roles import Actor

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose view's policy admits signed-in users only: ``user`` is an account.

    Only a type for the checker; at run time requests are plain ``HttpRequest`` objects.
    The apps' views use the accounts app's own typed request, whose user is the account model.
    """

    user: Actor  # type: ignore[assignment]
    htmx: HtmxDetails


def site_url(path: str) -> str:
    """Return the absolute address of ``path`` on this site (for links sent by e-mail).

    From ``ZHIKU_SITE_URL``, never from a request's Host header, so that background tasks can
    build links and a forged Host cannot redirect them.
    """
    from django.conf import settings

    return settings.ZHIKU_SITE_URL.rstrip("/") + path


def act(
    request: HttpRequest,
    action: Callable[[], object],
    *,
    back: str,
    success: StrOrPromise,
) -> HttpResponse:
    """Run a POST action: on success say ``success``, on a DomainError say why; go to ``back``.

    The shape of every small action (a button on a detail page): the view parses the form,
    this calls the one service and renders its outcome the same way everywhere.
    """
    try:
        action()
    except DomainError as exc:
        if isinstance(exc, AccessDenied):
            refusal_report(request, exc.policy)
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return HttpResponseRedirect(back)


# The largest key a database column holds (a signed 64-bit integer); SQLite raises
# OverflowError on a larger number in a query rather than finding nothing.
LARGEST_KEY = 2**63 - 1


def record_number(raw: object) -> int | None:
    """Read a record's number from a query string or form value: ASCII digits only (not "²"
    or "٣", which ``str.isdigit`` accepts) and within what a key column holds; None otherwise,
    so the caller answers as for a record that does not exist."""
    text = str(raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_KEY else None

"""The typed request of the apps' views behind a signed-in policy."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from zhiku.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose ``user`` is a signed-in ``accounts.User`` (a type for the checker only).

    Core's own views use ``zhiku.core.http.AuthenticatedHttpRequest``, whose user is the
    ``Actor`` protocol, because core imports no app.
    """

    user: User
    htmx: HtmxDetails

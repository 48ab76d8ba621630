"""Middleware of the core: the request's context for the audit trail, session renewal, no-store,
domain errors."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme

from zhiku.core.context import RequestContext, client_ip, request_context
from zhiku.core.errors import AccessDenied, DomainError
from zhiku.core.permissions import policy_of, refusal_report

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Put the client address and a request id where ``log_action`` finds them.

    Services know no HTTP: they take an explicit actor, and the audit trail takes the address
    and the request id from this context. A request id sent by our own proxy (``X-Request-ID``)
    is kept so that its log lines and the audit entries match; otherwise one is made up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
        token = request_context.set(RequestContext(ip=client_ip(request), request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class SessionRenewMiddleware:
    """Keep a session alive while it is used, writing it at most once a minute.

    The idle timeout (``SESSION_COOKIE_AGE``) counts from the session's last save. Saving on
    every request (``SESSION_SAVE_EVERY_REQUEST``) cost a database write per page; renewing
    only when the last renewal is ``RENEW_SECONDS`` old ends an idle session between 29 and 30
    minutes after its last use instead of exactly at 30. Placed right after the session
    middleware, so the session is saved on the way out.
    """

    RENEW_SECONDS = 60
    KEY = "_renewed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= self.RENEW_SECONDS:
                session[self.KEY] = now  # marks it modified: saved with a new expiry
        return response


class NoStoreMiddleware:
    """Tell browsers and proxies to keep no copy of any page behind login.

    A response is marked ``Cache-Control: no-store`` when it goes to a signed-in user (whatever
    the page: even a public one carries their name in the menu) or comes from a view whose policy
    is not public (the login redirect included). Only public pages for anonymous visitors, and
    static files (answered before this middleware), may be cached. Placed after the
    authentication middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        view_policy = getattr(request, "zhiku_view_policy", None)
        if getattr(user, "is_authenticated", False) or (
            view_policy is not None and not view_policy.public
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        request.zhiku_view_policy = policy_of(view)  # type: ignore[attr-defined]
        return None


class DomainErrorMiddleware:
    """Render a DomainError no view caught, the same way for every view.

    A POST goes back to the page it came from with the message on top; htmx gets the message
    as a fragment for the page's message area; anything else gets an error page (403 when
    the error is a refused access, 400 otherwise).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        text = str(exception)
        status = 403 if isinstance(exception, AccessDenied) else 400
        if isinstance(exception, AccessDenied):
            refusal_report(request, exception.policy)
        if getattr(request, "htmx", False):
            response = render(request, "_domain_error.html", {"text": text})
            response["HX-Retarget"] = "#messages-live"
            response["HX-Reswap"] = "innerHTML"
            return response
        back = request.POST.get("next") or request.META.get("HTTP_REFERER", "")
        if request.method == "POST" and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            messages.error(request, text)
            return HttpResponseRedirect(back)
        return render(request, "domain_error.html", {"text": text}, status=status)

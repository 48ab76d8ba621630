"""Errors a person can act on, and the error pages, in Chinese, with the site's layout.

Every app's services raise a subclass of :class:`DomainError` whose message says what went
wrong and what to do. A view may catch it to show the message beside a form; one it does not
catch is rendered the same way everywhere by :class:`zhiku.core.middleware.DomainErrorMiddleware`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template


class DomainError(Exception):
    """A change that cannot be made, with a message a person can act on."""


class AccessDenied(DomainError):
    """The actor may not do this; raised by ``Policy.require``, which names itself."""

    def __init__(self, message: str = "", *, policy: Any = None) -> None:
        super().__init__(message)
        self.policy = policy


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from zhiku.core.permissions import refusal_report

    refusal_report(request, getattr(request, "zhiku_refused_by", None))
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the database may be what failed.
    return HttpResponse(get_template("500.html").render(), status=500)


class OneLineForbidden(logging.Filter):
    """Log a refused request (403) as one line: who, which page, which policy; no traceback.

    Django logs each 403 on ``django.request`` with the PermissionDenied exception attached, so
    the console printed a full traceback for what is an ordinary refusal; the refusal itself
    is in the audit trail. Installed on the ``django.request`` logger by ``LOGGING``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403:
            return True
        record.exc_info = None
        record.exc_text = None
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        who = getattr(user, "username", "") if getattr(user, "is_authenticated", False) else "-"
        refused_by = getattr(request, "zhiku_refused_by", None)
        policy = refused_by.describe() if refused_by is not None else "-"
        record.msg = f"{record.getMessage()} user={who} policy={policy}"
        record.args = ()
        return True

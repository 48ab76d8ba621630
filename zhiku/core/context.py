"""What the audit trail needs to know about the request being served, without the request."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""


# Empty outside a request (management commands, background tasks).
request_context: ContextVar[RequestContext] = ContextVar(
    "zhiku_request_context",
    default=RequestContext(),  # noqa: B039 - frozen, so the shared default cannot be changed
)


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address: the socket's, or behind our proxy the rightmost forwarded."""
    ip: str | None = request.META.get("REMOTE_ADDR") or None
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The client writes the left of X-Forwarded-For; our own proxy appends the address it
            # saw on the right, so only the rightmost entry can be trusted.
            ip = forwarded.split(",")[-1].strip() or None
    return ip

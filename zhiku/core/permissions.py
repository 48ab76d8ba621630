"""Every view's access policy, in one module.

A view is wrapped with :func:`policy`; the wrapper enforces the policy and records it on the
view so that a test (and a system check) can walk every URL pattern and find one without.
Anonymous visitors refused by a policy are sent to the login page; signed-in users get 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from zhiku.accounts.models import Right, Role

View = Callable[..., HttpResponseBase]


@dataclass(frozen=True)
class Policy:
    """Who may reach a view: ``public``, or signed-in users of some roles holding some rights."""

    name: str
    public: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    rights: frozenset[str] = field(default_factory=frozenset)
    any_role: bool = False

    def allows(self, user: Any) -> bool:
        if self.public:
            return True
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if not self.any_role and user.role not in self.roles:
            return False
        return all(user.has_right(r) for r in self.rights)


PUBLIC = Policy("public", public=True)
SIGNED_IN = Policy("signed_in", any_role=True)


def roles(*names: str) -> Policy:
    return Policy("roles:" + ",".join(sorted(names)), roles=frozenset(names))


def staff_with(*rights: str) -> Policy:
    """Staff holding every one of ``rights``."""
    return Policy(
        "staff+" + ",".join(sorted(rights)),
        roles=frozenset({Role.STAFF}),
        rights=frozenset(rights),
    )


STAFF = roles(Role.STAFF)
COUNCIL = roles(Role.COUNCIL)
SUPERVISOR = roles(Role.SUPERVISOR)
SECURITY_ADMIN = roles(Role.SECURITY_ADMIN)
AUDITOR = roles(Role.AUDITOR)
EXPERT = roles(Role.EXPERT)
# Everyone who works in the back office (the workspace shell), but not experts.
WORKSPACE = roles(Role.STAFF, Role.COUNCIL, Role.SUPERVISOR, Role.SECURITY_ADMIN, Role.AUDITOR)

POLICY_ATTR = "zhiku_policy"


def policy(p: Policy) -> Callable[[View], View]:
    """Wrap a view so that it enforces ``p``; record ``p`` on the view for the URL walker."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not p.allows(request.user):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise PermissionDenied
            return view(request, *args, **kwargs)

        setattr(wrapped, POLICY_ATTR, p)
        return wrapped

    return decorator


def policy_of(view: Any) -> Policy | None:
    return getattr(view, POLICY_ATTR, None)


def iter_patterns(patterns: Iterable[Any], prefix: str = "", namespace: str = "") -> Any:
    """Yield (route, name, callback) for every URL pattern below ``patterns``."""
    from django.urls import URLPattern, URLResolver

    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_patterns(p.url_patterns, prefix + str(p.pattern), full_ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            yield prefix + str(p.pattern), name, p.callback


def views_without_policy(urlconf: str | None = None) -> list[str]:
    """Return the routes whose view declares no policy."""
    from django.urls import get_resolver

    resolver = get_resolver(urlconf)
    return [
        f"{route} ({name or 'unnamed'})"
        for route, name, callback in iter_patterns(resolver.url_patterns)
        if policy_of(callback) is None
    ]


__all__ = [
    "AUDITOR",
    "COUNCIL",
    "EXPERT",
    "PUBLIC",
    "SECURITY_ADMIN",
    "SIGNED_IN",
    "STAFF",
    "SUPERVISOR",
    "WORKSPACE",
    "Policy",
    "Right",
    "policy",
    "policy_of",
    "roles",
    "staff_with",
    "views_without_policy",
]

"""Every access policy, named once, used by views and services alike.

A view is wrapped with :func:`policy`; the wrapper enforces the policy and records it on the
view so that a test (and a system check) can walk every URL pattern and find one without.
Anonymous visitors refused by a policy are sent to the login page; signed-in users get 403,
and each refusal is reported through the :data:`access_refused` signal (the accounts app
records it in the audit trail). A service calls ``POLICY.require(actor)``, which raises :class:`AccessDenied` with the
policy's message, so the rule a view enforces and the rule a service enforces are one object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhiku.core.errors import AccessDenied
from zhiku.core.roles import Right, Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

View = Callable[..., HttpResponseBase]


@dataclass(frozen=True)
class Policy:
    """Who may reach a view or call a service: the public, or signed-in users of some roles
    holding some rights."""

    public: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    rights: frozenset[str] = field(default_factory=frozenset)
    any_role: bool = False
    message: StrOrPromise = field(default=_("您没有办理此项操作的权限。"), compare=False)

    def allows(self, user: Any) -> bool:
        if self.public:
            return True
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if not self.any_role and user.role not in self.roles:
            return False
        return all(user.has_right(r) for r in self.rights)

    def require(self, actor: Any) -> None:
        """Raise AccessDenied with this policy's message unless ``actor`` is allowed."""
        if not self.allows(actor):
            raise AccessDenied(str(self.message), policy=self)

    def describe(self) -> str:
        """Name the policy for the audit trail: roles and rights by their codes."""
        if self.public:
            return "public"
        if self.any_role:
            return "signed_in"
        text = "roles:" + ",".join(sorted(self.roles))
        if self.rights:
            text += "+" + ",".join(sorted(self.rights))
        return text

    def label(self) -> str:
        """Name the policy in words: who it lets in."""
        if self.public:
            return gettext("公开")
        if self.any_role:
            return gettext("已登录用户")
        text = "、".join(str(Role(r).label) for r in sorted(self.roles))
        if self.rights:
            rights = "、".join(f"“{Right(r).label}”" for r in sorted(self.rights))
            text += gettext("（须持有%(rights)s权限）") % {"rights": rights}
        return text


def _roles_message(names: tuple[str, ...]) -> str:
    labels = "、".join(str(Role(n).label) for n in names)
    return gettext("只有%(roles)s可以办理此项操作。") % {"roles": labels}


def _rights_message(rights: tuple[str, ...]) -> str:
    labels = "、".join(f"“{Right(r).label}”" for r in rights)
    return gettext("此项操作需要%(rights)s权限，请向安全管理员申请。") % {"rights": labels}


# Messages are built when shown, in the language of the request, not at import.
_lazy_roles_message = lazy(_roles_message, str)
_lazy_rights_message = lazy(_rights_message, str)


def roles(*names: str, message: StrOrPromise | None = None) -> Policy:
    return Policy(roles=frozenset(names), message=message or _lazy_roles_message(names))


def staff_with(*rights: str, message: StrOrPromise | None = None) -> Policy:
    """Staff holding every one of ``rights``."""
    return Policy(
        roles=frozenset({Role.STAFF}),
        rights=frozenset(rights),
        message=message or _lazy_rights_message(rights),
    )


PUBLIC = Policy(public=True)
SIGNED_IN = Policy(any_role=True, message=_("请先登录。"))

STAFF = roles(Role.STAFF)
COUNCIL = roles(Role.COUNCIL)
SUPERVISOR = roles(Role.SUPERVISOR)
SECURITY_ADMIN = roles(Role.SECURITY_ADMIN, message=_("只有安全管理员可以管理账户、角色和权限。"))
AUDITOR = roles(Role.AUDITOR)
EXPERT = roles(Role.EXPERT)

REVIEWER = staff_with(Right.REVIEW_APPLICATIONS)
DRAW_RUNNER = staff_with(Right.RUN_DRAWS)
DESIGNATION_APPROVER = staff_with(Right.APPROVE_DESIGNATIONS)
REVEALER = staff_with(
    Right.REVEAL_PERSONAL_DATA,
    message=_("您没有查看受保护个人信息的权限，请向安全管理员申请。"),
)
EXPORTER = staff_with(Right.EXPORT_DATA, message=_("您没有导出数据的权限，请向安全管理员申请。"))
PARAMETER_EDITOR = staff_with(
    Right.EDIT_PARAMETERS,
    message=_("只有持有“修改政策参数”权限的工作人员可以修改工作日历和政策参数。"),
)

POLICY_ATTR = "zhiku_policy"

# Sent when a signed-in user is refused: by a view's policy (403), or by a service's
# ``Policy.require`` whose AccessDenied reached the page. Arguments: ``user``, ``path``,
# ``view_name`` (the URL name, or the path when it has none), ``method`` and ``policy`` (the
# refusing Policy, or None when a view refused by its own check).
access_refused = Signal()


def refusal_report(request: HttpRequest, refused_by: Policy | None) -> None:
    """Report that ``request``'s signed-in user was refused (anonymous visitors are not)."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return
    match = getattr(request, "resolver_match", None)
    access_refused.send(
        sender=Policy,
        user=user,
        path=request.path,
        view_name=(match.view_name if match is not None else "") or request.path,
        method=request.method or "",
        policy=refused_by,
    )


def policy(p: Policy) -> Callable[[View], View]:
    """Wrap a view so that it enforces ``p``; record ``p`` on the view for the URL walker."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not p.allows(request.user):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                request.zhiku_refused_by = p  # type: ignore[attr-defined]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        setattr(wrapped, POLICY_ATTR, p)
        return wrapped

    return decorator


def policy_of(view: Any) -> Policy | None:
    return getattr(view, POLICY_ATTR, None)


def url_allows(user: Any, url_name: str, kwargs: dict[str, Any] | None = None) -> bool:
    """Return whether the view behind ``url_name`` lets ``user`` in (menus and dashboards ask)."""
    p = _policy_of_url(url_name, kwargs)
    return p is not None and p.allows(user)


def _policy_of_url(url_name: str, kwargs: dict[str, Any] | None) -> Policy | None:
    """The policy of the view ``url_name`` names. Every page's menu asks this for each item, so
    the answer is kept on the URL resolver in use: a name leads to the same view whatever its
    arguments, and a changed URL configuration (tests override it) comes with a new resolver."""
    from django.urls import get_resolver, get_urlconf, resolve, reverse

    known: dict[str, Policy | None] = get_resolver(get_urlconf()).__dict__.setdefault(
        "_zhiku_policies", {}
    )
    if url_name not in known:
        known[url_name] = policy_of(resolve(reverse(url_name, kwargs=kwargs)).func)
    return known[url_name]


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

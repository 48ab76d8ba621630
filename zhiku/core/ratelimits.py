"""Every rate limit of the site, declared here and nowhere else (django-ratelimit).

A limit counts requests in the shared cache (``CACHES["default"]``) per client address or per
signed-in account, in fixed windows. Past it, the page answers 429 in the site's layout with
the limit's message; it is never an error page. These limits slow a flood of requests; the
domain's own rules (one code a minute per recipient, the objections an address may lodge an
hour, invitation links that lead nowhere, django-axes' lockout after wrong passwords) stay in
their apps, counted in the database.

The counts are only as shared as the cache: with several server processes the cache must be
one they share (Redis or Memcached), or each process counts on its own (see docs/deploy.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

from zhiku.core.context import client_ip

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

IP = "ip"
ACCOUNT = "account"  # the signed-in account; its address before sign-in


@dataclass(frozen=True)
class Limit:
    """``rate`` requests (django-ratelimit's ``count/period``, e.g. ``30/10m``) per ``key``."""

    name: str
    rate: str
    key: str
    message: StrOrPromise

    @property
    def count(self) -> int:
        return int(self.rate.split("/", 1)[0])

    def key_of(self, group: str, request: HttpRequest) -> str:
        user = getattr(request, "user", None)
        if self.key == ACCOUNT and getattr(user, "is_authenticated", False):
            return f"account:{user.pk}"  # type: ignore[union-attr]
        return f"ip:{client_ip(request) or 'unknown'}"


# Sign-in, on top of django-axes' lockout (ten wrong passwords for one account from one
# address, 50 from one address across accounts): a flood of requests, right or wrong, from one
# address. Above axes' address limit so that an office behind one NAT address is not stopped.
LOGIN = Limit("login", "100/10m", IP, _("登录尝试过于频繁。为保护账户安全，请 10 分钟后再试。"))
# The code of the second factor (django-otp also slows down each device after wrong codes).
SECOND_FACTOR = Limit(
    "second_factor", "10/10m", ACCOUNT, _("验证码提交过于频繁，请 10 分钟后再试。")
)
# Registration: asking for a one-time code, and entering it.
REGISTRATION_CODE = Limit(
    "registration_code",
    "10/h",
    IP,
    _("获取验证码的请求过于频繁，请一小时后再试。如需帮助，请联系智库办公室。"),
)
REGISTRATION_VERIFY = Limit(
    "registration_verify", "20/h", IP, _("提交注册信息过于频繁，请一小时后再试。")
)
# Objections lodged on the portal during a notice.
OBJECTION = Limit(
    "objection",
    "10/h",
    IP,
    _("提交异议过于频繁，请一小时后再试；也可以邮寄或现场递交书面异议。"),
)
# Answers to an invitation through its personal link.
INVITATION_ANSWER = Limit(
    "invitation_answer",
    "20/h",
    IP,
    _("答复邀请的请求过于频繁，请一小时后再试；如需帮助，请联系邀请函上的联系人。"),
)

ALL = (LOGIN, SECOND_FACTOR, REGISTRATION_CODE, REGISTRATION_VERIFY, OBJECTION, INVITATION_ANSWER)


def exceeded(request: HttpRequest, limit: Limit, *, methods: tuple[str, ...] = ("POST",)) -> bool:
    """Count this request against ``limit`` (when its method is one of ``methods``); return
    whether it is over."""
    return is_ratelimited(
        request,
        group=f"zhiku.{limit.name}",
        key=limit.key_of,
        rate=limit.rate,
        method=list(methods),
        increment=True,
    )


def refused(request: HttpRequest, limit: Limit) -> HttpResponse:
    """The 429 page: the limit's message in the site's layout."""
    return render(request, "429.html", {"text": limit.message}, status=429)


View = Callable[..., HttpResponseBase]


def limited(limit: Limit, *, methods: tuple[str, ...] = ("POST",)) -> Callable[[View], View]:
    """Wrap a view so that a request over ``limit`` gets the 429 page instead."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if exceeded(request, limit, methods=methods):
                return refused(request, limit)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhiku.accounts.models import AccountChange, Role, User
from zhiku.core.models import AuditEntry


def internal_accounts(*, role: str = "", q: str = "") -> QuerySet[User]:
    """Accounts a security admin manages: every role but expert (they see no expert data)."""
    qs = User.objects.exclude(role=Role.EXPERT).order_by("role", "username")
    if role:
        qs = qs.filter(role=role)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    return qs


def account_history(user: User) -> QuerySet[AccountChange]:
    return AccountChange.objects.filter(user=user).select_related("actor")


def previous_login(user: User) -> datetime | None:
    """Return when ``user`` signed in before the current session, from the audit trail.

    Django sets ``last_login`` as the user signs in, so on their own pages it is always now;
    the sign-in before it is the one a person checks for an access they did not make.
    """
    return (
        AuditEntry.objects.filter(action="accounts.login.succeeded", actor=user)
        .order_by("-seq")
        .values_list("at", flat=True)[1:2]
        .first()
    )


@dataclass(frozen=True)
class SignIn:
    """One sign-in event a person sees on their account page."""

    at: datetime
    ok: bool
    what: str
    ip: str
    agent: str


_SIGN_IN_EVENTS = {
    "accounts.login.succeeded": (True, _("登录成功")),
    "accounts.login.failed": (False, _("密码错误")),
    "accounts.otp.verified": (True, _("验证码通过")),
    "accounts.otp.recovery_used": (True, _("使用恢复码通过")),
    "accounts.otp.failed": (False, _("验证码错误")),
}
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("MicroMessenger/", _("微信")),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def short_agent(agent: str) -> str:
    """Say which browser on which system in a few words: ``Chrome 120 · Windows``."""
    if not agent:
        return ""
    browser = ""
    for marker, name in _BROWSERS:
        found = re.search(re.escape(marker) + r"(\d+)", agent)
        if found:
            browser = f"{name} {found.group(1)}"
            break
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    return " · ".join(p for p in (browser, system) if p) or agent[:40]


def recent_sign_ins(user: User, *, limit: int = 20) -> list[SignIn]:
    """Return ``user``'s latest sign-in events, newest first, from the audit trail: successes
    and failures of the password and of the second factor, with address and browser."""
    entries = (
        AuditEntry.objects.filter(
            Q(actor=user, action__in=[a for a in _SIGN_IN_EVENTS if a != "accounts.login.failed"])
            | Q(action="accounts.login.failed", actor_label=user.username)
        )
        .order_by("-seq")
        .only("at", "action", "ip", "data")[:limit]
    )
    out = []
    for entry in entries:
        ok, what = _SIGN_IN_EVENTS[entry.action]
        if entry.action == "accounts.otp.failed" and entry.data.get("step") == "recovery":
            what = _("恢复码错误")
        out.append(
            SignIn(
                at=entry.at,
                ok=ok,
                what=str(what),
                ip=entry.ip or "",
                agent=short_agent(str(entry.data.get("agent", ""))),
            )
        )
    return out

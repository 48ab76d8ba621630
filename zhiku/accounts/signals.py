"""Sign-in events, and refusals of signed-in users, go to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from zhiku.core.audit import log_action
from zhiku.core.permissions import access_refused


def _agent(request: Any) -> str:
    """The browser's User-Agent, shortened: the account page shows it among recent sign-ins."""
    meta = getattr(request, "META", None) or {}
    return str(meta.get("HTTP_USER_AGENT", ""))[:300]


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    agent = _agent(request)
    log_action(
        "accounts.login.succeeded", actor=user, obj=user, data={"agent": agent} if agent else None
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        log_action("accounts.logout", actor=user, obj=user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    agent = _agent(request)
    log_action(
        "accounts.login.failed",
        actor_label=username,
        data={"username": username, **({"agent": agent} if agent else {})},
    )


@receiver(access_refused)
def _access_refused(
    sender: Any,
    user: Any,
    path: str,
    view_name: str,
    method: str,
    policy: Any,
    **kwargs: Any,
) -> None:
    from django.utils import timezone

    from zhiku.accounts.refusals import access_refusal_record

    access_refusal_record(
        actor=user,
        path=path,
        view_name=view_name,
        method=method,
        policy=policy,
        now=timezone.now(),
    )

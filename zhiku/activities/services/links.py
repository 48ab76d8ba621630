"""Personal links of invitations: the token, finding its invitation, and stopping guesses.

A token is the HMAC-SHA256, under the site's secret key, of the invitation's id and a random
nonce (as Django's password-reset links are keyed by the secret key): 256 bits nobody can guess.
The database keeps only the nonce and the token's SHA-256, so a copy of the database answers no
invitation; the e-mail task rebuilds the link from the id. A link that matches no invitation is
counted per client address and written to the audit trail; past ``MISSES_PER_HOUR`` an address
gets no answer from any personal link for the rest of the hour.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets

from django.db import transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac

from zhiku.activities.models import Invitation, LinkMiss
from zhiku.core.audit import log_action
from zhiku.core.http import site_url

KEY_SALT = "zhiku.activities.invitation-link"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
MISSES_PER_HOUR = 10
HOUR = dt.timedelta(hours=1)


def new_nonce() -> str:
    return secrets.token_hex(16)


def token_for(pk: int, nonce: str) -> str:
    digest = salted_hmac(KEY_SALT, f"{pk}:{nonce}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def link_token(invitation: Invitation) -> str:
    return token_for(invitation.pk, invitation.token_nonce)


def personal_link(invitation: Invitation) -> str:
    """The absolute address of the invitation's personal link (for e-mail and SMS)."""
    return site_url(reverse("invitations:answer", kwargs={"token": link_token(invitation)}))


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation whose personal link carries ``token``, or None for anything else."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return (
        Invitation.objects.select_related("activity", "expert")
        .filter(token_hash=token_hash(token))
        .first()
    )


def link_throttled(ip: str | None, now: dt.datetime) -> bool:
    """Whether ``ip`` has tried too many links that lead nowhere within the hour."""
    return LinkMiss.objects.filter(ip=ip, at__gte=now - HOUR).count() >= MISSES_PER_HOUR


@transaction.atomic
def link_refused(*, ip: str | None, token: str, actor: object = None, now: dt.datetime) -> None:
    """Count a personal link that matches no invitation and put it in the audit trail (up to the
    hourly limit: beyond it the address is refused and its tries are only counted)."""
    LinkMiss.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()
    tries = LinkMiss.objects.filter(ip=ip, at__gte=now - HOUR).count() + 1
    LinkMiss.objects.create(ip=ip, at=now)
    if tries <= MISSES_PER_HOUR:
        log_action(
            "activities.invitation.link_refused",
            actor=actor,
            data={
                # Never the token itself: its length and first characters tell a typo from a guess.
                "token": f"{token[:4]}…（{len(token)} 个字符）",
                "tries": tries,
                "limit": MISSES_PER_HOUR,
            },
        )

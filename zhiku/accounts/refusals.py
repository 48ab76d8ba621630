"""Refusals of signed-in users go to the audit trail, collapsed so that a script cannot flood it.

Each refusal is counted per account, page (its URL name, so that /experts/1/ and /experts/2/
count together), refusing policy and day. The audit trail gets the 1st, 10th, 100th, 1000th …
refusal of each, with the count so far; an account refused on more than ``PAGES_A_DAY``
different pages in a day has the rest counted together under one row. A script that opens a
page a million times a day writes seven entries; one that walks every page writes at most
``PAGES_A_DAY`` plus seven.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import AccessRefusal, User
from zhiku.core.audit import log_action
from zhiku.core.models import AuditEntry
from zhiku.core.permissions import Policy

PAGES_A_DAY = 100
OTHER_PAGES = "*"


def is_milestone(count: int) -> bool:
    """Return whether the ``count``-th refusal gets an audit entry: 1, 10, 100, 1000, …"""
    return count > 0 and str(count).rstrip("0") == "1"


@transaction.atomic
def access_refusal_record(
    *,
    actor: User,
    path: str,
    view_name: str,
    method: str,
    policy: Policy | None,
    now: datetime,
) -> AuditEntry | None:
    """Count one refusal of ``actor``; return the audit entry when this one is recorded."""
    day = timezone.localdate(now)
    code = policy.describe() if policy is not None else "view"
    label = policy.label() if policy is not None else _("页面自身的权限检查")
    # One account's refusals are counted one after another.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    tallies = AccessRefusal.objects.filter(user=actor, day=day)
    tally = tallies.filter(view_name=view_name[:200], policy=code[:200]).first()
    if tally is None and tallies.exclude(view_name=OTHER_PAGES).count() >= PAGES_A_DAY:
        view_name, code = OTHER_PAGES, OTHER_PAGES
        label = _("当日被拒绝的页面超过 %(n)d 个，其余合并计数") % {"n": PAGES_A_DAY}
        tally = tallies.filter(view_name=OTHER_PAGES, policy=OTHER_PAGES).first()
    if tally is None:
        tally = AccessRefusal(
            user=actor,
            day=day,
            view_name=view_name[:200],
            policy=code[:200],
            first_path=path[:200],
            first_at=now,
            last_at=now,
        )
    tally.count += 1
    tally.last_at = now
    tally.save()
    if not is_milestone(tally.count):
        return None
    data: dict[str, Any] = {
        "path": path[:200],
        "view": view_name,
        "method": method,
        "policy": code,
        "policy_label": label,
        "times": tally.count,
    }
    return log_action("accounts.access.refused", actor=actor, obj=actor, data=data)

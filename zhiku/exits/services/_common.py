"""What every exits service shares: the domain error, the locked case, the step's transition
row with its audit entry, and the hold a case under art. 8(3)–(7) puts on the expert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.errors import DomainError
from zhiku.core.transitions import transition_record
from zhiku.exits.choices import CaseStatus
from zhiku.exits.models import ExitCase, ExitCaseChange

UPLOAD_PURPOSE = "exits.evidence"
NOTICE_PURPOSE = "exits.notice"
# What one case may hold in evidence files, all together (each file: core's per-file limit).
CASE_UPLOAD_MAX_BYTES = 60 * 1024 * 1024


class ExitError(DomainError):
    """An exit step that cannot be taken, with a message a person can act on.

    ``field`` names the form field the message is about, so a form can show it there.
    """

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def lock(case: ExitCase, *expected: str) -> ExitCase:
    """Return the case locked for the step; refuse (naming its state) unless it is in ``expected``."""
    case = ExitCase.objects.select_for_update(of=("self",)).select_related("expert").get(pk=case.pk)
    if expected and case.status not in expected:
        raise ExitError(
            _("出库案件第 %(n)d 号当前为“%(s)s”，不能办理此步骤。")
            % {"n": case.pk, "s": case.get_status_display()}
        )
    return case


def move(
    case: ExitCase,
    *,
    to: str,
    action: str,
    actor: User | None,
    now: dt.datetime,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
    raised: bool = False,
) -> ExitCaseChange:
    """Move ``case`` to ``to``: its transition row and audit entry, then the case itself
    (``raised``: the case was just created, and comes from nothing)."""
    row = transition_record(
        ExitCaseChange,
        action=action,
        subject=case,
        actor=actor,
        from_value="" if raised else case.status,
        to_value=to,
        reason=reason,
        at=now,
        case=case,
        data={"expert": str(case.expert), "ground": case.ground, **(data or {})},
    )
    case.status = to
    if to in (CaseStatus.EXITED, CaseStatus.DROPPED):
        case.closed_at = now
    case.save()
    return row


def hold_text(case: ExitCase) -> str:
    """Why the expert is suspended while the case is open, as staff read it on the profile."""
    return _("出库案件第 %(n)d 号核实中（%(g)s），暂停参加抽取、指定和邀请") % {
        "n": case.pk,
        "g": case.ground_text,
    }

"""The exits' part of personal-data rights (PIPL): its section of an expert's own download and
the retention rule for experts who left the pool.

An exited expert's identifiers are kept ``exited_expert_retention_years`` (a parameter, default
3) from the exit day, and longer while a bar on reapplying runs (the bar is checked against
the identity number). Then ``run_deadlines`` deletes the evidence files of their exit cases
(the rows stay, marked removed; the written notice stays as the record of the decision) and
has the registry empty the identity and mobile numbers, e-mail, address and certificate
numbers (``expert_identifiers_remove``), each with an audit entry; recruitment's step then
does the same to their applications. An expert who came back (status no longer 已出库) is left
alone. Pure function of the day of ``now``; a second run does nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiku.core.audit import log_action
from zhiku.core.parameters import Parameter, parameter_value
from zhiku.core.personal_data import jsonable, record
from zhiku.core.uploads import stored_file_remove
from zhiku.exits.choices import CaseStatus, Source
from zhiku.exits.models import ExitCase, ExitEvidence
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert
from zhiku.experts.services.personal_data import expert_identifiers_remove, holds_identifiers

RETENTION_KEY = "exited_expert_retention_years"

RETENTION_PARAMETER = Parameter(
    RETENTION_KEY,
    gettext_lazy("出库专家的个人信息保存年限（年）"),
    gettext_lazy(
        "专家出库之日起满此年限（限制重新申请入库的，至限制期满）后，系统删除其出库案件的证据文件，"
        "并删除证件号码、手机号码、电子邮箱、通讯地址和证书编号（保留姓名、专家编号与出库记录）。"
    ),
    3,
    "int",
    minimum=1,
    maximum=30,
)


# --- the expert's download ------------------------------------------------------------------


def section(expert: Expert) -> dict[str, Any] | None:
    """The exit cases the expert has been told of in writing, and their own requests (a case
    under way and not yet notified is not shown to the expert, as on their pages)."""
    cases = (
        ExitCase.objects.filter(expert=expert)
        .filter(Q(notified_on__isnull=False) | Q(source=Source.EXPERT))
        .order_by("raised_at")
    )
    if not cases:
        return None
    return {
        "exit_cases": [
            {
                **record(case, exclude=("expert", "basis", "announcement", "notice_file")),
                "evidence": [
                    {
                        "file_name": e.file.original_name,
                        "description": e.description,
                        "added_at": jsonable(e.added_at),
                        "removed_at": jsonable(e.file.removed_at),
                    }
                    for e in case.evidence.select_related("file")
                ],
            }
            for case in cases
        ]
    }


# --- retention -------------------------------------------------------------------------------


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def experts_due(today: dt.date) -> list[Expert]:
    """Exited experts whose retention ended by ``today`` and no bar runs, still holding data."""
    cutoff = years_before(today, parameter_value(RETENTION_KEY, today))
    exited = (
        ExitCase.objects.filter(status=CaseStatus.EXITED, expert__status=Status.EXITED)
        .values("expert")
        .annotate(last_exit=Max("exited_on"), last_bar=Max("barred_until"))
        .filter(last_exit__lte=cutoff)
        .filter(Q(last_bar__isnull=True) | Q(last_bar__lt=today))
    )
    pks = [row["expert"] for row in exited]
    return list(Expert.objects.filter(pk__in=pks).order_by("pk"))


@transaction.atomic
def exited_expert_data_remove(*, expert: Expert, reason: str, now: dt.datetime) -> bool:
    """Delete the evidence files of the expert's exit cases and have the registry empty their
    identifiers; False when nothing was left."""
    evidence = ExitEvidence.objects.filter(case__expert=expert).select_related("file")
    files = sum(stored_file_remove(e.file, now=now) for e in evidence)
    if files:
        log_action(
            "exits.evidence.removed",
            obj=expert,
            data={"files": files, "reason": reason},
        )
    return expert_identifiers_remove(expert=expert, reason=reason, now=now) or bool(files)


def exited_experts_retention(now: dt.datetime) -> Iterator[str]:
    """The deadline step: apply the retention rule on the day of ``now``. Idempotent."""
    today = timezone.localdate(now)
    years = parameter_value(RETENTION_KEY, today)
    reason = _("出库已满 %(y)d 年（限制重新申请的，限制期已满）") % {"y": years}
    done = 0
    for expert in experts_due(today):
        evidence_left = ExitEvidence.objects.filter(
            case__expert=expert, file__removed_at__isnull=True
        ).exists()
        if holds_identifiers(expert) or evidence_left:
            done += exited_expert_data_remove(expert=expert, reason=reason, now=now)
    if done:
        yield _("已按保存期限删除 %(n)d 位出库专家的身份信息与证据文件") % {"n": done}


AUDIT_LABELS = {"exits.evidence.removed": gettext_lazy("按保存期限删除出库案件的证据文件")}
AUDIT_FIELDS = {
    "exits.evidence.removed:files": gettext_lazy("删除的证据文件数"),
    "exits.evidence.removed:reason": gettext_lazy("依据"),
}

# What the plugin adds to core for personal-data rights.
HOOKS: dict[str, Any] = {"personal_data": section}

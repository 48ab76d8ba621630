"""What the system finds by itself, as the exits' part of `manage.py run_deadlines`: experts past
their age limit on the day it runs (art. 8(1) with art. 6(5) and its exceptions) and experts
absent without leave after accepting, as often as the threshold says (art. 8(6)).

Idempotent: an expert gets one case for being over age, ever (a dropped one says staff decided
they stay); a case on absences weighs the absences it lists, and only absences after those
count toward another. Nobody under an open case gets a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.exits import selectors
from zhiku.exits.choices import Ground
from zhiku.exits.models import ExitCase
from zhiku.exits.services.cases import system_case_raise


def _over_age(today: dt.date, now: dt.datetime) -> Iterator[str]:
    for found in selectors.over_age_failing(today):
        if ExitCase.objects.filter(expert=found.expert, ground=Ground.OVER_AGE).exists():
            continue
        facts = _(
            "系统于 %(d)s 核查第六条第（五）项：%(r)s 自 %(s)s 起已超过其适用的年龄上限 %(n)d 周岁，"
            "不再符合入库条件。"
        ) % {
            "d": today.isoformat(),
            "r": found.reason,
            "s": found.since.isoformat(),
            "n": found.limit,
        }
        case = system_case_raise(
            expert=found.expert,
            ground=Ground.OVER_AGE,
            facts=facts,
            basis={
                "checked_on": today.isoformat(),
                "age": found.expert.age_on(today),
                "limit": found.limit,
                "since": found.since.isoformat(),
            },
            now=now,
        )
        if case is not None:
            yield _("超龄出库立案：%(e)s（出库案件第 %(n)d 号）") % {
                "e": found.expert,
                "n": case.pk,
            }


def _absences(today: dt.date, now: dt.datetime) -> Iterator[str]:
    threshold = selectors.absence_threshold(today)
    for expert, absences in selectors.absent_too_often(today):
        listed = "；".join(f"{a.start.isoformat()} {a.title}" for a in absences)
        facts = _(
            "系统于 %(d)s 核查出席记录：接受邀请后无故缺席 %(n)d 次（达到 %(t)d 次即启动出库）：%(l)s。"
        ) % {"d": today.isoformat(), "n": len(absences), "t": threshold, "l": listed}
        case = system_case_raise(
            expert=expert,
            ground=Ground.ABSENCES,
            facts=facts,
            basis={
                "checked_on": today.isoformat(),
                "threshold": threshold,
                "absences": [
                    {"activity": a.activity_id, "title": a.title, "start": a.start.isoformat()}
                    for a in absences
                ],
            },
            now=now,
        )
        if case is not None:
            yield _("无故缺席出库立案：%(e)s（出库案件第 %(n)d 号，已暂停）") % {
                "e": expert,
                "n": case.pk,
            }


def exits_deadlines(now: dt.datetime) -> Iterator[str]:
    """Raise the cases the system finds on the day of ``now``; a line for each one raised."""
    today = timezone.localdate(now)
    yield from _over_age(today, now)
    yield from _absences(today, now)
    from zhiku.exits.personal_data import exited_experts_retention

    yield from exited_experts_retention(now)

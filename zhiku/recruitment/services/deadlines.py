"""Recruitment's part of `manage.py run_deadlines`: close what has ended, list what falls due.

Nothing here decides anything a page relies on: calls, notices and council rounds end by their
dates (pure functions of ``now``). The step records those ends in the trail (and closes a
round no one has looked at since its last voting day), so each runs once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _

from zhiku.core.plugins import DueItem
from zhiku.recruitment import rules, selectors
from zhiku.recruitment.models import Call, DeliberationRound, Notice
from zhiku.recruitment.services.calls import calls_close_due
from zhiku.recruitment.services.notices import notices_end_due
from zhiku.recruitment.services.rounds import rounds_close_due


def recruitment_deadlines(now: dt.datetime) -> Iterator[str]:
    """Record the calls and notices that have ended and close council rounds past their day."""
    for call in calls_close_due(now):
        yield _("征集通知已截止：%(t)s（%(d)s 24:00）") % {
            "t": call.title,
            "d": call.closes_on.isoformat(),
        }
    for notice in notices_end_due(now):
        yield _("公示期满：%(t)s（%(d)s 24:00），可批准入库") % {
            "t": notice.title,
            "d": notice.ends_on.isoformat(),
        }
    closed = rounds_close_due(now)
    if closed:
        yield _("投票期满，已结束理事会审议 %(n)d 轮") % {"n": closed}
    from zhiku.recruitment.personal_data import applications_retention

    yield from applications_retention(now)


def due_objections(today: dt.date, until: dt.date) -> Iterator[DueItem]:
    for objection in selectors.accepted_due_by(until):
        due = selectors.due_of(objection, today)
        note = {
            rules.OVERDUE: _("已逾期"),
            rules.DUE_TODAY: _("今天到期"),
        }.get(due.state, _("即将到期"))
        yield DueItem(
            title=_("异议处理决定：对%(n)s的异议（第 %(pk)d 号）")
            % {"n": objection.entry.name, "pk": objection.pk},
            due=due.due_on,
            url=reverse("recruitment:objection_detail", kwargs={"pk": objection.pk}),
            note=note,
        )


def due_notices(today: dt.date, until: dt.date) -> Iterator[DueItem]:
    for notice in Notice.objects.filter(status=Notice.Status.PUBLISHED, ends_on__lte=until):
        yield DueItem(
            title=_("公示期满：%(t)s") % {"t": notice.title},
            due=notice.ends_on,
            url=reverse("recruitment:notice_admin_detail", kwargs={"pk": notice.pk}),
            note=_("期满次日起可批准入库"),
        )


def due_calls(today: dt.date, until: dt.date) -> Iterator[DueItem]:
    calls = Call.objects.filter(
        status=Call.Status.PUBLISHED, closes_on__gte=today, closes_on__lte=until
    )
    for call in calls:
        yield DueItem(
            title=_("征集截止：%(t)s") % {"t": call.title},
            due=call.closes_on,
            url=reverse("recruitment:call_admin_detail", kwargs={"pk": call.pk}),
        )


def due_rounds(today: dt.date, until: dt.date) -> Iterator[DueItem]:
    rounds = selectors.open_rounds().filter(
        mode=DeliberationRound.Mode.ONLINE, votes_close_on__lte=until
    )
    for round_ in rounds:
        assert round_.votes_close_on is not None
        missing = len(selectors.members_not_voted(round_))
        yield DueItem(
            title=_("理事会投票截止：%(t)s") % {"t": round_.title},
            due=round_.votes_close_on,
            url=reverse("recruitment:round_detail", kwargs={"pk": round_.pk}),
            note=_("尚有 %(n)d 人未投票") % {"n": missing},
        )

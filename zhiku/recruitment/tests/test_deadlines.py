"""`manage.py run_deadlines` for recruitment: calls and notices that have ended are recorded,
staff get a digest of what falls due in the next 3 working days, and a second run does nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from zhiku.accounts.models import Right
from zhiku.core.models import AuditEntry
from zhiku.recruitment import services
from zhiku.recruitment.models import Call, Notice, NoticeChange
from zhiku.recruitment.tests.factories import (
    NOTICE_END,
    approved,
    at,
    lodge,
    make_reviewer,
    publish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(catalogues: None, make_user: Any) -> dict[str, Any]:
    reviewer = make_reviewer()
    reviewer.email = "reviewer@example.org"
    reviewer.save(update_fields=["email"])
    notice = publish(reviewer, [approved(reviewer, username="zhang", name="张拟入", serial=11)])
    objection = lodge(notice, notice.entries.get(), now=at(dt.date(2026, 9, 30), 9))
    services.objection_accept(actor=reviewer, objection=objection, now=at(dt.date(2026, 9, 30)))
    drawer = make_user(
        "staff", username="drawer", email="drawer@example.org", rights=(Right.RUN_DRAWS,)
    )
    return {"reviewer": reviewer, "notice": notice, "objection": objection, "drawer": drawer}


def run(moment: dt.datetime) -> str:
    out = StringIO()
    with time_machine.travel(moment, tick=False):
        call_command("run_deadlines", stdout=out)
    return out.getvalue()


def state() -> tuple[Any, ...]:
    return (
        AuditEntry.objects.count(),
        len(mail.outbox),
        list(Notice.objects.values_list("status", "ended_at")),
        list(Call.objects.values_list("closed_at", flat=True)),
    )


def test_the_deadline_step_records_what_has_ended_and_a_second_run_changes_nothing(
    world: dict[str, Any],
) -> None:
    mail.outbox.clear()
    moment = at(dt.date(2026, 10, 22), 10)
    output = run(moment)
    assert "征集通知已截止：2026 年第二批智库专家征集（2026-09-30 24:00）" in output
    assert "公示期满：2026 年第二批拟入库专家名单公示（2026-10-13 24:00），可批准入库" in output
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.ENDED
    change = NoticeChange.objects.filter(notice=notice).latest("at")
    assert change.actor is None and change.to_value == Notice.Status.ENDED
    assert Call.objects.get().closed_at == moment
    before = state()
    assert run(moment + dt.timedelta(minutes=5)).strip() == ""
    assert state() == before


def test_each_member_of_staff_gets_one_digest_a_day_of_what_they_may_act_on(
    world: dict[str, Any],
) -> None:
    mail.outbox.clear()
    run(at(dt.date(2026, 10, 22), 10))
    digests = [m for m in mail.outbox if "到期事项提醒" in m.subject]
    assert [m.to for m in digests] == [["reviewer@example.org"]]  # nothing is due for drawer
    body = digests[0].body
    assert digests[0].subject == "【广东省质量发展智库】到期事项提醒（2026-10-22）"
    assert "3 个工作日内（2026-10-27 前）" in body
    assert f"2026-10-27　异议处理决定：对张拟入的异议（第 {world['objection'].pk} 号）" in body
    assert "即将到期" in body
    assert "http://testserver/workspace/recruitment/objections/" in body
    run(at(dt.date(2026, 10, 22), 16))
    assert len([m for m in mail.outbox if "到期事项提醒" in m.subject]) == 1
    run(at(dt.date(2026, 10, 23), 10))
    assert len([m for m in mail.outbox if "到期事项提醒" in m.subject]) == 2


def test_the_notice_s_end_is_in_the_digest_before_it_comes(world: dict[str, Any]) -> None:
    mail.outbox.clear()
    run(at(dt.date(2026, 10, 9), 8))
    [digest] = [m for m in mail.outbox if "到期事项提醒" in m.subject]
    assert "2026-10-13　公示期满：2026 年第二批拟入库专家名单公示" in digest.body
    assert Notice.objects.get().status == Notice.Status.PUBLISHED


def test_no_digest_before_the_hour_but_the_steps_still_run(world: dict[str, Any]) -> None:
    mail.outbox.clear()
    output = run(at(NOTICE_END + dt.timedelta(days=1), 0, 5))
    assert "公示期满" in output
    assert not [m for m in mail.outbox if "到期事项提醒" in m.subject]

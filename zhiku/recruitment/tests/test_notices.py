"""The public notice (公示): its end date by the working-day rule, the portal page and its PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from zhiku.core.models import CalendarYear, ParameterChange
from zhiku.core.tests.factories import pdf_embedded_cjk_fonts, pdf_text
from zhiku.core.workdays import CalendarNotConfigured
from zhiku.recruitment import rules, selectors, services
from zhiku.recruitment.models import Application, Notice, NoticeChange
from zhiku.recruitment.services import RecruitmentError
from zhiku.recruitment.tests.factories import (
    ID_NUMBER,
    NOTICE_DAY,
    NOTICE_END,
    approved,
    at,
    make_reviewer,
    publish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer() -> Any:
    return make_reviewer()


@pytest.fixture
def listed(reviewer: Any, catalogues: None) -> list[Application]:
    return [
        approved(reviewer, username="zhang", name="张拟入", serial=11),
        approved(reviewer, username="li", name="李拟入", serial=12),
    ]


# --- pure rules ----------------------------------------------------------------------------


def test_a_notice_runs_from_its_publication_day_until_24_00_of_its_last_day() -> None:
    def phase(now: dt.datetime) -> str:
        return rules.notice_phase(published_on=NOTICE_DAY, ends_on=NOTICE_END, now=now)

    assert phase(at(NOTICE_DAY, 0, 0) - dt.timedelta(seconds=1)) == rules.UPCOMING
    assert phase(at(NOTICE_DAY, 0, 0)) == rules.RUNNING
    assert phase(at(NOTICE_END, 23, 59, 59)) == rules.RUNNING
    assert phase(at(NOTICE_END + dt.timedelta(days=1), 0, 0)) == rules.ENDED
    # 24:00 Asia/Shanghai is 16:00 UTC: a server clock in UTC changes nothing.
    assert phase(dt.datetime(2026, 10, 13, 15, 59, 59, tzinfo=dt.UTC)) == rules.RUNNING
    assert phase(dt.datetime(2026, 10, 13, 16, 0, tzinfo=dt.UTC)) == rules.ENDED


def test_a_deadline_is_due_soon_within_three_working_days_and_overdue_after_its_day() -> None:
    due = dt.date(2026, 10, 27)
    assert rules.due_state(due_on=due, today=dt.date(2026, 10, 19), workdays_left=6) == "on_time"
    assert rules.due_state(due_on=due, today=dt.date(2026, 10, 22), workdays_left=3) == "due_soon"
    assert rules.due_state(due_on=due, today=due, workdays_left=0) == "due_today"
    assert rules.due_state(due_on=due, today=dt.date(2026, 10, 28), workdays_left=0) == "overdue"


# --- publishing ----------------------------------------------------------------------------


def test_a_notice_published_on_2026_09_28_ends_on_2026_10_13(
    reviewer: Any, listed: list[Application]
) -> None:
    notice = publish(reviewer, listed)
    assert (notice.published_on, notice.ends_on, notice.workdays) == (NOTICE_DAY, NOTICE_END, 7)
    assert [e.name for e in notice.entries.order_by("position")] == ["张拟入", "李拟入"]
    for application in listed:
        application.refresh_from_db()
        assert application.status == Application.Status.NOTICE
    change = NoticeChange.objects.get(notice=notice)
    assert (change.from_value, change.to_value) == ("", Notice.Status.PUBLISHED)
    assert any("拟入库专家名单公示" in m.subject for m in mail.outbox)


def test_the_publication_day_may_be_that_of_an_earlier_posting_but_not_a_future_one(
    reviewer: Any, listed: list[Application]
) -> None:
    with pytest.raises(RecruitmentError, match="不能晚于今天"):
        publish(reviewer, listed, on=dt.date(2026, 9, 29), now=at(NOTICE_DAY))
    # Posted on the association's website on the 28th, entered here on the 30th.
    notice = publish(reviewer, listed, on=NOTICE_DAY, now=at(dt.date(2026, 9, 30)))
    assert notice.ends_on == NOTICE_END


def test_a_notice_whose_period_has_already_run_is_refused(
    reviewer: Any, listed: list[Application]
) -> None:
    with pytest.raises(RecruitmentError, match="公示期已于 2026-10-13 24:00 结束"):
        publish(reviewer, listed, on=NOTICE_DAY, now=at(dt.date(2026, 10, 14), 9))
    assert not Notice.objects.exists()


def test_only_applications_on_the_proposed_list_are_published(
    reviewer: Any, listed: list[Application]
) -> None:
    publish(reviewer, listed[:1])
    with pytest.raises(RecruitmentError, match="只有拟入库名单中的申请人可以公示：张拟入"):
        publish(reviewer, listed)
    assert Notice.objects.count() == 1


def test_the_notice_period_follows_the_parameter_in_force_on_the_publication_day(
    reviewer: Any, listed: list[Application]
) -> None:
    ParameterChange.objects.create(
        key="notice_workdays",
        from_value=7,
        to_value=10,
        effective_on=dt.date(2026, 9, 20),
        actor=reviewer,
        at=at(dt.date(2026, 9, 14)),
        reason="测试",
    )
    notice = publish(reviewer, listed)
    assert (notice.workdays, notice.ends_on) == (10, dt.date(2026, 10, 16))


def test_a_notice_crossing_into_a_year_without_a_calendar_is_refused_naming_the_year(
    reviewer: Any, listed: list[Application]
) -> None:
    assert not CalendarYear.objects.filter(year=2027, complete=True).exists()
    with pytest.raises(CalendarNotConfigured, match="2027 年的工作日历尚未录入"):
        publish(reviewer, listed, on=dt.date(2026, 12, 28), now=at(dt.date(2026, 12, 28)))
    assert not Notice.objects.exists()


# --- the portal ----------------------------------------------------------------------------


def test_the_portal_shows_dates_list_how_to_object_and_days_left_without_identifiers(
    reviewer: Any, listed: list[Application]
) -> None:
    notice = publish(reviewer, listed)
    url = reverse("notices:notice_detail", kwargs={"pk": notice.pk})
    with time_machine.travel(at(dt.date(2026, 9, 30), 9), tick=False):
        page = Client().get(url).content.decode()
    assert "2026-09-28 至 2026-10-13 24:00（北京时间），7 个工作日" in page
    assert "张拟入" in page and "广东省标准化研究院" in page and "研究员" in page
    assert "标准化 / 标准制修订" in page or "标准制修订" in page
    assert ID_NUMBER not in page and "1391234" not in page and "@example.org" not in page
    assert "广州市越秀区示例路 8 号" in page and "陈老师 020-12345678" in page
    assert "在线提出异议" in page
    # Today (30 September) and 8, 9, 10 (a make-up working day), 12 and 13 October are left.
    assert "还剩 6 个工作日" in page
    with time_machine.travel(at(NOTICE_END, 23, 59), tick=False):
        assert "今天是公示期最后一天" in Client().get(url).content.decode()


def test_after_its_end_the_notice_shows_ended_and_stays_readable_without_any_job(
    reviewer: Any, listed: list[Application]
) -> None:
    notice = publish(reviewer, listed)
    with time_machine.travel(at(NOTICE_END + dt.timedelta(days=1), 0, 0, 1), tick=False):
        page = Client().get(reverse("notices:notice_detail", kwargs={"pk": notice.pk}))
        listing = Client().get(reverse("notices:notice_list")).content.decode()
    html = page.content.decode()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED  # run_deadlines never ran
    assert "已结束" in html and "张拟入" in html
    assert "在线提出异议" not in html
    assert "公示期已于 2026-10-13 24:00（北京时间）结束" in html
    assert "往期公示" in listing and "已结束" in listing


def test_the_notice_is_a_real_pdf_with_the_association_header_and_cjk_fonts(
    reviewer: Any, listed: list[Application]
) -> None:
    notice = publish(reviewer, listed)
    response = Client().get(reverse("notices:notice_pdf", kwargs={"pk": notice.pk}))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for words in ("广东省质量发展促进会", "2026 年第二批拟入库专家名单公示", "张拟入", "李拟入"):
        assert words in text.replace("\n", "")
    assert "2026年10月13日" in text
    assert pdf_embedded_cjk_fonts(response.content)


def test_staff_publish_from_the_proposed_list_through_the_page(
    reviewer: Any, listed: list[Application]
) -> None:
    client = Client()
    client.force_login(reviewer)
    with time_machine.travel(at(NOTICE_DAY, 9), tick=False):
        form = client.get(reverse("recruitment:notice_create")).content.decode()
        assert "张拟入" in form and 'value="2026-09-28"' in form
        response = client.post(
            reverse("recruitment:notice_create"),
            {
                "applications": [a.pk for a in listed],
                "title": "2026 年第二批拟入库专家名单公示",
                "published_on": "2026-09-28",
                "postal_address": "广州市示例路 8 号",
                "visit_address": "广州市示例路 8 号 3 楼",
                "contact": "陈老师 020-12345678",
            },
            follow=True,
        )
    assert "已发布公示，公示期至 2026-10-13 24:00（北京时间）" in response.content.decode()
    assert selectors.proposed_list().count() == 0


def test_a_publication_without_the_objection_addresses_is_refused_and_nothing_is_written(
    reviewer: Any, listed: list[Application]
) -> None:
    with pytest.raises(RecruitmentError, match="邮寄地址"):
        services.notice_publish(
            actor=reviewer,
            applications=listed,
            title="公示",
            postal_address="",
            visit_address="x",
            contact="y",
            now=at(NOTICE_DAY),
        )
    assert not Notice.objects.exists()
    assert {a.status for a in Application.objects.all()} == {Application.Status.APPROVED}

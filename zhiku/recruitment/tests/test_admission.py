"""Admission and announcement (入库 / 公告): after the notice, one step admits those without an
open or upheld objection; the upheld are told why; the waiting follow when it is dismissed;
twice admits nobody twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from zhiku.core.models import AuditEntry
from zhiku.core.tests.factories import pdf_embedded_cjk_fonts, pdf_text
from zhiku.core.tests.uploads import pdf_bytes
from zhiku.core.uploads import stored_file_bytes
from zhiku.experts import services as registry
from zhiku.experts.choices import Status as ExpertStatus
from zhiku.experts.models import Expert
from zhiku.recruitment import services
from zhiku.recruitment.models import (
    Announcement,
    Application,
    Certificate,
    Notice,
    NoticeEntry,
    Objection,
)
from zhiku.recruitment.services import RecruitmentError
from zhiku.recruitment.tests.factories import (
    NOTICE_END,
    approved,
    at,
    lodge,
    make_reviewer,
    publish,
)

pytestmark = pytest.mark.django_db

AFTER = at(NOTICE_END + dt.timedelta(days=1), 9)  # 2026-10-14 09:00


@pytest.fixture
def reviewer() -> Any:
    return make_reviewer()


@pytest.fixture
def notice(reviewer: Any, catalogues: None) -> Notice:
    """Three on the list: 张 without objection, 李 with one upheld, 王 with one still open."""
    notice = publish(
        reviewer,
        [
            approved(reviewer, username="zhang", name="张拟入", serial=11),
            approved(reviewer, username="li", name="李拟入", serial=12),
            approved(reviewer, username="wang", name="王拟入", serial=13),
        ],
    )
    upheld = lodge(notice, notice.entries.get(name="李拟入"), now=at(dt.date(2026, 9, 29)))
    services.objection_accept(actor=reviewer, objection=upheld, now=at(dt.date(2026, 9, 29), 15))
    services.objection_verify(
        actor=reviewer,
        objection=upheld,
        note="向发证机关核实：证书编号不存在。",
        now=at(dt.date(2026, 10, 9)),
    )
    services.objection_decide(
        actor=reviewer,
        objection=upheld,
        upheld=True,
        reason="所报职称证书经发证机关核实不存在，不符合第六条第（一）项。",
        now=at(dt.date(2026, 10, 9), 11),
    )
    lodge(notice, notice.entries.get(name="王拟入"), now=at(dt.date(2026, 10, 12)))
    return notice


def names(entries: list[NoticeEntry]) -> list[str]:
    return [e.name for e in entries]


def test_admission_before_the_notice_has_ended_is_refused(notice: Notice, reviewer: Any) -> None:
    with pytest.raises(RecruitmentError, match="公示期至 2026-10-13 24:00（北京时间）结束"):
        services.notice_admit(actor=reviewer, notice=notice, now=at(NOTICE_END, 23, 59))
    assert not Expert.objects.filter(status=ExpertStatus.ACTIVE).exists()


def test_one_step_admits_the_clear_refuses_the_upheld_and_keeps_the_open_waiting(
    notice: Notice, reviewer: Any
) -> None:
    mail.outbox.clear()
    result = services.notice_admit(actor=reviewer, notice=notice, now=AFTER)
    assert names(result.admitted) == ["张拟入"]
    assert names(result.not_admitted) == ["李拟入"]
    assert names(result.waiting) == ["王拟入"]

    zhang = notice.entries.get(name="张拟入")
    expert = zhang.application.expert
    assert expert is not None
    expert.refresh_from_db()
    assert expert.status == ExpertStatus.ACTIVE
    assert zhang.pool_number == expert.pool_number and zhang.pool_number.startswith("GDQ-2026-")
    assert zhang.application.status == Application.Status.ADMITTED
    certificate = Certificate.objects.get(entry=zhang)
    assert certificate.file is not None  # made by the worker (immediate in tests)

    li = notice.entries.get(name="李拟入")
    assert li.outcome == NoticeEntry.Outcome.NOT_ADMITTED
    assert "不符合第六条第（一）项" in li.outcome_note
    assert li.application.status == Application.Status.NOT_ADMITTED
    assert li.application.expert is not None
    assert li.application.expert.status == ExpertStatus.APPLICANT

    wang = notice.entries.get(name="王拟入")
    assert wang.outcome == NoticeEntry.Outcome.PENDING
    assert wang.application.status == Application.Status.NOTICE

    notice.refresh_from_db()
    assert notice.status == Notice.Status.ENDED and notice.admitted_at == AFTER
    announcement = Announcement.objects.get()
    assert announcement.title == "2026 年第二批专家入库公告"
    assert list(announcement.entries.values_list("name", flat=True)) == ["张拟入"]

    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["zhang@example.org"] == "【广东省质量发展智库】您已批准入库"
    assert subjects["li@example.org"] == "【广东省质量发展智库】公示异议成立，本次不予入库"
    welcome = next(m for m in mail.outbox if m.to == ["zhang@example.org"])
    assert zhang.pool_number in welcome.body
    assert welcome.attachments[0][0] == f"聘书（{zhang.pool_number}）.pdf"


def test_admitting_twice_admits_nobody_twice(notice: Notice, reviewer: Any) -> None:
    services.notice_admit(actor=reviewer, notice=notice, now=AFTER)
    numbers = list(Expert.objects.exclude(pool_number=None).values_list("pool_number", flat=True))
    entries = AuditEntry.objects.count()
    again = services.notice_admit(actor=reviewer, notice=notice, now=AFTER + dt.timedelta(hours=1))
    assert not again.admitted and not again.not_admitted and names(again.waiting) == ["王拟入"]
    assert (
        list(Expert.objects.exclude(pool_number=None).values_list("pool_number", flat=True))
        == numbers
    )
    assert Announcement.objects.count() == 1 and Certificate.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_a_waiting_applicant_is_admitted_when_the_objection_is_dismissed(
    notice: Notice, reviewer: Any
) -> None:
    services.notice_admit(actor=reviewer, notice=notice, now=AFTER)
    objection = Objection.objects.get(entry__name="王拟入")
    services.objection_accept(actor=reviewer, objection=objection, now=AFTER)
    services.objection_verify(
        actor=reviewer, objection=objection, note="核实其单位证明，情况不属实。", now=AFTER
    )
    services.objection_decide(
        actor=reviewer,
        objection=objection,
        upheld=False,
        reason="异议所述情况经核实不属实。",
        now=at(dt.date(2026, 10, 20)),
    )
    wang = NoticeEntry.objects.get(name="王拟入")
    assert wang.outcome == NoticeEntry.Outcome.ADMITTED and wang.pool_number
    second = Announcement.objects.order_by("pk").last()
    assert second is not None and second.title == "2026 年第二批专家入库公告（补充公告之1）"
    assert list(second.entries.values_list("name", flat=True)) == ["王拟入"]


def test_the_announcement_page_shows_each_admitted_expert_with_the_pool_number(
    notice: Notice, reviewer: Any
) -> None:
    services.notice_admit(actor=reviewer, notice=notice, now=AFTER)
    announcement = Announcement.objects.get()
    zhang = NoticeEntry.objects.get(name="张拟入")
    page = Client().get(
        reverse("announcements:announcement_detail", kwargs={"pk": announcement.pk})
    )
    html = page.content.decode()
    assert "张拟入" in html and zhang.pool_number in html
    assert "李拟入" not in html and "王拟入" not in html
    notice_page = Client().get(reverse("notices:notice_detail", kwargs={"pk": notice.pk}))
    assert announcement.title in notice_page.content.decode()


def test_the_certificate_is_a_real_pdf_for_the_expert_and_staff_only(
    notice: Notice, reviewer: Any, make_user: Any
) -> None:
    services.notice_admit(actor=reviewer, notice=notice, now=AFTER)
    zhang = NoticeEntry.objects.get(name="张拟入")
    certificate = Certificate.objects.get(entry=zhang)
    assert certificate.file is not None
    pdf = stored_file_bytes(certificate.file)
    text = pdf_text(pdf).replace("\n", "")
    assert "聘" in text and "张拟入" in text and zhang.pool_number in text
    assert pdf_embedded_cjk_fonts(pdf)

    own = Client()
    own.force_login(zhang.application.user)
    mine = own.get(reverse("me:certificate", kwargs={"pk": certificate.pk}))
    assert mine.status_code == 200 and mine.getvalue() == pdf
    page = own.get(reverse("me:application_detail", kwargs={"pk": zhang.application_id}))
    assert f"专家编号：{zhang.pool_number}" in page.content.decode()

    other = Client()
    other.force_login(NoticeEntry.objects.get(name="李拟入").application.user)
    assert other.get(reverse("me:certificate", kwargs={"pk": certificate.pk})).status_code == 404
    li_page = other.get(
        reverse(
            "me:application_detail",
            kwargs={"pk": NoticeEntry.objects.get(name="李拟入").application_id},
        )
    ).content.decode()
    assert "不予入库的原因" in li_page and "所报职称证书经发证机关核实不存在" in li_page

    staff = Client()
    staff.force_login(reviewer)
    assert (
        staff.get(reverse("recruitment:certificate", kwargs={"pk": certificate.pk})).status_code
        == 200
    )
    assert AuditEntry.objects.filter(action="recruitment.certificate.downloaded").count() == 1


def test_one_failing_art_6_on_the_day_of_admission_without_a_reason_waits_and_says_why(
    reviewer: Any, catalogues: None
) -> None:
    # 65 when reviewed and listed; 66 on 2026-10-01, before the notice ends.
    aged = approved(
        reviewer, username="old", name="年长者", serial=21, birth_date=dt.date(1960, 10, 1)
    )
    notice = publish(reviewer, [aged])
    result = services.notice_admit(actor=reviewer, notice=notice, now=AFTER)
    assert not result.admitted
    [(entry, reason)] = result.refused
    assert entry.name == "年长者" and "不符合第六条" in reason
    assert entry.outcome == NoticeEntry.Outcome.PENDING
    # A reviewer admits on the profile with the reason; the next run records the admission.
    expert = Expert.objects.get(user=aged.user)
    with time_machine.travel(AFTER, tick=False):
        registry.expert_admit(
            actor=reviewer,
            expert=expert,
            on=AFTER.date(),
            reason="经公示无异议",
            exception_reason="国家标准主要起草人，年龄超出一岁，仍予入库。",
        )
    again = services.notice_admit(actor=reviewer, notice=notice, now=AFTER)
    assert names(again.admitted) == ["年长者"]
    expert.refresh_from_db()
    assert NoticeEntry.objects.get(name="年长者").pool_number == expert.pool_number


def test_staff_admit_from_the_notice_page(notice: Notice, reviewer: Any) -> None:
    client = Client()
    with time_machine.travel(AFTER, tick=False):
        client.force_login(reviewer)
        page = client.get(reverse("recruitment:notice_admin_detail", kwargs={"pk": notice.pk}))
        assert "批准入库并发布公告" in page.content.decode()
        response = client.post(
            reverse("recruitment:notice_admit", kwargs={"pk": notice.pk}), follow=True
        )
    html = response.content.decode()
    assert "已批准入库：张拟入（GDQ-2026-" in html
    assert "异议成立，不予入库：李拟入" in html
    assert "异议尚未办结，暂缓入库：王拟入" in html


def test_a_late_posted_objection_cannot_be_entered_for_someone_already_admitted(
    notice: Notice, reviewer: Any
) -> None:
    services.notice_admit(actor=reviewer, notice=notice, now=AFTER)
    with pytest.raises(RecruitmentError, match="张拟入 已办结（已批准入库）"):
        services.objection_enter(
            actor=reviewer,
            notice=notice,
            entry=notice.entries.get(name="张拟入"),
            channel="post",
            received_on=NOTICE_END,
            objector_name="迟到信",
            objector_phone="020-11112222",
            grounds="邮寄于公示期内寄达，今日登记。",
            letter_name="x.pdf",
            letter=pdf_bytes(),
            now=AFTER + dt.timedelta(days=1),
        )

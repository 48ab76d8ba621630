"""Objections (异议): lodged until 24:00 of the notice's last day, rate-limited per address,
accepted or rejected, verified and decided within 15 working days, with two real letters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.core.models import AuditEntry
from zhiku.core.tests.factories import pdf_embedded_cjk_fonts, pdf_text
from zhiku.core.tests.uploads import pdf_bytes
from zhiku.core.uploads import stored_file_bytes
from zhiku.recruitment import services
from zhiku.recruitment.models import Notice, NoticeEntry, Objection, ObjectionChange
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

SEP_30 = dt.date(2026, 9, 30)


@pytest.fixture
def reviewer() -> Any:
    return make_reviewer()


@pytest.fixture
def notice(reviewer: Any, catalogues: None) -> Notice:
    return publish(
        reviewer,
        [
            approved(reviewer, username="zhang", name="张拟入", serial=11),
            approved(reviewer, username="li", name="李拟入", serial=12),
        ],
    )


def entry(notice: Notice, name: str) -> NoticeEntry:
    return notice.entries.get(name=name)


def accept(reviewer: Any, objection: Objection, on: dt.date | None = None) -> Objection:
    return services.objection_accept(
        actor=reviewer, objection=objection, accepted_on=on, now=at(SEP_30, 15)
    )


def verify(reviewer: Any, objection: Objection) -> None:
    services.objection_verify(
        actor=reviewer,
        objection=objection,
        note="向其单位人事处核实：职称证书编号与评审文件一致。",
        evidence_name="单位复函.pdf",
        evidence=pdf_bytes(text="reply"),
        now=at(dt.date(2026, 10, 9)),
    )


# --- lodging -----------------------------------------------------------------------------


def test_an_objection_at_23_59_on_the_last_day_is_taken_and_one_at_00_00_refused(
    notice: Notice,
) -> None:
    taken = lodge(notice, entry(notice, "张拟入"), now=at(NOTICE_END, 23, 59))
    assert taken.status == Objection.Status.RECEIVED
    assert taken.received_on == NOTICE_END
    with pytest.raises(RecruitmentError, match="公示期已于 2026-10-13 24:00（北京时间）结束"):
        lodge(notice, entry(notice, "张拟入"), now=at(NOTICE_END + dt.timedelta(days=1), 0, 0))
    assert Objection.objects.count() == 1


def test_the_form_refuses_from_24_00_of_the_last_day_with_a_clear_message(notice: Notice) -> None:
    url = reverse("notices:objection_create", kwargs={"pk": notice.pk})
    data = {
        "entry": entry(notice, "李拟入").pk,
        "objector_name": "王公众",
        "objector_phone": "13800001111",
        "grounds": "该同志的工作年限与所报材料不符，请予核实。",
        "pledge": "on",
    }
    client = Client()
    with time_machine.travel(at(NOTICE_END, 23, 59), tick=False):
        response = client.post(url, data, REMOTE_ADDR="198.51.100.4")
        assert response.status_code == 302
        receipt = client.get(response["Location"]).content.decode()
    assert response["Location"] == reverse("notices:objection_received", kwargs={"pk": notice.pk})
    # The receipt gives the objection's number (PostgreSQL's keys do not restart at 1 per test).
    assert f"编号为 第 {Objection.objects.get().pk} 号" in receipt
    with time_machine.travel(at(NOTICE_END + dt.timedelta(days=1), 0, 0), tick=False):
        refused = client.post(url, data, REMOTE_ADDR="198.51.100.4").content.decode()
        page = Client().get(url).content.decode()
    assert "公示期已于 2026-10-13 24:00（北京时间）结束，不再接受异议" in refused
    assert "公示期已于 2026-10-13 24:00（北京时间）结束" in page and "提交异议" not in page
    assert Objection.objects.count() == 1


def test_a_form_without_name_contact_or_grounds_says_what_is_missing_and_keeps_nothing(
    notice: Notice,
) -> None:
    url = reverse("notices:objection_create", kwargs={"pk": notice.pk})
    with time_machine.travel(at(SEP_30), tick=False):
        page = Client().post(url, {"entry": entry(notice, "张拟入").pk}).content.decode()
    for message in (
        "请填写您的真实姓名",
        "请填写联系电话",
        "请写明异议的事实和理由",
        "请确认以真实姓名",
    ):
        assert message in page
    assert not Objection.objects.exists()


def test_anonymous_lodging_is_limited_per_address_with_a_clear_message(notice: Notice) -> None:
    for minute in range(services.ONLINE_PER_HOUR):
        lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 10, minute), ip="203.0.113.9")
    with pytest.raises(RecruitmentError, match="一小时内最多在线提交 5 件异议，请于 11:00 后再试"):
        lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 10, 30), ip="203.0.113.9")
    lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 10, 30), ip="203.0.113.10")
    lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 11, 1), ip="203.0.113.9")
    assert Objection.objects.count() == services.ONLINE_PER_HOUR + 2


def test_the_objector_gets_a_receipt_and_the_trail_holds_no_identity(notice: Notice) -> None:
    objection = lodge(notice, entry(notice, "张拟入"), now=at(SEP_30))
    receipt = [m for m in mail.outbox if m.to == ["wang@example.net"]]
    assert [m.subject for m in receipt] == [
        f"【广东省质量发展智库】已收到您的异议（第 {objection.pk} 号）"
    ]
    entry_ = AuditEntry.objects.get(action="recruitment.objection.lodged")
    text = str(entry_.changes) + str(entry_.data) + entry_.object_repr
    assert "王公众" not in text and "13800001111" not in text and "张拟入" in text


# --- staff: post, acceptance, rejection ----------------------------------------------------


def test_an_objection_accepted_on_2026_09_30_is_due_on_2026_10_27(
    notice: Notice, reviewer: Any
) -> None:
    objection = lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 9))
    objection = accept(reviewer, objection)
    assert (objection.accepted_on, objection.due_on, objection.decision_workdays) == (
        SEP_30,
        dt.date(2026, 10, 27),
        15,
    )
    change = ObjectionChange.objects.filter(objection=objection).latest("at")
    assert (change.from_value, change.to_value) == ("received", "accepted")


def test_a_posted_objection_is_entered_with_its_date_received_which_acceptance_defaults_to(
    notice: Notice, reviewer: Any
) -> None:
    objection = services.objection_enter(
        actor=reviewer,
        notice=notice,
        entry=entry(notice, "李拟入"),
        channel=Objection.Channel.POST,
        received_on=dt.date(2026, 9, 29),
        objector_name="赵来信",
        objector_phone="020-87654321",
        grounds="来信反映该同志存在学术不端行为，附相关材料。",
        letter_name="来信.pdf",
        letter=pdf_bytes(text="letter"),
        now=at(SEP_30),
    )
    assert objection.channel == "post" and objection.lodged_by == reviewer
    objection = accept(reviewer, objection)
    assert objection.accepted_on == dt.date(2026, 9, 29)
    assert objection.due_on == dt.date(2026, 10, 26)
    with pytest.raises(RecruitmentError, match="收到日期须在公示期内（2026-09-28 至 2026-10-13）"):
        services.objection_enter(
            actor=reviewer,
            notice=notice,
            entry=entry(notice, "李拟入"),
            channel=Objection.Channel.IN_PERSON,
            received_on=dt.date(2026, 10, 14),
            objector_name="赵来信",
            objector_phone="020-87654321",
            grounds="逾期递交的异议，理由同前。",
            now=at(dt.date(2026, 10, 15)),
        )


def test_acceptance_before_the_day_received_or_in_the_future_is_refused(
    notice: Notice, reviewer: Any
) -> None:
    objection = lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 9))
    with pytest.raises(RecruitmentError, match="受理日期不能早于收到日期（2026-09-30）"):
        accept(reviewer, objection, dt.date(2026, 9, 29))
    with pytest.raises(RecruitmentError, match="受理日期不能晚于今天"):
        accept(reviewer, objection, dt.date(2026, 10, 8))
    objection.refresh_from_db()
    assert objection.status == Objection.Status.RECEIVED and objection.due_on is None


def test_rejecting_as_invalid_sends_the_reason_to_the_objector_in_writing(
    notice: Notice, reviewer: Any
) -> None:
    objection = lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 9))
    with pytest.raises(RecruitmentError, match="请写明不予受理的理由"):
        services.objection_reject(actor=reviewer, objection=objection, reason=" ")
    objection = services.objection_reject(
        actor=reviewer,
        objection=objection,
        reason="异议未写明具体事实，且联系电话无法接通，无法核实。",
        now=at(SEP_30, 15),
    )
    assert objection.status == Objection.Status.REJECTED
    assert objection.letter_to_objector is not None
    letter = stored_file_bytes(objection.letter_to_objector)
    text = pdf_text(letter).replace("\n", "")
    assert "异议不予受理告知书" in text and "王公众" in text and "无法核实" in text
    sent = [m for m in mail.outbox if "不予受理" in m.subject]
    assert sent[0].to == ["wang@example.net"]
    assert sent[0].attachments[0][0].endswith(".pdf")


# --- verification and decision ---------------------------------------------------------------


def test_a_decision_needs_the_verification_on_record_and_a_reason(
    notice: Notice, reviewer: Any
) -> None:
    objection = accept(reviewer, lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 9)))
    with pytest.raises(RecruitmentError, match="请先记录核实情况"):
        services.objection_decide(actor=reviewer, objection=objection, upheld=False, reason="x")
    verify(reviewer, objection)
    with pytest.raises(RecruitmentError, match="请写明处理决定的理由"):
        services.objection_decide(actor=reviewer, objection=objection, upheld=False, reason="")
    objection.refresh_from_db()
    assert objection.status == Objection.Status.ACCEPTED


def test_a_decision_makes_two_real_letters_kept_and_e_mailed_the_expert_s_without_the_objector(
    notice: Notice, reviewer: Any
) -> None:
    objection = accept(reviewer, lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 9)))
    verify(reviewer, objection)
    mail.outbox.clear()
    objection = services.objection_decide(
        actor=reviewer,
        objection=objection,
        upheld=False,
        reason="经向其单位核实，职称证书真实有效，异议所述情况不属实。",
        now=at(dt.date(2026, 10, 12), 16),
    )
    assert objection.status == Objection.Status.DISMISSED
    assert objection.decided_on == dt.date(2026, 10, 12)
    assert objection.letter_to_objector and objection.letter_to_expert
    to_objector = stored_file_bytes(objection.letter_to_objector)
    to_expert = stored_file_bytes(objection.letter_to_expert)
    objector_text = pdf_text(to_objector).replace("\n", "")
    expert_text = pdf_text(to_expert).replace("\n", "")
    assert "王公众" in objector_text and "张拟入" in objector_text
    assert "异议不成立" in objector_text and "职称证书真实有效" in objector_text
    assert "张拟入" in expert_text and "异议不成立" in expert_text
    assert "王公众" not in expert_text and "13800001111" not in expert_text
    assert pdf_embedded_cjk_fonts(to_objector) and pdf_embedded_cjk_fonts(to_expert)
    by_recipient = {tuple(m.to): m for m in mail.outbox}
    assert by_recipient[("wang@example.net",)].attachments[0][2] == "application/pdf"
    to_applicant = by_recipient[("zhang@example.org",)]
    assert "王公众" not in to_applicant.body
    assert to_applicant.attachments[0][1] == to_expert


def test_an_upheld_objection_says_so_in_both_letters(notice: Notice, reviewer: Any) -> None:
    objection = accept(reviewer, lodge(notice, entry(notice, "李拟入"), now=at(SEP_30, 9)))
    verify(reviewer, objection)
    objection = services.objection_decide(
        actor=reviewer,
        objection=objection,
        upheld=True,
        reason="经核实，其所报职称证书系伪造，不符合第六条第（一）项。",
        now=at(dt.date(2026, 10, 12)),
    )
    assert objection.status == Objection.Status.UPHELD
    assert objection.letter_to_expert is not None
    text = pdf_text(stored_file_bytes(objection.letter_to_expert)).replace("\n", "")
    assert "异议成立" in text and "不予批准入库" in text


def test_the_objector_s_identity_is_shown_only_to_staff_holding_the_review_right(
    notice: Notice, reviewer: Any, make_user: Any
) -> None:
    objection = lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 9))
    url = reverse("recruitment:objection_detail", kwargs={"pk": objection.pk})
    allowed = Client()
    allowed.force_login(reviewer)
    assert "王公众" in allowed.get(url).content.decode()
    for user in (
        make_user("staff", username="plain-staff"),
        make_user("staff", username="exporter", rights=(Right.EXPORT_DATA,)),
        entry(notice, "张拟入").application.user,  # the expert objected to
    ):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(reverse("recruitment:objection_list")).status_code == 403
    public = Client().get(reverse("notices:notice_detail", kwargs={"pk": notice.pk}))
    assert "王公众" not in public.content.decode()


def test_the_dashboard_marks_decisions_as_they_near_and_when_overdue(
    notice: Notice, reviewer: Any
) -> None:
    accept(reviewer, lodge(notice, entry(notice, "张拟入"), now=at(SEP_30, 9)))
    client = Client()
    url = reverse("core:dashboard")
    with time_machine.travel(at(dt.date(2026, 10, 15)), tick=False):
        client.force_login(reviewer)
        page = client.get(url).content.decode()
    assert "已受理的异议待作出处理决定" in page and "还剩 8 个工作日" in page
    with time_machine.travel(at(dt.date(2026, 10, 22)), tick=False):
        client.force_login(reviewer)
        page = client.get(url).content.decode()
    assert "1 件即将到期" in page and "即将到期，还剩 3 个工作日" in page
    with time_machine.travel(at(dt.date(2026, 10, 29)), tick=False):
        client.force_login(reviewer)
        page = client.get(url).content.decode()
        listing = client.get(reverse("recruitment:objection_list")).content.decode()
    assert "1 件已逾期" in page and "已逾期 2 个工作日" in page
    assert "已逾期 2 个工作日" in listing


def test_staff_handle_an_objection_through_its_page(notice: Notice, reviewer: Any) -> None:
    objection = lodge(
        notice,
        entry(notice, "张拟入"),
        now=at(SEP_30, 9),
        letter_name="异议书.pdf",
        letter=pdf_bytes(text="signed"),
    )
    client = Client()
    detail = reverse("recruitment:objection_detail", kwargs={"pk": objection.pk})
    with time_machine.travel(at(SEP_30, 14), tick=False):
        client.force_login(reviewer)
        client.post(reverse("recruitment:objection_accept", kwargs={"pk": objection.pk}), {})
        page = client.get(detail).content.decode()
        assert "2026-10-27" in page
        assert objection.letter_id is not None
        letter = client.get(
            reverse(
                "recruitment:objection_file",
                kwargs={"pk": objection.pk, "file": objection.letter_id},
            )
        )
        assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
        client.post(
            reverse("recruitment:objection_verify", kwargs={"pk": objection.pk}),
            {"note": "电话询问其单位人事部门，情况属实。"},
        )
        response = client.post(
            reverse("recruitment:objection_decide", kwargs={"pk": objection.pk}),
            {"decision": "dismissed", "reason": "所反映情况经核实不影响其入库条件。"},
            follow=True,
        )
    html = response.content.decode()
    assert "已作出处理决定（异议不成立）" in html
    assert "致异议人" in html and "致专家本人" in html
    assert AuditEntry.objects.filter(action="recruitment.objection.file_viewed").count() == 1


@pytest.mark.parametrize("number", ["²", "99999999999999999999", "0"])
def test_a_list_filtered_by_a_number_no_record_holds_shows_everything(
    reviewer: Any, notice: Notice, client: Client, number: str
) -> None:
    # "²" passes str.isdigit() but not int(); a number past 64 bits overflowed SQLite. Both were
    # server errors; the filter is now simply ignored.
    client.force_login(reviewer)
    objections = client.get(reverse("recruitment:objection_list"), {"notice": number})
    applications = client.get(reverse("recruitment:application_list"), {"call": number})
    assert objections.status_code == 200 and applications.status_code == 200
    assert "张拟入" in applications.content.decode()

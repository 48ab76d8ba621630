"""Pages: the public calls and their feed, staff writing a call, the applicant's draft saving as
they type, the review page, the dashboard, the council's home."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import time_machine
from django.test import Client

from zhiku.accounts.tests.factories import make_account
from zhiku.core.models import AuditEntry
from zhiku.experts.tests.factories import resident_number
from zhiku.recruitment.models import Application, Call
from zhiku.recruitment.tests.factories import (
    NOW,
    fill,
    make_applicant,
    make_call,
    make_council,
    make_reviewer,
    passed,
    start,
    submitted,
)

pytestmark = pytest.mark.django_db


def client_of(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def get(client: Client, url: str, at: dt.datetime = NOW) -> str:
    with time_machine.travel(at, tick=False):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_portal_lists_open_and_past_calls_each_on_its_own_page() -> None:
    open_call = make_call(title="2026 年第二批智库专家征集")
    make_call(
        title="2026 年第一批智库专家征集",
        opens_on=dt.date(2026, 3, 1),
        closes_on=dt.date(2026, 9, 13),
    )
    make_call(title="未发布的草稿", publish=False)
    page = get(client_of(), "/calls/")
    current, past = page.split("往期征集")
    assert "第二批" in current and "第一批" not in current
    assert "第一批" in past
    assert "未发布的草稿" not in page
    detail = get(client_of(), f"/calls/{open_call.pk}/")
    assert "正在征集" in detail
    assert "2026-09-30 24:00（北京时间）" in detail
    assert "个人身份证明" in detail and "行业工作年限证明" in detail
    home = get(client_of(), "/")
    assert "第二批智库专家征集" in home and 'href="/calls/"' in home
    draft = Call.objects.get(title="未发布的草稿")
    assert client_of().get(f"/calls/{draft.pk}/").status_code == 404


def test_a_call_page_after_its_close_date_says_it_closed() -> None:
    call = make_call()
    detail = get(
        client_of(), f"/calls/{call.pk}/", at=dt.datetime(2026, 10, 1, 0, 0, tzinfo=NOW.tzinfo)
    )
    assert "本次征集已截止，不再接收申请" in detail
    assert "注册并申请" not in detail


def test_the_atom_feed_carries_every_published_call() -> None:
    call = make_call()
    make_call(title="未发布", publish=False)
    response = client_of().get("/calls/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own feed
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert [e.findtext("a:title", namespaces=ns) for e in entries] == [call.title]
    link = entries[0].find("a:link", ns)
    assert link is not None and link.get("href") == f"http://testserver/calls/{call.pk}/"
    assert "2026-09-30 24:00" in (entries[0].findtext("a:summary", namespaces=ns) or "")


def test_staff_write_a_call_and_publish_it() -> None:
    reviewer = make_reviewer()
    client = client_of(reviewer)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            "/workspace/recruitment/calls/new/",
            {
                "title": "2026 年第四批智库专家征集",
                "body": "面向全省征集标准化领域专家。",
                "opens_on": "2026-09-15",
                "closes_on": "2026-09-01",
                "contact": "陈老师",
            },
        )
        assert "截止日期不能早于开始日期" in response.content.decode()
        response = client.post(
            "/workspace/recruitment/calls/new/",
            {
                "title": "2026 年第四批智库专家征集",
                "body": "面向全省征集标准化领域专家。",
                "opens_on": "2026-09-15",
                "closes_on": "2026-10-15",
                "contact": "陈老师",
                "proofs": ["service_years"],
            },
            follow=True,
        )
        call = Call.objects.get()
        assert call.status == Call.Status.DRAFT
        assert call.required_documents[-1] == "service_years"
        assert "manager_appointment" not in call.required_documents
        assert client_of().get(f"/calls/{call.pk}/").status_code == 404
        client.post(f"/workspace/recruitment/calls/{call.pk}/publish/", follow=True)
    call.refresh_from_db()
    assert call.status == Call.Status.PUBLISHED
    assert call.changes.get().to_value == "published"
    assert AuditEntry.objects.filter(action="recruitment.call.published").exists()
    assert "2026 年第四批" in get(client_of(), f"/calls/{call.pk}/")


def test_the_draft_saves_as_the_applicant_types_and_shows_the_art_6_check() -> None:
    application = start(make_applicant(), make_call())
    client = client_of(application.user)
    url = f"/me/applications/{application.pk}/autosave/"
    with time_machine.travel(NOW, tick=False):
        fragment = client.post(
            url,
            {"name": "林申请", "birth_date": "1958-03-01", "title_level": "none"},
            headers={"HX-Request": "true"},
        ).content.decode()
    application.refresh_from_db()
    assert application.birth_date == dt.date(1958, 3, 1)
    assert "草稿已自动保存" in fragment
    # 68 years old and no senior title: told before submitting, condition by condition.
    assert 'data-testid="eligibility-warning"' in fragment
    assert "68 周岁" in fragment
    assert "既非企业高层管理者" in fragment
    assert "待审核人判断" in fragment  # condition (3)
    with time_machine.travel(NOW, tick=False):
        fragment = client.post(
            url,
            {
                "name": "林申请",
                "birth_date": "1975-04-18",
                "title_level": "senior",
                "id_number": "123",
            },
            headers={"HX-Request": "true"},
        ).content.decode()
    assert "部分内容未能保存" in fragment and "证件号码" in fragment
    application.refresh_from_db()
    assert application.birth_date == dt.date(1975, 4, 18)  # the valid fields were kept
    assert application.title_level == "senior"
    assert application.id_number_token == ""


def test_the_edit_page_lists_what_is_missing_and_offers_the_form_pdf() -> None:
    application = fill(start(make_applicant(), make_call()), documents=False)
    page = get(client_of(application.user), f"/me/applications/{application.pk}/edit/")
    assert "请上传：入库申请表（签字后的扫描件）" in page
    assert "下载已填好的入库申请表（PDF）" in page
    assert "承诺书" in page
    assert "企业高层管理者任职证明" in page  # offered, not required
    assert 'data-testid="slot-manager_appointment"' in page


def test_the_returned_application_shows_the_note_and_what_the_applicant_changed() -> None:
    from zhiku.recruitment import services

    reviewer = make_reviewer()
    application = submitted()
    services.application_decide(
        actor=reviewer,
        application=application,
        decision="return",
        note="请更正工作单位全称",
        now=NOW,
    )
    services.application_save(
        actor=application.user,
        application=application,
        profile={"organisation": "广东省标准化研究院（广东省 WTO/TBT 通报咨询研究中心）"},
        now=NOW,
    )
    page = get(client_of(application.user), f"/me/applications/{application.pk}/edit/")
    assert "请更正工作单位全称" in page
    assert "自上次提交以来您所作的修改" in page
    assert "WTO/TBT 通报咨询研究中心" in page
    listing = get(client_of(application.user), "/me/applications/")
    assert "退回修改" in listing and "请更正工作单位全称" in listing


def test_the_review_page_shows_the_check_beside_the_documents_and_decides() -> None:
    reviewer = make_reviewer()
    application = submitted()
    client = client_of(reviewer)
    page = get(client, f"/workspace/recruitment/applications/{application.pk}/")
    assert "入库基本条件核验（第六条）" in page
    assert "核验无误" in page
    assert application.id_number_masked in page
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            f"/workspace/recruitment/applications/{application.pk}/decide/",
            {"decision": "return"},
            follow=True,
        )
    assert "请写明需要申请人更正或补充的内容" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_the_dashboard_shows_what_waits_with_its_age_in_working_days() -> None:
    reviewer = make_reviewer()
    call = make_call()
    submitted(make_applicant("a1"), call, name="甲")
    returned = submitted(
        make_applicant("a2"),
        call,
        name="乙",
        id_number=resident_number(dt.date(1980, 2, 2), 2),
        birth_date=dt.date(1980, 2, 2),
        mobile="13900000002",
    )
    from zhiku.recruitment import services

    services.application_decide(
        actor=reviewer, application=returned, decision="return", note="补充", now=NOW
    )
    make_council()
    third = passed(
        reviewer,
        submitted(
            make_applicant("a3"),
            call,
            name="丙",
            id_number=resident_number(dt.date(1981, 3, 3), 4),
            birth_date=dt.date(1981, 3, 3),
            mobile="13900000003",
        ),
    )
    services.round_open(
        actor=reviewer,
        applications=[third],
        mode="online",
        title="第 1 次审议",
        votes_close_on=dt.date(2026, 9, 30),
        now=NOW,
    )
    # Four working days later (Friday 18 September).
    page = get(client_of(reviewer), "/workspace/dashboard/", at=NOW + dt.timedelta(days=4))
    assert "入库申请待资格审核" in page
    assert "退回修改的入库申请，等待申请人更正" in page
    assert "理事会审议进行中" in page
    assert "尚未投票 3 人（理事1、理事2、理事3）" in page
    assert "4 个工作日" in page
    # Staff without the review right see none of it.
    plain = make_account("staff", username="plain")
    assert "入库申请待资格审核" not in get(client_of(plain), "/workspace/dashboard/")


def test_the_council_lands_on_its_rounds() -> None:
    reviewer = make_reviewer()
    council = make_council()
    application = passed(reviewer, submitted())
    from zhiku.recruitment import services

    services.round_open(
        actor=reviewer,
        applications=[application],
        mode="online",
        title="第 1 次审议",
        votes_close_on=dt.date(2026, 9, 30),
        now=NOW,
    )
    client = client_of(council[0])
    with time_machine.travel(NOW, tick=False):
        response = client.get("/workspace/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/workspace/recruitment/council/"
    assert "第 1 次审议" in page and "待您投票（1 位申请人）" in page


def test_the_applicant_menu_leads_to_their_applications() -> None:
    applicant = make_applicant()
    page = get(client_of(applicant), "/me/")
    assert 'href="/me/applications/"' in page
    assert "我的入库申请" in page

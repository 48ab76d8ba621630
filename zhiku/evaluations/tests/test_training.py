"""Training (art. 10): planning, inviting experts of the pool (all, or filtered as in the expert
list) by e-mail, materials as uploads, attendance from the day on, cancelling; the expert's pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from zhiku.core.models import AuditEntry
from zhiku.core.tests.uploads import pdf_bytes
from zhiku.evaluations import services
from zhiku.evaluations.choices import TrainingStatus
from zhiku.evaluations.errors import TrainingError
from zhiku.evaluations.models import TrainingChange, TrainingInvitee
from zhiku.evaluations.tests.factories import expert_with_account
from zhiku.experts.choices import Region, Status
from zhiku.experts.tests.factories import make_expert

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 6, 1, 30, tzinfo=dt.UTC)  # Wednesday 09:30 in Guangzhou
DAY = dt.date(2026, 5, 20)


def plan(staff: Any, **kwargs: Any) -> Any:
    data = {
        "topic": "law",
        "title": "《产品质量法》修订要点培训",
        "date": DAY,
        "place": "广州市越秀区东风中路",
        "start_time": dt.time(9, 30),
        "end_time": dt.time(11, 30),
        **kwargs,
    }
    return services.training_create(actor=staff, data=services.TrainingData(**data))


@pytest.fixture
def clock(time_machine: Any) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def staff(make_user: Any) -> Any:
    return make_user("staff", username="trainer", full_name="陈培训")


def test_a_session_needs_a_place_or_a_link_and_a_day_not_past(
    clock: Any, staff: Any, catalogues: None
) -> None:
    with pytest.raises(TrainingError, match="地点或线上参加链接"):
        plan(staff, place="", online_link="")
    with pytest.raises(TrainingError, match="https://"):
        plan(staff, place="", online_link="meeting.example.org/123")
    with pytest.raises(TrainingError, match="早于今天"):
        plan(staff, date=dt.date(2026, 5, 5))
    with pytest.raises(TrainingError, match="结束时间"):
        plan(staff, end_time=dt.time(9, 0))

    online = plan(staff, place="", online_link="https://meeting.example.org/123")

    assert online.status == TrainingStatus.SCHEDULED
    change = TrainingChange.objects.get(session=online)
    assert (change.from_value, change.to_value) == ("", TrainingStatus.SCHEDULED)


def test_inviting_takes_experts_of_the_pool_once_and_mails_each(
    clock: Any, staff: Any, catalogues: None, django_capture_on_commit_callbacks: Any
) -> None:
    session = plan(staff)
    guangzhou = make_expert(name="广州专家", email="gz@example.org", region=Region.GUANGZHOU)
    make_expert(name="深圳专家", email="sz@example.org", region=Region.SHENZHEN)
    no_mail = make_expert(name="无邮箱专家", email="", region=Region.GUANGZHOU)
    make_expert(name="暂停专家", email="zt@example.org", status=Status.SUSPENDED)

    from zhiku.experts.models import Expert

    chosen = Expert.objects.filter(region=Region.GUANGZHOU)
    with django_capture_on_commit_callbacks(execute=True):
        n = services.training_invite(
            actor=staff, session=session, experts=chosen, filters={"region": "guangzhou"}
        )

    assert n == 2
    assert [m.to for m in mail.outbox] == [["gz@example.org"]]
    assert "培训邀请" in mail.outbox[0].subject and "2026-05-20" in mail.outbox[0].body
    assert "/me/training/" in mail.outbox[0].body
    assert set(session.invitees.values_list("expert__name", "email_status")) == {
        ("广州专家", "queued"),
        ("无邮箱专家", "no_address"),
    }
    entry = AuditEntry.objects.get(action="evaluations.training.invited")
    assert entry.data == {"invited": 2, "no_email": 1, "filters": {"region": "guangzhou"}}
    # Nobody twice; the suspended expert is never invited.
    with pytest.raises(TrainingError, match="没有可邀请的专家"):
        services.training_invite(actor=staff, session=session, experts=[guangzhou, no_mail])
    with pytest.raises(TrainingError, match="没有可邀请的专家"):
        services.training_invite(
            actor=staff, session=session, experts=Expert.objects.filter(status=Status.SUSPENDED)
        )


def test_attendance_from_the_day_on_marks_the_session_held(
    clock: Any, staff: Any, catalogues: None
) -> None:
    session = plan(staff)
    a, b = make_expert(name="甲"), make_expert(name="乙")
    outsider = make_expert(name="丙")
    services.training_invite(actor=staff, session=session, experts=[a, b])

    with pytest.raises(TrainingError, match="尚未举行"):
        services.training_attendance_record(actor=staff, session=session, marks={a.pk: "attended"})
    clock.move_to(dt.datetime(2026, 5, 20, 6, 0, tzinfo=dt.UTC))
    with pytest.raises(TrainingError, match="受邀的专家"):
        services.training_attendance_record(
            actor=staff, session=session, marks={outsider.pk: "attended"}
        )
    with pytest.raises(TrainingError, match="出席、请假或缺席"):
        services.training_attendance_record(actor=staff, session=session, marks={a.pk: "maybe"})

    services.training_attendance_record(
        actor=staff, session=session, marks={a.pk: "attended", b.pk: "absent"}
    )

    session.refresh_from_db()
    assert session.status == TrainingStatus.HELD
    assert dict(session.invitees.values_list("expert__name", "attendance")) == {
        "甲": "attended",
        "乙": "absent",
    }
    with pytest.raises(TrainingError, match="没有变化"):
        services.training_attendance_record(actor=staff, session=session, marks={a.pk: "attended"})
    with pytest.raises(TrainingError, match="不能取消"):
        services.training_cancel(actor=staff, session=session, reason="改期")


def test_cancelling_needs_a_reason_and_tells_the_invited(
    clock: Any, staff: Any, catalogues: None, django_capture_on_commit_callbacks: Any
) -> None:
    session = plan(staff)
    invited = make_expert(name="甲", email="jia@example.org")
    services.training_invite(actor=staff, session=session, experts=[invited])

    with pytest.raises(TrainingError, match="取消原因"):
        services.training_cancel(actor=staff, session=session, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        services.training_cancel(actor=staff, session=session, reason="授课专家临时出差")

    assert mail.outbox[-1].subject.startswith("培训取消通知")
    assert "授课专家临时出差" in mail.outbox[-1].body
    with pytest.raises(TrainingError, match="不能再邀请"):
        services.training_invite(actor=staff, session=session, experts=[make_expert(name="乙")])


def test_a_change_of_plan_is_mailed_and_audited(
    clock: Any, staff: Any, catalogues: None, django_capture_on_commit_callbacks: Any
) -> None:
    session = plan(staff)
    services.training_invite(
        actor=staff, session=session, experts=[make_expert(name="甲", email="jia@example.org")]
    )
    data = services.TrainingData(
        topic="law",
        title=session.title,
        date=dt.date(2026, 5, 22),
        place=session.place,
        start_time=session.start_time,
        end_time=session.end_time,
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.training_update(actor=staff, session=session, data=data)

    assert (
        mail.outbox[-1].subject.startswith("培训安排变更") and "2026-05-22" in mail.outbox[-1].body
    )
    entry = AuditEntry.objects.get(action="evaluations.training.updated")
    assert entry.changes["date"] == ["2026-05-20", "2026-05-22"]
    with pytest.raises(TrainingError, match="没有变化"):
        services.training_update(actor=staff, session=session, data=data)


def test_materials_are_checked_uploads_the_invited_expert_downloads(
    clock: Any, staff: Any, catalogues: None, settings: Any, tmp_path: Any
) -> None:
    settings.ZHIKU_UPLOAD_ROOT = tmp_path
    session = plan(staff)
    invited = expert_with_account("jia", name="甲专家")
    other = expert_with_account("yi", name="乙专家")
    assert invited.user is not None and other.user is not None
    services.training_invite(actor=staff, session=session, experts=[invited])

    material = services.material_add(
        actor=staff, session=session, name="讲义.pdf", content=pdf_bytes(), description="讲义"
    )
    from zhiku.core.uploads import UploadRefused

    with pytest.raises(UploadRefused):
        services.material_add(actor=staff, session=session, name="x.pdf", content=b"MZ\x90\x00")

    client = Client()
    client.force_login(invited.user)
    page = client.get(reverse("me:training_list"))
    assert (
        "《产品质量法》修订要点培训" in page.content.decode()
        and "讲义.pdf" in page.content.decode()
    )
    url = reverse("me:training_material", kwargs={"pk": material.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    client.force_login(other.user)
    assert client.get(url).status_code == 404

    services.material_remove(actor=staff, material=material, reason="版本有误")
    client.force_login(invited.user)
    assert client.get(url).status_code == 404


def test_the_staff_page_counts_the_filtered_pool_and_invites_it(
    clock: Any, staff: Any, catalogues: None
) -> None:
    session = plan(staff)
    make_expert(name="广州甲", region=Region.GUANGZHOU)
    make_expert(name="广州乙", region=Region.GUANGZHOU)
    make_expert(name="深圳丙", region=Region.SHENZHEN)
    client = Client()
    client.force_login(staff)
    url = reverse("evaluations:training_detail", kwargs={"pk": session.pk})

    page = client.get(url, {"f-region": "guangzhou", "f-go": "1"}).content.decode()
    assert "符合条件的在库专家 2 位，其中尚未邀请 2 位" in page

    client.post(
        reverse("evaluations:training_invite", kwargs={"pk": session.pk}),
        {"f-region": "guangzhou"},
    )
    assert set(TrainingInvitee.objects.values_list("expert__name", flat=True)) == {
        "广州甲",
        "广州乙",
    }
    page = client.get(url).content.decode()
    assert "受邀专家（2 位）" in page

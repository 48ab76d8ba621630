"""The roster: names confidential until the activity closes (counts for others, every view by
those who may see them audited); after it, attendance, opinions and fees, yearly totals, the
finance export and the unexcused absences the exits issue counts; and the expert's own pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhiku.accounts.models import Right
from zhiku.activities import selectors, services
from zhiku.activities.choices import AttendanceStatus, InvitationStatus
from zhiku.activities.errors import AttendanceError
from zhiku.activities.models import Draw, Fee
from zhiku.activities.tests.factories import (
    accept,
    invitation_of,
    make_activity,
    open_draw,
    operator,
    supervisor,
)
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry
from zhiku.experts.tests.factories import make_expert

NOW = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 6, 20, 2, 0, tzinfo=dt.UTC)  # the activity of 15–16 June is over

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, catalogues: None) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def op() -> Any:
    return operator()


@pytest.fixture
def sv() -> Any:
    return supervisor()


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def confirmed(op: Any, sv: Any, places: int = 3) -> Draw:
    for i in range(places + 2):
        make_expert(name=f"确认专家{i}")
    draw = open_draw(op, make_activity(op, experts_needed=places), sv, places=places)
    services.draw_witness(actor=sv, draw=draw, value="20260506")
    for c in draw.candidates.all():
        accept(c)
    draw.refresh_from_db()
    return draw


def closed(op: Any, sv: Any, frozen: Any, places: int = 3) -> Draw:
    draw = confirmed(op, sv, places)
    frozen.move_to(AFTER, tick=False)
    services.activity_close(actor=op, activity=draw.activity, reason="完成")
    draw.refresh_from_db()
    return draw


# --- confidential until closed ------------------------------------------------------------------


def test_staff_not_assigned_see_counts_and_the_assigned_views_are_audited(
    op: Any, sv: Any, make_user: Any
) -> None:
    draw = confirmed(op, sv)
    names = list(draw.candidates.values_list("expert__name", flat=True))
    labels = list(draw.candidates.values_list("label", flat=True))
    url = reverse("activities:activity_detail", kwargs={"pk": draw.activity_id})
    outsider = make_user("staff", username="outsider", rights=tuple(Right.values))

    page = client_of(outsider).get(url).content.decode()

    assert "随机抽取 3 人，指定 0 人；已确认 3 人" in page
    assert not any(n in page for n in names) and not any(label in page for label in labels)
    assert not AuditEntry.objects.filter(action="activities.roster.viewed").exists()
    record = client_of(outsider).get(reverse("activities:draw_record", kwargs={"pk": draw.pk}))
    assert record.status_code == 403

    page = client_of(op).get(url).content.decode()

    assert all(n in page for n in names)
    entry = AuditEntry.objects.get(action="activities.roster.viewed")
    assert (entry.actor, entry.object_id, entry.data) == (
        op,
        str(draw.activity_id),
        {"page": "activity"},
    )
    client_of(op).get(reverse("activities:draw_detail", kwargs={"pk": draw.pk}))
    client_of(sv).get(reverse("activities:supervisor_draw", kwargs={"pk": draw.pk}))
    pages = list(
        AuditEntry.objects.filter(action="activities.roster.viewed")
        .order_by("seq")
        .values_list("data__page", flat=True)
    )
    assert pages == ["activity", "draw", "supervisor"]


def test_once_closed_every_member_of_staff_sees_the_names_without_an_entry_each_time(
    op: Any, sv: Any, make_user: Any, frozen: Any
) -> None:
    draw = closed(op, sv, frozen)
    name = draw.candidates.values_list("expert__name", flat=True)[0]

    page = client_of(make_user("staff", username="colleague")).get(
        reverse("activities:activity_detail", kwargs={"pk": draw.activity_id})
    )

    assert name in page.content.decode()
    assert not AuditEntry.objects.filter(action="activities.roster.viewed").exists()


def test_an_invitation_page_is_for_the_activitys_staff_while_open(
    op: Any, sv: Any, make_user: Any
) -> None:
    draw = confirmed(op, sv)
    invitation = invitation_of(draw.candidates.first())
    url = reverse("activities:invitation_detail", kwargs={"pk": invitation.pk})

    assert client_of(make_user("staff", username="other")).get(url).status_code == 403
    page = client_of(op).get(url).content.decode()
    assert invitation.expert.name in page and "送达记录" in page


# --- attendance and fees ---------------------------------------------------------------------------


def test_attendance_is_recorded_after_the_activity_for_confirmed_experts_only(
    op: Any, sv: Any, frozen: Any
) -> None:
    draw = confirmed(op, sv)
    expert = draw.candidates.order_by("rank")[0].expert
    with pytest.raises(AttendanceError, match="活动结束后才能登记出席情况"):
        services.attendance_record(
            actor=op, activity=draw.activity, expert=expert, status=AttendanceStatus.ATTENDED
        )
    frozen.move_to(AFTER, tick=False)
    services.activity_close(actor=op, activity=draw.activity)
    stranger = make_expert(name="未参加的专家")

    with pytest.raises(AttendanceError, match="不是本活动已确认参加的专家"):
        services.attendance_record(
            actor=op, activity=draw.activity, expert=stranger, status=AttendanceStatus.ATTENDED
        )
    row = services.attendance_record(
        actor=op,
        activity=draw.activity,
        expert=expert,
        status=AttendanceStatus.ATTENDED,
        opinion="建议加强过程质量控制。",
    )

    assert (row.status, row.source, row.opinion) == ("attended", "drawn", "建议加强过程质量控制。")
    with pytest.raises(AttendanceError, match="出席情况没有变化"):
        services.attendance_record(
            actor=op,
            activity=draw.activity,
            expert=expert,
            status=AttendanceStatus.ATTENDED,
            opinion="建议加强过程质量控制。",
        )
    entry = AuditEntry.objects.get(action="activities.attendance.recorded")
    assert entry.changes["status"] == ["", "attended"]


def test_unexcused_absences_are_counted_per_expert_for_the_exits(
    op: Any, sv: Any, frozen: Any
) -> None:
    draw = closed(op, sv, frozen)
    first, second, third = (c.expert for c in draw.candidates.order_by("rank"))
    for expert, status in (
        (first, AttendanceStatus.UNEXCUSED),
        (second, AttendanceStatus.EXCUSED),
        (third, AttendanceStatus.ATTENDED),
    ):
        services.attendance_record(actor=op, activity=draw.activity, expert=expert, status=status)

    assert selectors.unexcused_absences(first) == 1
    assert selectors.unexcused_absences(second) == 0
    assert selectors.unexcused_absences(first, since=dt.date(2026, 7, 1)) == 0
    assert selectors.unexcused_absence_counts() == {first.pk: 1}


def test_fees_need_attendance_a_sane_amount_and_a_past_date(op: Any, sv: Any, frozen: Any) -> None:
    draw = closed(op, sv, frozen)
    attended, absent, _third = (c.expert for c in draw.candidates.order_by("rank"))
    activity = draw.activity
    with pytest.raises(AttendanceError, match="请先登记"):
        services.fee_record(
            actor=op,
            activity=activity,
            expert=attended,
            amount=Decimal("1500"),
            paid_on=dt.date(2026, 6, 19),
        )
    services.attendance_record(
        actor=op, activity=activity, expert=attended, status=AttendanceStatus.ATTENDED
    )
    services.attendance_record(
        actor=op, activity=activity, expert=absent, status=AttendanceStatus.UNEXCUSED
    )
    with pytest.raises(AttendanceError, match="无故缺席，不能登记劳动报酬"):
        services.fee_record(
            actor=op,
            activity=activity,
            expert=absent,
            amount=Decimal("1500"),
            paid_on=dt.date(2026, 6, 19),
        )
    for amount, message in (
        ("0", "金额须大于 0"),
        ("12.345", "最多保留两位小数"),
        ("abc", "金额须为数字"),
        ("2000000", "须小于 100 万元"),
    ):
        with pytest.raises(AttendanceError, match=message):
            services.parse_amount(amount)
    with pytest.raises(AttendanceError, match="支付日期不能晚于今天"):
        services.fee_record(
            actor=op,
            activity=activity,
            expert=attended,
            amount=Decimal("1500"),
            paid_on=dt.date(2026, 6, 21),
        )

    fee = services.fee_record(
        actor=op,
        activity=activity,
        expert=attended,
        amount=services.parse_amount("1,500.5元"),
        paid_on=dt.date(2026, 6, 19),
    )

    assert fee.amount == Decimal("1500.50")
    with pytest.raises(AttendanceError, match="请先撤销报酬记录"):
        services.attendance_record(
            actor=op, activity=activity, expert=attended, status=AttendanceStatus.UNEXCUSED
        )
    services.fee_remove(actor=op, fee=fee, reason="金额录错")
    assert Fee.objects.get().removed_reason == "金额录错"  # kept on record
    assert selectors.fee_totals(2026) == []


def test_yearly_totals_and_the_finance_export(
    op: Any, sv: Any, frozen: Any, make_user: Any
) -> None:
    draw = closed(op, sv, frozen)
    experts = [c.expert for c in draw.candidates.order_by("rank")]
    for expert in experts[:2]:
        services.attendance_record(
            actor=op, activity=draw.activity, expert=expert, status=AttendanceStatus.ATTENDED
        )
    for expert, amount, day in (
        (experts[0], "1500", dt.date(2026, 6, 18)),
        (experts[0], "500", dt.date(2026, 6, 19)),
        (experts[1], "1500", dt.date(2026, 6, 19)),
    ):
        services.fee_record(
            actor=op,
            activity=draw.activity,
            expert=expert,
            amount=Decimal(amount),
            paid_on=day,
        )

    totals = selectors.fee_totals(2026)
    assert [(t.expert, t.count, t.total) for t in totals] == [
        (experts[0], 2, Decimal("2000.00")),
        (experts[1], 1, Decimal("1500.00")),
    ]
    page = client_of(op).get(reverse("activities:fee_list") + "?year=2026").content.decode()
    assert "共 3 笔，合计 3500.00 元。" in page
    assert client_of(op).get(reverse("activities:fee_export")).status_code == 403
    with pytest.raises(AccessDenied):
        services.fees_export(actor=op, year=2026)

    exporter = make_user(
        "staff", username="finance", full_name="钱会计", rights=(Right.EXPORT_DATA,)
    )
    response = client_of(exporter).get(reverse("activities:fee_export") + "?year=2026")

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.values)
    flat = [[str(v) for v in row if v is not None] for row in rows]
    assert "钱会计" in flat[0][0]  # who exported it, and when
    payments = [r for r in flat if r and r[0].startswith("2026-06")]
    assert len(payments) == 3 and all("随机抽取" in r for r in payments)
    assert [experts[0].pool_number, experts[0].name, "2", "2000"] in flat
    entry = AuditEntry.objects.get(action="activities.fee.exported")
    assert entry.data == {"year": 2026, "count": 3, "amount": "3500.00"}


def test_attendance_and_fees_through_the_page(op: Any, sv: Any, frozen: Any) -> None:
    draw = closed(op, sv, frozen)
    expert = draw.candidates.order_by("rank")[0].expert
    client = client_of(op)
    url = reverse("activities:attendance", kwargs={"pk": draw.activity_id})

    client.post(url, {"expert": expert.pk, "status": "attended", "opinion": "书面意见"})
    client.post(
        reverse("activities:fee_add", kwargs={"pk": draw.activity_id}),
        {"expert": expert.pk, "amount": "-5", "paid_on": "2026-06-19"},
    )
    page = client.get(url).content.decode()
    assert "金额须大于 0。" in page
    client.post(
        reverse("activities:fee_add", kwargs={"pk": draw.activity_id}),
        {"expert": expert.pk, "amount": "1800", "paid_on": "2026-06-19"},
    )

    page = client.get(url).content.decode()
    assert "已登记：出席" in page and "1800.00" in page
    detail = client.get(reverse("activities:activity_detail", kwargs={"pk": draw.activity_id}))
    assert "1800.00" in detail.content.decode()


# --- the expert area --------------------------------------------------------------------------------


def test_the_expert_sees_invitations_answers_activities_attendance_and_fees(
    op: Any, sv: Any, frozen: Any, make_user: Any
) -> None:
    account = make_user("expert", username="zhuanjia")
    expert = make_expert(name="郑博文", user=account)
    for _ in range(2):
        make_expert()
    draw = open_draw(op, make_activity(op, experts_needed=3), sv, places=3)
    services.draw_witness(actor=sv, draw=draw, value="20260506")
    invitation = invitation_of(draw.candidates.get(expert=expert))
    client = client_of(account)

    listing = client.get(reverse("me:invitation_list")).content.decode()
    assert draw.activity.title in listing and "请于 2026-05-09 24:00 前答复" in listing
    url = reverse("me:invitation_detail", kwargs={"pk": invitation.pk})
    client.post(url, {"action": "accept", "accept-no_conflict": "on"})
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT  # the commitment was not signed
    client.post(
        url, {"action": "accept", "accept-no_conflict": "on", "accept-confidentiality": "on"}
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_via) == ("accepted", "area")

    for c in draw.candidates.exclude(expert=expert):
        accept(c)
    frozen.move_to(AFTER, tick=False)
    services.activity_close(actor=op, activity=draw.activity)
    services.attendance_record(
        actor=op, activity=draw.activity, expert=expert, status=AttendanceStatus.ATTENDED
    )
    services.fee_record(
        actor=op,
        activity=draw.activity,
        expert=expert,
        amount=Decimal("2000"),
        paid_on=dt.date(2026, 6, 19),
    )

    client = client_of(account)  # a new session: the last one ended while they were away
    listing = client.get(reverse("me:invitation_list")).content.decode()
    assert "出席" in listing and "2026 年合计 2000.00 元" in listing
    letter = client.get(reverse("me:invitation_letter", kwargs={"pk": invitation.pk}))
    assert letter["Content-Type"] == "application/pdf"
    # Another expert's invitation is not theirs to see.
    other = invitation_of(draw.candidates.exclude(expert=expert).first())
    assert client.get(reverse("me:invitation_detail", kwargs={"pk": other.pk})).status_code == 404


def test_statistics_show_the_participation_spread_and_the_share_answered_by_staff(
    op: Any, sv: Any
) -> None:
    from zhiku.activities import rotation
    from zhiku.activities.choices import AnsweredVia, DeclineReason

    for _ in range(3):
        make_expert()
    draw = open_draw(op, make_activity(op, experts_needed=2), sv, places=2)
    services.draw_witness(actor=sv, draw=draw, value="20260506")
    first, second = draw.candidates.order_by("rank")
    accept(first)
    services.invitation_decline(
        invitation=invitation_of(second),
        via=AnsweredVia.STAFF,
        actor=op,
        reason=DeclineReason.SCHEDULE,
        contact_note="电话",
    )

    page = client_of(op).get(reverse("activities:draw_statistics") + "?year=2026")

    html = page.content.decode()
    expected = rotation.gini([1, 0, 0])
    assert f"基尼系数 {expected:.3f}" in html
    assert "在库专家 3 人，共参加 1 人次（其中指定 0 人次）" in html
    assert "1（50.0%）" in html  # one of the two answers was recorded by staff
    assert "公平轮换加权：未开启" in html

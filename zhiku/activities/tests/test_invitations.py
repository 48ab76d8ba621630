"""Invitations and answers: the letter, the e-mail and the text message go out when a round is
drawn; accepting needs both declarations; declines carry a reason; the deadline lapses into a
decline; staff answers are marked; a withdrawal after accepting is refilled by a top-up round;
the personal link answers only its own invitation, stops after the deadline or an answer, and a
guessed link answers 404, is audited and is throttled."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from zhiku import verify
from zhiku.activities import selectors, services
from zhiku.activities.choices import (
    AnsweredVia,
    DeclineReason,
    DeliveryStatus,
    InvitationStatus,
    Outcome,
    WithdrawReason,
)
from zhiku.activities.errors import DrawError, InvitationError
from zhiku.activities.models import Draw, Invitation
from zhiku.activities.record import draw_record
from zhiku.activities.services.links import MISSES_PER_HOUR, link_token
from zhiku.activities.tests.factories import (
    accept,
    decline,
    invitation_of,
    make_activity,
    open_draw,
    operator,
    supervisor,
)
from zhiku.core.errors import AccessDenied, DomainError
from zhiku.core.models import AuditEntry
from zhiku.core.tests.factories import pdf_text
from zhiku.experts.tests.factories import make_expert

NOW = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)  # Wednesday, 10:00 in Guangzhou
LATER = dt.datetime(2026, 5, 9, 15, 59, tzinfo=dt.UTC)  # Saturday 23:59, a make-up working day
AFTER = dt.datetime(2026, 5, 9, 16, 1, tzinfo=dt.UTC)  # Sunday 00:01

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


def drawn(op: Any, sv: Any, *, experts: int = 5, places: int = 2, **activity: Any) -> Draw:
    for i in range(experts):
        make_expert(email=f"expert{i}@example.org")
    draw = open_draw(op, make_activity(op, experts_needed=places, **activity), sv, places=places)
    services.draw_witness(actor=sv, draw=draw, value="20260506")
    draw.refresh_from_db()
    return draw


def text(response: Any) -> str:
    return response.content.decode()


# --- the deadline ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "start", "due"),
    [
        # Three working days after the day sent (not counted); 9 May 2026 is a Saturday worked
        # in exchange for the Labour Day holiday.
        ("2026-05-06", "2026-06-15", "2026-05-09"),
        # The National Day holiday: 30 September + 3 working days is 10 October (worked).
        ("2026-09-30", "2026-11-01", "2026-10-10"),
        # Never after the eve of the activity …
        ("2026-05-06", "2026-05-08", "2026-05-07"),
        # … and never before the day sent, when the activity is that close.
        ("2026-05-06", "2026-05-06", "2026-05-06"),
    ],
)
def test_the_answer_deadline_counts_working_days_and_stops_on_the_eve(
    sent: str, start: str, due: str
) -> None:
    deadline = services.answer_deadline(
        dt.date.fromisoformat(sent), workdays=3, activity_start=dt.date.fromisoformat(start)
    )

    assert deadline == dt.date.fromisoformat(due)


# --- going out -----------------------------------------------------------------------------------


def test_a_round_invites_its_candidates_by_letter_email_and_sms(
    op: Any, sv: Any, sms_outbox: Any
) -> None:
    draw = drawn(op, sv)

    invitations = list(Invitation.objects.order_by("pk").select_related("expert"))
    assert len(invitations) == 2
    assert all(i.deadline == dt.date(2026, 5, 9) for i in invitations)
    assert {i.expert_id for i in invitations} == set(
        draw.candidates.values_list("expert_id", flat=True)
    )
    first = invitations[0]
    link = f"http://testserver/invitations/{link_token(first)}/"
    # The text message, through the pluggable sender, carries the personal link.
    assert len(sms_outbox) == 2
    assert link in sms_outbox[0].text and "2026-05-09 24:00 前答复" in sms_outbox[0].text
    # The e-mail: to the expert, with the link and the letter's place.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(i.expert.email for i in invitations)
    message = next(m for m in mail.outbox if m.to == [first.expert.email])
    assert link in message.body and "邀请函" in message.subject
    # Every delivery is logged (the SMS log), masked.
    deliveries = {d.channel: d for d in first.deliveries.all()}
    assert deliveries["sms"].status == DeliveryStatus.SENT
    assert deliveries["sms"].to_masked.startswith("139") and "*" in deliveries["sms"].to_masked
    assert deliveries["email"].status == DeliveryStatus.SENT
    # The token is never stored: only its hash and the nonce.
    stored = json.dumps(list(Invitation.objects.values()), default=str)
    assert link_token(first) not in stored
    assert AuditEntry.objects.filter(action="activities.invitation.sent").count() == 2


def test_the_letter_is_a_chinese_pdf_with_the_activity_deadline_and_rights(
    op: Any, sv: Any
) -> None:
    draw = drawn(op, sv, title="广州某某检测有限公司质量评估")
    invitation = invitation_of(draw.candidates.order_by("rank").first())

    response = Client().get(reverse("invitations:letter", kwargs={"token": link_token(invitation)}))

    assert response["Content-Type"] == "application/pdf"
    flat = "".join(pdf_text(response.content).split())
    for expected in (
        "邀请函",
        invitation.code,
        invitation.expert.name,
        "广州某某检测有限公司质量评估",
        draw.code,
        "2026年5月9日24:00前",
        "第十二条第（三）项",
        "保密",
    ):
        assert expected in flat, expected


def test_an_expert_without_mobile_or_email_is_still_invited_and_the_log_says_so(
    op: Any, sv: Any
) -> None:
    make_expert(mobile_token="", email="")
    draw = open_draw(op, make_activity(op, experts_needed=1), sv, places=1)
    services.draw_witness(actor=sv, draw=draw, value="20260506")

    invitation = Invitation.objects.get()
    statuses = {d.channel: (d.status, d.detail) for d in invitation.deliveries.all()}
    assert statuses == {
        "sms": (DeliveryStatus.SKIPPED, "专家档案中没有手机号码"),
        "email": (DeliveryStatus.SKIPPED, "专家档案中没有电子邮箱"),
    }


def test_without_the_years_calendar_the_round_stands_and_invitations_wait(
    op: Any, sv: Any, frozen: Any
) -> None:
    frozen.move_to(dt.datetime(2030, 12, 28, 2, 0, tzinfo=dt.UTC), tick=False)
    make_expert()
    make_expert()
    activity = make_activity(
        op, experts_needed=1, start_date=dt.date(2031, 2, 1), end_date=dt.date(2031, 2, 1)
    )
    draw = open_draw(op, activity, sv, places=1)

    services.draw_witness(actor=sv, draw=draw, value="20301228")

    assert draw.rounds.count() == 1 and not Invitation.objects.exists()
    assert services.waiting_count(activity) == 1
    with pytest.raises(DomainError, match="2030 年的工作日历尚未录入"):
        services.invitations_send(actor=op, activity=activity)


# --- answers -------------------------------------------------------------------------------------


def test_accepting_needs_both_declarations(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    invitation = invitation_of(draw.candidates.first())
    token = link_token(invitation)

    with pytest.raises(InvitationError, match="须声明与本次活动涉及的单位不存在利害关系"):
        services.invitation_accept(
            invitation=invitation,
            via=AnsweredVia.LINK,
            token=token,
            no_conflict=False,
            confidentiality=True,
        )
    with pytest.raises(InvitationError, match="须签署保密承诺"):
        services.invitation_accept(
            invitation=invitation,
            via=AnsweredVia.LINK,
            token=token,
            no_conflict=True,
            confidentiality=False,
        )
    services.invitation_accept(
        invitation=invitation,
        via=AnsweredVia.LINK,
        token=token,
        no_conflict=True,
        confidentiality=True,
    )

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert "广东省市场监督管理局" in invitation.declaration and "保密" in invitation.declaration
    assert invitation.candidate.outcome == Outcome.CONFIRMED


def test_declining_as_unfamiliar_is_the_experts_right_and_never_held_against_them(
    op: Any, sv: Any
) -> None:
    draw = drawn(op, sv)
    candidate = draw.candidates.select_related("expert").order_by("rank")[0]

    decline(candidate, reason=DeclineReason.UNFAMILIAR)

    candidate.refresh_from_db()
    assert (candidate.outcome, candidate.outcome_reason) == (Outcome.DECLINED, "专业不熟悉")
    assert selectors.unexcused_absences(candidate.expert) == 0
    (year,) = selectors.answer_statistics()
    assert year.declined == {"unfamiliar": 1}


def test_a_link_answers_only_its_own_invitation(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    mine, other = (invitation_of(c) for c in draw.candidates.order_by("rank"))

    with pytest.raises(InvitationError, match="链接无效"):
        services.invitation_accept(
            invitation=other,
            via=AnsweredVia.LINK,
            token=link_token(mine),
            no_conflict=True,
            confidentiality=True,
        )

    other.refresh_from_db()
    assert other.status == InvitationStatus.SENT


def test_an_answer_recorded_by_staff_is_marked_with_who_and_how(
    op: Any, sv: Any, make_user: Any
) -> None:
    draw = drawn(op, sv)
    invitation = invitation_of(draw.candidates.first())
    outsider = make_user("staff", username="outsider")

    with pytest.raises(AccessDenied, match="只有本活动的负责工作人员"):
        services.invitation_decline(
            invitation=invitation,
            via=AnsweredVia.STAFF,
            actor=outsider,
            reason=DeclineReason.SCHEDULE,
            contact_note="电话",
        )
    with pytest.raises(InvitationError, match="请写明联系方式和时间"):
        services.invitation_decline(
            invitation=invitation, via=AnsweredVia.STAFF, actor=op, reason=DeclineReason.SCHEDULE
        )
    services.invitation_decline(
        invitation=invitation,
        via=AnsweredVia.STAFF,
        actor=op,
        reason=DeclineReason.SCHEDULE,
        contact_note="5 月 6 日 10:30 电话联系本人",
    )

    invitation.refresh_from_db()
    assert invitation.on_behalf and invitation.recorded_by == op
    entry = AuditEntry.objects.get(action="activities.invitation.declined")
    assert entry.actor == op and entry.data["via"] == "staff"
    assert entry.data["contact_note"] == "5 月 6 日 10:30 电话联系本人"
    accept(draw.candidates.order_by("rank")[1])
    (year,) = selectors.answer_statistics()
    assert (year.answered, year.on_behalf, year.on_behalf_percent) == (2, 1, 50.0)
    # The public record says so too, once a top-up round relies on it.
    services.draw_topup(actor=op, draw=draw, expected_round=2)
    record = draw_record(draw)
    assert record["rounds"][1]["left"][0]["answered_by"] == "staff"
    assert verify.check(json.loads(json.dumps(record)))[0] == []


def test_no_answer_by_the_deadline_counts_as_declined(op: Any, sv: Any, frozen: Any) -> None:
    draw = drawn(op, sv)
    first, second = draw.candidates.order_by("rank")
    accept(second)
    frozen.move_to(LATER, tick=False)
    assert services.invitations_lapse(now=LATER) == 0  # until 24:00 of the last day

    frozen.move_to(AFTER, tick=False)
    with pytest.raises(InvitationError, match=r"答复期限（2026-05-09 24:00）已过，视为拒绝"):
        accept(first)

    first.refresh_from_db()
    assert (first.outcome, first.outcome_reason) == (Outcome.NO_ANSWER, "未在答复期限内答复")
    assert invitation_of(first).status == InvitationStatus.LAPSED
    assert services.invitations_lapse(now=AFTER) == 0  # idempotent
    rnd = services.draw_topup(actor=op, draw=draw, expected_round=2)
    assert rnd.left[0]["answered_by"] == "deadline"
    # The new candidate of the top-up round is invited, with a deadline from today.
    new = invitation_of(rnd.candidates.get())
    assert new.deadline == dt.date(2026, 5, 13)


def test_a_withdrawal_after_accepting_is_refilled_by_a_top_up(
    op: Any, sv: Any, make_user: Any
) -> None:
    draw = drawn(op, sv)
    first, second = draw.candidates.order_by("rank")
    accept(first)
    accept(second)
    with pytest.raises(DrawError, match="无需补充抽取"):
        services.draw_topup(actor=op, draw=draw, expected_round=2)
    invitation = invitation_of(first)
    with pytest.raises(InvitationError, match="确认后退出请登录专家个人空间办理"):
        services.invitation_withdraw(
            invitation=invitation,
            via=AnsweredVia.LINK,
            actor=op,
            reason=WithdrawReason.CONFLICT,
            note="x",
        )
    with pytest.raises(InvitationError, match="请说明退出的具体情况"):
        services.invitation_withdraw(
            invitation=invitation,
            via=AnsweredVia.STAFF,
            actor=op,
            reason=WithdrawReason.CONFLICT,
            note=" ",
            contact_note="电话",
        )

    services.invitation_withdraw(
        invitation=invitation,
        via=AnsweredVia.STAFF,
        actor=op,
        reason=WithdrawReason.CONFLICT,
        note="配偶新近入职被评单位",
        contact_note="专家来电",
    )

    first.refresh_from_db()
    assert (first.outcome, first.outcome_reason) == (Outcome.WITHDREW, "发现存在利害关系")
    rnd = services.draw_topup(actor=op, draw=draw, expected_round=2)
    assert rnd.left == [
        {
            "label": first.label,
            "outcome": "withdrew",
            "reason": "发现存在利害关系",
            "answered_by": "staff",
        }
    ]
    assert rnd.candidates.count() == 1
    assert verify.check(json.loads(json.dumps(draw_record(draw))))[0] == []


def test_cancelling_the_draw_cancels_its_invitations_and_their_links(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    first, second = draw.candidates.order_by("rank")
    accept(first)

    services.draw_cancel(actor=op, draw=draw, reason="委托单位撤回委托")

    assert set(Invitation.objects.values_list("status", flat=True)) == {InvitationStatus.CANCELLED}
    response = Client().get(
        reverse("invitations:answer", kwargs={"token": link_token(invitation_of(second))})
    )
    assert response.status_code == 410 and "此邀请已撤销" in text(response)


def test_closing_the_activity_cancels_the_invitations_still_unanswered(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    first, second = draw.candidates.order_by("rank")
    accept(first)

    services.activity_close(actor=op, activity=draw.activity)

    assert invitation_of(first).status == InvitationStatus.ACCEPTED
    assert invitation_of(second).status == InvitationStatus.CANCELLED


# --- the personal link ----------------------------------------------------------------------------


def test_the_personal_link_shows_the_invitation_and_takes_the_answer_once(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    invitation = invitation_of(draw.candidates.first())
    url = reverse("invitations:answer", kwargs={"token": link_token(invitation)})
    client = Client()

    page = client.get(url)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert draw.activity.title in text(page) and "2026-05-09 24:00" in text(page)
    missing = client.post(url, {"action": "accept", "accept-no_conflict": "on"})
    assert "接受邀请须签署保密承诺。" in text(missing)
    done = client.post(
        url, {"action": "accept", "accept-no_conflict": "on", "accept-confidentiality": "on"}
    )
    assert "您已接受邀请" in text(done)

    again = client.get(url)
    assert again.status_code == 410 and "链接不再有效" in text(again)
    assert client.post(url, {"action": "decline", "decline-reason": "schedule"}).status_code == 410
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.answered_via == AnsweredVia.LINK


def test_the_personal_link_stops_after_the_deadline(op: Any, sv: Any, frozen: Any) -> None:
    draw = drawn(op, sv)
    invitation = invitation_of(draw.candidates.first())
    url = reverse("invitations:answer", kwargs={"token": link_token(invitation)})
    frozen.move_to(AFTER, tick=False)

    response = Client().get(url)

    assert response.status_code == 410
    assert "答复期限（2026-05-09 24:00）已过，按规定视为拒绝" in text(response)


def test_a_guessed_or_altered_link_answers_404_and_is_audited(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    token = link_token(invitation_of(draw.candidates.first()))
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    client = Client()

    for wrong in (altered, "guessed", token + "x"):
        assert client.get(reverse("invitations:answer", kwargs={"token": wrong})).status_code == 404
    assert client.get(reverse("invitations:letter", kwargs={"token": altered})).status_code == 404

    entries = AuditEntry.objects.filter(action="activities.invitation.link_refused")
    assert entries.count() == 4
    assert token not in json.dumps([e.data for e in entries], ensure_ascii=False)
    assert {e.ip for e in entries} == {"127.0.0.1"}


def test_guessing_is_throttled_per_address(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    good = reverse(
        "invitations:answer", kwargs={"token": link_token(invitation_of(draw.candidates.first()))}
    )
    client = Client()
    for i in range(MISSES_PER_HOUR):
        client.get(reverse("invitations:answer", kwargs={"token": f"guess{i}"}))

    refused = client.get(good)

    assert refused.status_code == 429 and "请一小时后再试" in text(refused)
    assert Client(REMOTE_ADDR="10.0.0.9").get(good).status_code == 200  # another address
    assert (
        AuditEntry.objects.filter(action="activities.invitation.link_refused").count()
        == MISSES_PER_HOUR
    )


class RefusingGateway:
    """An SMS gateway that is down."""

    def send(self, number: str, text: str) -> None:
        from zhiku.core.sms import SmsError

        raise SmsError("网关无响应")


class RefusingMail:
    """A mail backend whose server refuses the message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        import smtplib

        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")})


def test_a_failed_text_or_e_mail_is_logged_and_the_invitation_stands(
    op: Any, sv: Any, settings: Any
) -> None:
    settings.ZHIKU_SMS_BACKEND = f"{__name__}.RefusingGateway"
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMail"

    draw = drawn(op, sv)

    invitation = invitation_of(draw.candidates.first())
    statuses = {d.channel: (d.status, d.detail) for d in invitation.deliveries.all()}
    assert statuses["sms"] == (DeliveryStatus.FAILED, "网关无响应")
    assert statuses["email"][0] == DeliveryStatus.FAILED and "550" in statuses["email"][1]
    assert invitation.status == InvitationStatus.SENT  # staff can reach the expert otherwise


def test_an_expert_answers_and_withdraws_only_their_own_invitation_in_the_expert_area(
    op: Any, sv: Any, make_user: Any
) -> None:
    mine = make_user("expert", username="mine")
    theirs = make_user("expert", username="theirs")
    make_expert(user=mine)
    make_expert(user=theirs)
    draw = open_draw(op, make_activity(op, experts_needed=2), sv, places=2)
    services.draw_witness(actor=sv, draw=draw, value="20260506")
    invitation = Invitation.objects.get(expert__user=mine)

    with pytest.raises(AccessDenied, match="只能答复发给您本人的邀请"):
        services.invitation_accept(
            invitation=invitation,
            via=AnsweredVia.AREA,
            actor=theirs,
            no_conflict=True,
            confidentiality=True,
        )
    services.invitation_accept(
        invitation=invitation,
        via=AnsweredVia.AREA,
        actor=mine,
        no_conflict=True,
        confidentiality=True,
    )
    services.invitation_withdraw(
        invitation=invitation,
        via=AnsweredVia.AREA,
        actor=mine,
        reason=WithdrawReason.SCHEDULE,
        note="单位临时安排出差",
    )

    invitation.refresh_from_db()
    assert (invitation.status, invitation.withdrawn_via) == ("withdrawn", "area")
    assert not invitation.on_behalf
    assert invitation.candidate is not None
    assert invitation.candidate.outcome == Outcome.WITHDREW

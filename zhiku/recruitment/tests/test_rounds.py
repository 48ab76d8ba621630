"""Council rounds: secret ballots, closing at quorum or at the deadline, no quorum passes nobody,
meetings recorded offline with their minutes, and the proposed list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry, ParameterChange
from zhiku.core.tests.uploads import pdf_bytes
from zhiku.experts.tests.factories import resident_number
from zhiku.recruitment import selectors, services
from zhiku.recruitment.models import Application, DeliberationRound, RoundItem, Vote
from zhiku.recruitment.services import RecruitmentError
from zhiku.recruitment.tests.factories import (
    NOW,
    make_applicant,
    make_call,
    make_council,
    make_reviewer,
    passed,
    submitted,
)

pytestmark = pytest.mark.django_db

AGREE, DISAGREE, ABSTAIN = "agree", "disagree", "abstain"


@pytest.fixture
def setting() -> dict[str, Any]:
    """Two passed applications, three council members, an online round until 2026-09-25."""
    reviewer = make_reviewer()
    call = make_call()
    first = passed(reviewer, submitted(make_applicant("a1", "甲申请"), call, name="甲申请"))
    second = passed(
        reviewer,
        submitted(
            make_applicant("a2", "乙申请"),
            call,
            name="乙申请",
            id_number=resident_number(dt.date(1980, 2, 2), 2),
            birth_date=dt.date(1980, 2, 2),
            email="yi@example.org",
            mobile="13912340002",
        ),
    )
    council = make_council()
    round_ = services.round_open(
        actor=reviewer,
        applications=[first, second],
        mode=DeliberationRound.Mode.ONLINE,
        title="2026 年第 1 次理事会审议",
        votes_close_on=dt.date(2026, 9, 25),
        now=NOW,
    )
    return {
        "reviewer": reviewer,
        "first": first,
        "second": second,
        "council": council,
        "round": round_,
    }


def ballot(round_: DeliberationRound, *choices: str) -> dict[int, tuple[str, str]]:
    items = list(round_.items.order_by("pk"))
    return {item.pk: (choice, "") for item, choice in zip(items, choices, strict=True)}


def vote(member: Any, round_: DeliberationRound, *choices: str, at: dt.datetime = NOW) -> Any:
    return services.round_vote(
        actor=member, round_=round_, choices=ballot(round_, *choices), now=at
    )


def test_opening_a_round_puts_the_applications_before_the_council(setting: dict[str, Any]) -> None:
    round_ = setting["round"]
    assert set(round_.members.all()) == set(setting["council"])
    assert (round_.quorum_numerator, round_.quorum_denominator, round_.majority_percent) == (
        2,
        3,
        50,
    )
    setting["first"].refresh_from_db()
    assert setting["first"].status == Application.Status.DELIBERATING
    with pytest.raises(RecruitmentError, match="只有资格审核通过、待审议的申请"):
        services.round_open(
            actor=setting["reviewer"],
            applications=[setting["first"]],
            mode="online",
            title="再审",
            votes_close_on=dt.date(2026, 9, 25),
            now=NOW,
        )


def test_the_round_rule_comes_from_the_parameters_of_the_opening_day() -> None:
    reviewer = make_reviewer()
    ParameterChange.objects.create(
        key="council_quorum_numerator",
        from_value=2,
        to_value=3,
        effective_on=dt.date(2026, 9, 1),
        at=NOW,
        actor=reviewer,
    )
    ParameterChange.objects.create(
        key="council_quorum_denominator",
        from_value=3,
        to_value=4,
        effective_on=dt.date(2026, 9, 1),
        at=NOW,
        actor=reviewer,
    )
    make_council(4)
    application = passed(reviewer, submitted())
    round_ = services.round_open(
        actor=reviewer,
        applications=[application],
        mode="online",
        title="按新规则",
        votes_close_on=dt.date(2026, 9, 25),
        now=NOW,
    )
    assert (round_.quorum_numerator, round_.quorum_denominator) == (3, 4)
    assert "3/4" in round_.rule_text()


def test_two_of_three_members_vote_and_the_round_closes_by_itself(setting: dict[str, Any]) -> None:
    council, round_ = setting["council"], setting["round"]
    vote(council[0], round_, AGREE, DISAGREE)
    round_.refresh_from_db()
    assert round_.status == DeliberationRound.Status.OPEN
    vote(council[1], round_, AGREE, ABSTAIN)
    round_.refresh_from_db()
    assert (round_.status, round_.outcome) == ("closed", "decided")
    first, second = setting["first"], setting["second"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Application.Status.APPROVED  # 2 of 2
    assert second.status == Application.Status.NOT_APPROVED  # 0 agree, 1 against, 1 abstain
    item = RoundItem.objects.get(round=round_, application=first)
    assert (item.agree, item.disagree, item.abstain, item.outcome) == (2, 0, 0, "approved")
    assert list(selectors.proposed_list()) == [first]
    subjects = [m.subject for m in mail.outbox]
    assert any("拟入库专家名单" in s for s in subjects)
    assert any("理事会审议结果" in s for s in subjects)
    # The third member comes too late.
    with pytest.raises(RecruitmentError, match="本轮审议已于"):
        vote(council[2], round_, AGREE, AGREE)


def test_a_member_votes_once_on_every_application(setting: dict[str, Any]) -> None:
    council, round_ = setting["council"], setting["round"]
    items = list(round_.items.order_by("pk"))
    with pytest.raises(RecruitmentError, match="尚未表决：乙申请"):
        services.round_vote(
            actor=council[0], round_=round_, choices={items[0].pk: (AGREE, "")}, now=NOW
        )
    vote(council[0], round_, AGREE, AGREE)
    with pytest.raises(RecruitmentError, match="投票提交后不能更改"):
        vote(council[0], round_, DISAGREE, DISAGREE)


def test_only_members_of_the_round_vote(setting: dict[str, Any], make_user: Any) -> None:
    newcomer = make_user("council", username="council9")
    with pytest.raises(AccessDenied, match="不是本轮审议的理事会成员"):
        vote(newcomer, setting["round"], AGREE, AGREE)
    with pytest.raises(AccessDenied):
        vote(setting["reviewer"], setting["round"], AGREE, AGREE)


def test_choices_stay_out_of_the_audit_trail(setting: dict[str, Any]) -> None:
    vote(setting["council"][0], setting["round"], DISAGREE, DISAGREE)
    entry = AuditEntry.objects.get(action="recruitment.round.voted")
    assert "disagree" not in str(entry.changes) + str(entry.data)


def test_a_round_closed_without_quorum_passes_nobody_and_says_so(setting: dict[str, Any]) -> None:
    council, round_ = setting["council"], setting["round"]
    vote(council[0], round_, AGREE, AGREE)
    with pytest.raises(RecruitmentError, match="请写明提前结束投票的原因"):
        services.round_close(actor=setting["reviewer"], round_=round_, note="", now=NOW)
    services.round_close(
        actor=setting["reviewer"], round_=round_, note="理事会改为线下开会审议", now=NOW
    )
    round_.refresh_from_db()
    assert (round_.status, round_.outcome) == ("closed", "no_quorum")
    assert round_.get_outcome_display() == "未达法定人数，本轮无人通过"
    for application in (setting["first"], setting["second"]):
        application.refresh_from_db()
        assert application.status == Application.Status.PASSED  # back to 待审议
    assert set(RoundItem.objects.filter(round=round_).values_list("outcome", flat=True)) == {
        "no_quorum"
    }
    assert list(selectors.proposed_list()) == []
    # They may go before the council again.
    again = services.round_open(
        actor=setting["reviewer"],
        applications=[setting["first"], setting["second"]],
        mode="meeting",
        title="2026 年第 2 次理事会审议",
        now=NOW,
    )
    assert again.items.count() == 2


def test_a_round_past_its_last_day_closes_when_next_looked_at(setting: dict[str, Any]) -> None:
    council, round_ = setting["council"], setting["round"]
    vote(council[0], round_, AGREE, AGREE)
    last_minute = dt.datetime(2026, 9, 25, 23, 59, tzinfo=NOW.tzinfo)
    assert not services.round_close_if_due(round_=round_, now=last_minute)
    assert services.round_close_if_due(
        round_=round_, now=dt.datetime(2026, 9, 26, 0, 0, tzinfo=NOW.tzinfo)
    )
    round_.refresh_from_db()
    assert (round_.outcome, round_.close_note, round_.closed_by) == ("no_quorum", "投票截止", None)


def test_a_meeting_is_recorded_per_application_with_its_minutes(setting: dict[str, Any]) -> None:
    reviewer = setting["reviewer"]
    services.round_close(actor=reviewer, round_=setting["round"], note="改为开会", now=NOW)
    meeting = services.round_open(
        actor=reviewer,
        applications=[setting["first"], setting["second"]],
        mode="meeting",
        title="理事会会议",
        now=NOW,
    )
    items = {i.application_id: i.pk for i in meeting.items.all()}
    outcomes = {items[setting["first"].pk]: "approved", items[setting["second"].pk]: "not_approved"}
    with pytest.raises(RecruitmentError, match="请上传会议纪要"):
        services.round_record_meeting(
            actor=reviewer,
            round_=meeting,
            meeting_on=dt.date(2026, 9, 14),
            members_present=3,
            outcomes=outcomes,
            minutes_name="",
            minutes=None,
            now=NOW,
        )
    with pytest.raises(RecruitmentError, match="出席人数应在 0 至 3"):
        services.round_record_meeting(
            actor=reviewer,
            round_=meeting,
            meeting_on=dt.date(2026, 9, 14),
            members_present=5,
            outcomes=outcomes,
            minutes_name="纪要.pdf",
            minutes=pdf_bytes(),
            now=NOW,
        )
    services.round_record_meeting(
        actor=reviewer,
        round_=meeting,
        meeting_on=dt.date(2026, 9, 14),
        members_present=3,
        outcomes=outcomes,
        minutes_name="纪要.pdf",
        minutes=pdf_bytes(text="minutes"),
        now=NOW,
    )
    meeting.refresh_from_db()
    assert meeting.outcome == "decided" and meeting.minutes is not None
    assert [a.name for a in selectors.proposed_list()] == ["甲申请"]


def test_a_meeting_below_quorum_passes_nobody(setting: dict[str, Any]) -> None:
    reviewer = setting["reviewer"]
    services.round_close(actor=reviewer, round_=setting["round"], note="改为开会", now=NOW)
    meeting = services.round_open(
        actor=reviewer, applications=[setting["first"]], mode="meeting", title="会议", now=NOW
    )
    item = meeting.items.get()
    services.round_record_meeting(
        actor=reviewer,
        round_=meeting,
        meeting_on=dt.date(2026, 9, 14),
        members_present=1,
        outcomes={item.pk: "approved"},
        minutes_name="纪要.png",
        minutes=pdf_bytes(),
        now=NOW,
    )
    meeting.refresh_from_db()
    assert meeting.outcome == "no_quorum"
    setting["first"].refresh_from_db()
    assert setting["first"].status == Application.Status.PASSED


# --- the council's pages -------------------------------------------------------------------


def page(user: Any, url: str) -> str:
    client = Client()
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_member_cannot_see_another_members_vote_before_the_round_closes(
    setting: dict[str, Any],
) -> None:
    council, round_ = setting["council"], setting["round"]
    services.round_vote(
        actor=council[0],
        round_=round_,
        choices={i.pk: (DISAGREE, "履历与领域不符") for i in round_.items.all()},
        now=NOW,
    )
    url = f"/workspace/recruitment/council/rounds/{round_.pk}/"
    other = page(council[1], url)
    assert "履历与领域不符" not in other
    assert "不同意" in other  # only as a choice of the ballot…
    assert 'data-testid="my-vote"' not in other
    assert " checked" not in other  # …none of them preset
    staff_view = page(setting["reviewer"], f"/workspace/recruitment/rounds/{round_.pk}/")
    assert "履历与领域不符" not in staff_view
    assert "各成员表决意见" not in staff_view
    own = page(council[0], url)
    assert "您已投票" in own and "履历与领域不符" in own
    # Once the round has closed, every member sees every vote.
    services.round_vote(
        actor=council[1],
        round_=round_,
        choices={i.pk: (AGREE, "") for i in round_.items.all()},
        now=NOW,
    )
    after = page(council[1], url)
    assert "各成员表决意见" in after
    assert "理事1" in after and "不同意" in after


def test_the_council_page_shows_profile_and_check_but_never_numbers_or_documents(
    setting: dict[str, Any],
) -> None:
    text = page(
        setting["council"][0], f"/workspace/recruitment/council/rounds/{setting['round'].pk}/"
    )
    first = setting["first"]
    assert "甲申请" in text and "广东省标准化研究院" in text
    assert "第六条入库基本条件核验" in text
    assert first.id_number_masked not in text
    assert first.mobile_masked not in text
    assert "/documents/" not in text


def test_a_council_member_outside_the_round_gets_404(
    setting: dict[str, Any], make_user: Any
) -> None:
    outsider = make_user("council", username="council8")
    client = Client()
    client.force_login(outsider)
    response = client.get(f"/workspace/recruitment/council/rounds/{setting['round'].pk}/")
    assert response.status_code == 404


def test_voting_through_the_page(setting: dict[str, Any]) -> None:
    council, round_ = setting["council"], setting["round"]
    items = list(round_.items.order_by("pk"))
    client = Client()
    client.force_login(council[0])
    url = f"/workspace/recruitment/council/rounds/{round_.pk}/vote/"
    with time_machine.travel(NOW, tick=False):
        response = client.post(url, {f"choice_{items[0].pk}": AGREE})
        assert "请作出表决" in response.content.decode()
        response = client.post(
            url, {f"choice_{items[0].pk}": AGREE, f"choice_{items[1].pk}": ABSTAIN}, follow=True
        )
    assert "已投票" in response.content.decode()
    assert Vote.objects.filter(member=council[0]).count() == 2

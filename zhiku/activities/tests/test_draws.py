"""The draw's services: open (freeze and commit), randomness in, rounds 1:1, top-up rounds,
outcomes, cancellation, closing and publication — each record checked by the checker."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from zhiku import verify
from zhiku.activities import services
from zhiku.activities.choices import ActivityStatus, DrawStatus, Outcome, Reason
from zhiku.activities.errors import ActivityError, DrawError, InvitationError
from zhiku.activities.models import Candidate, Draw, DrawChange, Exclusion, Invitation
from zhiku.activities.pool import Conditions
from zhiku.activities.record import draw_record
from zhiku.activities.tests.factories import (
    accept,
    decline,
    make_activity,
    open_draw,
    operator,
    supervisor,
)
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry
from zhiku.experts.choices import OrgType, Status
from zhiku.experts.tests.factories import make_expert

NOW = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)  # 10:00 in Guangzhou
WITNESS = "20260506"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, catalogues: None) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def op() -> Any:
    return operator()


@pytest.fixture
def sv() -> Any:
    return supervisor()


def checked(draw: Draw) -> dict[str, Any]:
    """The draw's record, as JSON would carry it, after the checker found no mismatch."""
    draw.refresh_from_db()
    record = json.loads(json.dumps(draw_record(draw), ensure_ascii=False))
    bad, _notes = verify.check(record)
    assert bad == []
    return record


def answer(op: Any, draw: Draw, **outcomes: tuple[str, str]) -> None:
    """Answer invitations by rank in the latest round: answer(op, draw, r1=("declined", "出差"))
    declines (时间冲突, the words as the expert's note), ("confirmed", "") accepts, and
    ("no_answer", "") lets the deadline pass."""
    latest = draw.rounds.order_by("-number").first()
    assert latest is not None
    for key, (outcome, note) in outcomes.items():
        candidate = Candidate.objects.get(round=latest, rank=int(key[1:]))
        if outcome == Outcome.CONFIRMED:
            accept(candidate)
        elif outcome == Outcome.DECLINED:
            decline(candidate, reason="schedule" if note.strip() else "other", note=note)
        else:
            Invitation.objects.filter(candidate=candidate).update(
                deadline=NOW.date() - dt.timedelta(days=1)
            )
            services.invitations_lapse(now=NOW)


def confirm_rest(op: Any, draw: Draw) -> None:
    for c in draw.candidates.filter(outcome=Outcome.PENDING):
        accept(c)


# --- opening -------------------------------------------------------------------------------------


def test_opening_freezes_the_labels_and_commits_before_any_randomness(op: Any, sv: Any) -> None:
    experts = [make_expert() for _ in range(6)]
    recused = make_expert(organisation="广东省市场监督管理局")
    activity = make_activity(op)

    draw = open_draw(op, activity, sv, places=3)

    assert draw.status == DrawStatus.OPENED
    assert draw.code == f"CQ-2026-{draw.pk:04d}"
    assert draw.labels == {"all": sorted(str(e.pool_number) for e in experts)}
    assert draw.label_count == 6
    assert draw.rounds.count() == 0 and draw.randomness == ""
    (exclusion,) = Exclusion.objects.filter(draw=draw)
    assert (exclusion.expert, exclusion.reasons) == (recused, [Reason.WORKS_FOR])
    entry = AuditEntry.objects.get(action="activities.draw.opened")
    assert entry.data["commitment"] == draw.commitment
    assert entry.data["labels_hash"] == draw.labels_hash
    assert entry.data["n"] == services.CHAIN_LENGTH
    assert entry.data["sources"] == [{"kind": "witness", "name": "监督人见证值"}]
    record = checked(draw)
    assert record["one_time_code"]["secret"] is None
    assert record["rounds"] == []


def test_only_one_draw_of_an_activity_is_under_way(op: Any, sv: Any) -> None:
    make_expert()
    activity = make_activity(op, experts_needed=1)
    first = open_draw(op, activity, sv)

    with pytest.raises(DrawError, match=f"本活动的抽取 {first.code} 尚未结束"):
        open_draw(op, activity, sv)


def test_a_pool_with_nobody_eligible_is_refused_plainly(op: Any, sv: Any) -> None:
    make_expert(organisation="广东省市场监督管理局")
    activity = make_activity(op)

    with pytest.raises(DrawError, match="没有符合条件且无需回避的专家（符合条件 1 人"):
        open_draw(op, activity, sv)
    assert not Draw.objects.exists()


def test_the_supervisor_must_be_a_supervisor_and_a_past_lottery_is_refused(
    op: Any, sv: Any
) -> None:
    make_expert()
    activity = make_activity(op, experts_needed=1)

    with pytest.raises(DrawError, match="请选择一位在职的监督人"):
        open_draw(op, activity, op)
    with pytest.raises(DrawError, match="开奖日期 2026-05-05 已过"):
        open_draw(
            op, activity, sv, lottery_name="双色球第 2026050 期", lottery_date=dt.date(2026, 5, 5)
        )


def test_strata_places_must_add_up(op: Any, sv: Any) -> None:
    make_expert()
    activity = make_activity(op, experts_needed=3)

    with pytest.raises(DrawError, match="各层名额之和（2）须等于抽取人数（3）"):
        open_draw(op, activity, sv, places=3, strata={OrgType.UNIVERSITY: 2})


# --- the witness value and round 1 ---------------------------------------------------------------


def test_the_supervisors_witness_value_draws_exactly_as_many_as_places(op: Any, sv: Any) -> None:
    for _ in range(8):
        make_expert()
    activity = make_activity(op)
    draw = open_draw(op, activity, sv, places=3)

    services.draw_witness(actor=sv, draw=draw, value="2026 0506")

    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    assert draw.witness_value == WITNESS
    assert draw.randomness == "20260506./"
    (rnd,) = draw.rounds.all()
    assert rnd.one_time_code == verify.hash_times(bytes.fromhex(services_secret(draw)), 99).hex()
    assert rnd.candidates.count() == 3 and rnd.unfilled == {"all": 0}
    kinds = list(draw.changes.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == [DrawChange.Kind.OPENED, DrawChange.Kind.WITNESSED, DrawChange.Kind.ROUND]
    witnessed = draw.changes.get(kind=DrawChange.Kind.WITNESSED)
    assert witnessed.actor == sv
    checked(draw)


def services_secret(draw: Draw) -> str:
    from zhiku.experts import crypto

    return crypto.decrypt(draw.secret_token)


def test_only_the_named_supervisor_types_the_witness_value_once(op: Any, sv: Any) -> None:
    make_expert()
    draw = open_draw(op, make_activity(op, experts_needed=1), sv)
    other = supervisor("other-witness")

    with pytest.raises(AccessDenied, match="只有其本人可以录入见证值"):
        services.draw_witness(actor=other, draw=draw, value=WITNESS)
    with pytest.raises(AccessDenied):
        services.draw_witness(actor=op, draw=draw, value=WITNESS)
    with pytest.raises(DrawError, match="见证值须为 6 至 30 位数字"):
        services.draw_witness(actor=sv, draw=draw, value="12ab")
    services.draw_witness(actor=sv, draw=draw, value=WITNESS)
    with pytest.raises(DrawError, match="当前状态为“已抽取”，不能录入见证值"):
        services.draw_witness(actor=sv, draw=draw, value="99999999")


def test_fewer_eligible_than_places_takes_all_and_says_how_many_stay_unfilled(
    op: Any, sv: Any
) -> None:
    make_expert()
    make_expert()
    draw = open_draw(op, make_activity(op, experts_needed=5), sv, places=5)

    services.draw_witness(actor=sv, draw=draw, value=WITNESS)

    (rnd,) = draw.rounds.all()
    assert rnd.candidates.count() == 2
    assert rnd.unfilled == {"all": 3}
    checked(draw)


def test_strata_take_exactly_their_places(op: Any, sv: Any) -> None:
    for _ in range(4):
        make_expert(org_type=OrgType.UNIVERSITY)
    for _ in range(5):
        make_expert(org_type=OrgType.ENTERPRISE, organisation="格力电器股份有限公司")
    draw = open_draw(
        op,
        make_activity(op, experts_needed=5),
        sv,
        places=5,
        strata={OrgType.UNIVERSITY: 2, OrgType.ENTERPRISE: 3},
    )

    services.draw_witness(actor=sv, draw=draw, value=WITNESS)

    strata = list(draw.candidates.values_list("stratum", flat=True))
    assert sorted(strata) == ["enterprise"] * 3 + ["university"] * 2
    record = checked(draw)
    assert [s["key"] for s in record["strata"]] == ["university", "enterprise"]


def test_an_announced_lottery_waits_for_its_result(op: Any, sv: Any, time_machine: Any) -> None:
    for _ in range(5):
        make_expert()
    draw = open_draw(
        op,
        make_activity(op, experts_needed=2),
        sv,
        places=2,
        lottery_name="中国福利彩票双色球第 2026051 期（红球 + 蓝球）",
        lottery_date=dt.date(2026, 5, 7),
    )
    services.draw_witness(actor=sv, draw=draw, value=WITNESS)
    draw.refresh_from_db()
    assert draw.status == DrawStatus.OPENED and not draw.rounds.exists()
    with pytest.raises(DrawError, match="开奖日期为 2026-05-07，尚未开奖"):
        services.draw_lottery_enter(actor=op, draw=draw, value="3 7 12 19 25 31 + 8")

    time_machine.move_to(dt.datetime(2026, 5, 7, 14, 0, tzinfo=dt.UTC), tick=False)
    with pytest.raises(DrawError, match="号码之间用空格分隔"):
        services.draw_lottery_enter(actor=op, draw=draw, value="+")
    services.draw_lottery_enter(actor=op, draw=draw, value="03 07 12 19 25 31 + 08")

    draw.refresh_from_db()
    assert draw.randomness == "20260506./3.7.12.19.25.31./8./"
    assert draw.candidates.count() == 2
    record = checked(draw)
    assert [s["kind"] for s in record["randomness"]["sources"]] == ["witness", "lottery"]


# --- top-up rounds -------------------------------------------------------------------------------


def drawn(op: Any, sv: Any, *, experts: int = 8, places: int = 3) -> Draw:
    for _ in range(experts):
        make_expert()
    draw = open_draw(op, make_activity(op, experts_needed=places), sv, places=places)
    services.draw_witness(actor=sv, draw=draw, value=WITNESS)
    draw.refresh_from_db()
    return draw


def test_a_top_up_notes_who_left_and_why_and_takes_exactly_the_shortfall(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    first = list(draw.candidates.order_by("rank"))
    answer(op, draw, r1=(Outcome.DECLINED, "与评审日期冲突"), r2=(Outcome.NO_ANSWER, ""))
    confirm_rest(op, draw)

    rnd = services.draw_topup(actor=op, draw=draw, expected_round=2)

    assert rnd.number == 2
    assert rnd.confirmed == [first[2].label]
    # The category goes into the public record; the expert's own words stay on the invitation.
    assert rnd.left == [
        {
            "label": first[0].label,
            "outcome": "declined",
            "reason": "时间冲突",
            "answered_by": "expert",
        },
        {
            "label": first[1].label,
            "outcome": "no_answer",
            "reason": "未在答复期限内答复",
            "answered_by": "deadline",
        },
    ]
    assert rnd.shortfall == {"all": 2}
    new = list(rnd.candidates.values_list("label", flat=True))
    assert len(new) == 2 and not set(new) & {c.label for c in first}
    assert (
        verify.sha256(bytes.fromhex(rnd.one_time_code)).hex()
        == draw.rounds.get(number=1).one_time_code
    )
    checked(draw)


def test_a_top_up_waits_for_every_answer(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    answer(op, draw, r1=(Outcome.DECLINED, "出差"))

    with pytest.raises(DrawError, match=r"仍有 2 位候选专家尚未答复邀请"):
        services.draw_topup(actor=op, draw=draw, expected_round=2)


def test_declining_for_another_reason_needs_a_word_of_explanation(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)

    with pytest.raises(InvitationError, match="请简要说明原因"):
        answer(op, draw, r1=(Outcome.DECLINED, "  "))


def test_no_top_up_when_filled(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    confirm_rest(op, draw)

    with pytest.raises(DrawError, match="无需补充抽取"):
        services.draw_topup(actor=op, draw=draw, expected_round=2)


def test_the_same_round_twice_is_refused_and_names_who_drew_it(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    answer(op, draw, r1=(Outcome.DECLINED, "出差"))
    confirm_rest(op, draw)
    services.draw_topup(actor=op, draw=draw, expected_round=2)
    colleague = operator("colleague")

    with pytest.raises(DrawError, match=f"第 2 轮已由 {op.full_name} 于 2026-05-06 10:00 抽取"):
        services.draw_topup(actor=colleague, draw=draw, expected_round=2)
    assert draw.rounds.count() == 2


def test_rounds_continue_until_the_pool_is_exhausted_which_is_said_plainly(
    op: Any, sv: Any
) -> None:
    draw = drawn(op, sv, experts=4, places=2)
    answer(op, draw, r1=(Outcome.DECLINED, "出差"), r2=(Outcome.DECLINED, "出差"))
    round2 = services.draw_topup(actor=op, draw=draw, expected_round=2)
    assert round2.candidates.count() == 2
    answer(op, draw, r1=(Outcome.CONFIRMED, ""), r2=(Outcome.NO_ANSWER, ""))

    with pytest.raises(DrawError, match="候选池已用尽：尚缺 1 人"):
        services.draw_topup(actor=op, draw=draw, expected_round=3)
    checked(draw)


def test_a_round_takes_what_is_left_and_names_the_unfilled_places(op: Any, sv: Any) -> None:
    draw = drawn(op, sv, experts=4, places=3)
    answer(op, draw, r1=(Outcome.DECLINED, "出差"), r2=(Outcome.DECLINED, "出差"))
    confirm_rest(op, draw)

    rnd = services.draw_topup(actor=op, draw=draw, expected_round=2)

    assert rnd.candidates.count() == 1
    assert rnd.unfilled == {"all": 1}
    checked(draw)


def test_an_expert_suspended_after_the_freeze_is_skipped_and_noted(op: Any, sv: Any) -> None:
    draw = drawn(op, sv, experts=6, places=2)
    answer(op, draw, r1=(Outcome.DECLINED, "出差"))
    confirm_rest(op, draw)
    drawn_labels = set(draw.candidates.values_list("label", flat=True))
    others = [label for label in draw.labels["all"] if label not in drawn_labels]
    Expert = make_expert().__class__
    Expert.objects.filter(pool_number__in=others[:2]).update(status=Status.SUSPENDED)

    rnd = services.draw_topup(actor=op, draw=draw, expected_round=2)

    assert rnd.disqualified == [
        {"label": others[0], "reasons": [Reason.SUSPENDED]},
        {"label": others[1], "reasons": [Reason.SUSPENDED]},
    ]
    assert rnd.candidates.get().label not in others[:2]
    checked(draw)


def test_a_decline_a_later_round_relied_on_cannot_become_an_acceptance(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    answer(op, draw, r1=(Outcome.DECLINED, "出差"))
    confirm_rest(op, draw)
    services.draw_topup(actor=op, draw=draw, expected_round=2)
    first = draw.candidates.get(round__number=1, rank=1)

    with pytest.raises(InvitationError, match="当前状态为“已拒绝”，不能再答复"):
        accept(first)


# --- cancellation, closing, publication ----------------------------------------------------------


def test_a_cancellation_needs_a_reason_and_stays_on_record(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)

    with pytest.raises(DrawError, match="请填写取消原因"):
        services.draw_cancel(actor=op, draw=draw, reason=" ")
    services.draw_cancel(actor=op, draw=draw, reason="委托单位调整了评估范围")

    draw.refresh_from_db()
    assert (draw.status, draw.cancel_reason) == (DrawStatus.CANCELLED, "委托单位调整了评估范围")
    again = open_draw(op, draw.activity, sv)
    assert again.code != draw.code
    record = checked(draw)
    assert record["cancellation"]["reason"] == "委托单位调整了评估范围"


def test_an_activity_closes_only_when_no_draw_awaits_randomness(op: Any, sv: Any) -> None:
    make_expert()
    activity = make_activity(op, experts_needed=1)
    waiting = open_draw(op, activity, sv)

    with pytest.raises(ActivityError, match=f"抽取 {waiting.code} 尚在等待随机数"):
        services.activity_close(actor=op, activity=activity)


def test_closing_completes_the_draw_and_reveals_the_secret(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    answer(op, draw, r1=(Outcome.DECLINED, "出差"))
    confirm_rest(op, draw)
    services.draw_topup(actor=op, draw=draw, expected_round=2)
    confirm_rest(op, draw)

    services.activity_close(actor=op, activity=draw.activity, reason="评估完成")

    draw.refresh_from_db()
    assert draw.activity.status == ActivityStatus.CLOSED
    assert draw.status == DrawStatus.COMPLETED
    assert verify.hash_times(bytes.fromhex(draw.secret), draw.chain_length).hex() == draw.commitment
    record = checked(draw)
    assert record["one_time_code"]["secret"] == draw.secret
    assert [r["round"] for r in record["rounds"]] == [1, 2]


def test_the_record_is_published_only_after_the_activity_ends(op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    with pytest.raises(DrawError, match="活动结束、秘密值公开后才能公布"):
        services.draw_publish(actor=op, draw=draw)
    confirm_rest(op, draw)
    services.activity_close(actor=op, activity=draw.activity)

    services.draw_publish(actor=op, draw=draw)

    draw.refresh_from_db()
    assert draw.published_at == NOW
    with pytest.raises(DrawError, match="已于 2026-05-06 10:00 公布"):
        services.draw_publish(actor=op, draw=draw)


def test_draw_steps_need_the_draw_right(make_user: Any, op: Any, sv: Any) -> None:
    draw = drawn(op, sv)
    plain = make_user("staff", username="plain")

    with pytest.raises(AccessDenied, match="组织随机抽取"):
        services.draw_cancel(actor=plain, draw=draw, reason="x")
    with pytest.raises(AccessDenied):
        services.draw_topup(actor=plain, draw=draw, expected_round=2)


def test_an_activity_under_a_draw_keeps_its_dates_and_organisations(op: Any, sv: Any) -> None:
    make_expert()
    activity = make_activity(op, experts_needed=1)
    draw = open_draw(op, activity, sv)
    data = services.ActivityData(
        kind=activity.kind,
        title="改了名称",
        start_date=activity.start_date,
        end_date=activity.end_date,
        place=activity.place,
        experts_needed=1,
        commissioning_units=["广东省市场监督管理局"],
        assessed_units=["新加的被评单位"],
    )

    with pytest.raises(ActivityError, match=f"抽取 {draw.code} 正在进行"):
        services.activity_update(actor=op, activity=activity, data=data)
    data.assessed_units = []
    services.activity_update(actor=op, activity=activity, data=data)
    activity.refresh_from_db()
    assert activity.title == "改了名称"


def test_conditions_and_counts_travel_in_the_record(op: Any, sv: Any) -> None:
    from zhiku.experts.models import ExpertiseField

    make_expert(primary=ExpertiseField.objects.get(code="01.01"))
    make_expert(primary=ExpertiseField.objects.get(code="05.01"))
    draw = open_draw(
        op,
        make_activity(op, experts_needed=1),
        sv,
        conditions=Conditions(fields=("01",), out_of_province=False),
    )

    record = checked(draw)

    assert record["conditions"]["fields"] == ["01"]
    assert record["conditions"]["text"] == [
        "专业领域：01 质量管理（具备其中任一领域）",
        "省外专家：不抽取",
    ]
    assert record["excluded"] == {"not_meeting_conditions": 1, "reasons": {}}
    assert record["label_count"] == 1

"""Demonstration activities and draws for `manage.py demo_seed`:

- a closed award review whose draw invited its candidates: one declined (专业不熟悉), one
  accepted by telephone (recorded by staff, marked so), the others through their links; a top-up
  round invited the shortfall; attendance (one absent without leave), opinions and fees; its
  record published;
- a seminar (座谈研讨) whose experts were designated by one member of staff and approved by
  another, answered (the demo expert 郑博文 in the expert area), attended, were paid, and whose
  recommendations are recorded;
- an open research activity whose draw waits for the supervisor, with a designation waiting
  for approval;
- a coming seminar whose approved designation has invited 郑博文, who has yet to answer.

Safe to run twice (activities are found by title). Fixed past dates, as the draws' are.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from decimal import Decimal

from django.utils import timezone

from zhiku.accounts.models import User
from zhiku.activities import pool as pools
from zhiku.activities import services
from zhiku.activities.choices import (
    ActivityKind,
    AnsweredVia,
    AttendanceStatus,
    DeclineReason,
    DesignationReason,
    InvitationStatus,
    Outcome,
)
from zhiku.activities.errors import DrawError
from zhiku.activities.models import Activity, Candidate, Invitation
from zhiku.activities.pool import Conditions
from zhiku.activities.services.links import link_token
from zhiku.core.errors import DomainError
from zhiku.experts.choices import OrgType, Status, TitleLevel
from zhiku.experts.models import Expert

CLOSED_TITLE = "2026 年广东省政府质量奖现场评审（第一批）"
OPEN_TITLE = "广东制造业质量竞争力评估课题研究"
SEMINAR_TITLE = "2026 年广东省质量发展形势座谈研讨会"
COMING_TITLE = "广东省质量强省建设规划座谈会"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _by_link(invitation: Invitation, now: dt.datetime) -> None:
    services.invitation_accept(
        invitation=invitation,
        via=AnsweredVia.LINK,
        token=link_token(invitation),
        no_conflict=True,
        confidentiality=True,
        now=now,
    )


def _closed(staff: User, supervisor: User) -> Iterator[str]:
    activity = services.activity_create(
        actor=staff,
        data=services.ActivityData(
            kind=ActivityKind.AWARD_REVIEW,
            title=CLOSED_TITLE,
            start_date=dt.date(2026, 3, 16),
            end_date=dt.date(2026, 3, 17),
            place="佛山市顺德区",
            experts_needed=3,
            # Written as a person might: the recusal still finds 美的集团股份有限公司's experts.
            commissioning_units=["广东省市场监督管理局"],
            assessed_units=["美的集团 股份有限公司 "],
            staff=[staff],
        ),
    )
    opened = _at(dt.date(2026, 3, 2), 9, 30)
    draw = services.draw_open(
        actor=staff,
        activity=activity,
        setup=services.DrawSetup(
            places=3,
            conditions=Conditions(title_levels=(TitleLevel.SENIOR, TitleLevel.ASSOCIATE_SENIOR)),
            strata={},
            supervisor=supervisor,
        ),
        now=opened,
    )
    # The witness value draws round 1, and its candidates are invited at once.
    services.draw_witness(
        actor=supervisor, draw=draw, value="31415926", now=opened + dt.timedelta(minutes=12)
    )
    first = [c.invitation for c in Candidate.objects.filter(draw=draw).order_by("rank")]
    answered = opened + dt.timedelta(days=2)
    services.invitation_decline(
        invitation=first[0],
        via=AnsweredVia.LINK,
        token=link_token(first[0]),
        reason=DeclineReason.UNFAMILIAR,
        note="评审涉及的家电能效领域并非本人专业。",
        now=answered,
    )
    services.invitation_accept(
        invitation=first[1],
        via=AnsweredVia.STAFF,
        actor=staff,
        no_conflict=True,
        confidentiality=True,
        contact_note="2026-03-04 10:20 电话联系本人，专家口头接受并作出声明",
        now=answered,
    )
    for invitation in first[2:]:
        _by_link(invitation, answered)
    services.draw_topup(actor=staff, draw=draw, expected_round=2, now=opened + dt.timedelta(days=3))
    for candidate in Candidate.objects.filter(draw=draw, outcome=Outcome.PENDING):
        _by_link(candidate.invitation, opened + dt.timedelta(days=4))
    services.activity_close(actor=staff, activity=activity, reason="现场评审已完成")
    services.draw_publish(actor=staff, draw=draw)
    confirmed = list(
        Candidate.objects.filter(draw=draw, outcome=Outcome.CONFIRMED)
        .select_related("expert")
        .order_by("round__number", "rank")
    )
    for i, candidate in enumerate(confirmed):
        absent = i == len(confirmed) - 1
        services.attendance_record(
            actor=staff,
            activity=activity,
            expert=candidate.expert,
            status=AttendanceStatus.UNEXCUSED if absent else AttendanceStatus.ATTENDED,
            opinion=""
            if absent
            else "现场评审意见：质量管理体系运行有效，建议加强供应链质量追溯。",
        )
        if not absent:
            services.fee_record(
                actor=staff,
                activity=activity,
                expert=candidate.expert,
                amount=Decimal("2000.00"),
                paid_on=dt.date(2026, 3, 31),
                note="评审劳务费",
            )
    yield (
        f"演示活动：{CLOSED_TITLE}（已结束；抽取 {draw.code} 含补充抽取一轮，"
        "邀请与答复、出席与报酬已登记，记录已公布）。"
    )


def _free_experts(activity: Activity, first: Sequence[Expert], n: int) -> list[Expert]:
    """``first`` and then other active experts the activity's recusal lets serve, ``n`` in all."""
    recusal = services.recusal_for(activity, timezone.localdate())
    chosen: list[Expert] = []
    others = Expert.objects.filter(status=Status.ACTIVE).order_by("pool_number")
    for expert in [*first, *others]:
        if len(chosen) == n:
            break
        if expert in chosen:
            continue
        if not pools.recusal_of([expert.pk], recusal):
            chosen.append(expert)
    return chosen


def _seminar(staff: User, reviewer: User, zheng: Expert | None) -> Iterator[str]:
    activity = services.activity_create(
        actor=staff,
        data=services.ActivityData(
            kind=ActivityKind.SEMINAR,
            title=SEMINAR_TITLE,
            start_date=dt.date(2026, 4, 20),
            end_date=dt.date(2026, 4, 20),
            place="广州市越秀区",
            experts_needed=3,
            commissioning_units=["广东省质量发展促进会"],
            staff=[staff, reviewer],
        ),
    )
    experts = _free_experts(activity, [zheng] if zheng else [], 3)
    designation = services.designation_create(
        actor=reviewer,
        activity=activity,
        reason=DesignationReason.SEMINAR,
        justification="座谈研讨宏观质量形势与政策，邀请熟悉质量政策研究的专家参加（第五条第（三）项）。",
        experts=experts,
        now=_at(dt.date(2026, 4, 1), 10),
    )
    services.designation_approve(
        actor=staff, designation=designation, note="同意。", now=_at(dt.date(2026, 4, 2), 9)
    )
    for invitation in Invitation.objects.filter(activity=activity).select_related("expert"):
        expert_user = invitation.expert.user
        if expert_user is not None:
            services.invitation_accept(
                invitation=invitation,
                via=AnsweredVia.AREA,
                actor=expert_user,
                no_conflict=True,
                confidentiality=True,
                now=_at(dt.date(2026, 4, 3), 20),
            )
        else:
            _by_link(invitation, _at(dt.date(2026, 4, 3), 9))
    services.activity_close(actor=staff, activity=activity, reason="座谈会已召开")
    for expert in experts:
        services.attendance_record(
            actor=staff,
            activity=activity,
            expert=expert,
            status=AttendanceStatus.ATTENDED,
            opinion="建议建立全省质量基础设施“一站式”服务网络。",
        )
        services.fee_record(
            actor=staff,
            activity=activity,
            expert=expert,
            amount=Decimal("1500.00"),
            paid_on=dt.date(2026, 4, 30),
            note="座谈会咨询费",
        )
    services.recommendation_add(
        actor=staff,
        activity=activity,
        text="建议在各地市布局质量基础设施“一站式”服务站，服务中小企业。",
        experts=experts[:2],
    )
    services.recommendation_add(
        actor=staff,
        activity=activity,
        text="建议将质量发展指标纳入市县高质量发展考核。",
        experts=experts[2:],
    )
    yield f"演示活动：{SEMINAR_TITLE}（已结束；指定 {len(experts)} 位专家，已批准、出席、登记报酬与建议）。"


def _open(staff: User, supervisor: User, reviewer: User) -> Iterator[str]:
    start = timezone.localdate() + dt.timedelta(days=30)
    activity = services.activity_create(
        actor=staff,
        data=services.ActivityData(
            kind=ActivityKind.RESEARCH,
            title=OPEN_TITLE,
            start_date=start,
            end_date=start + dt.timedelta(days=2),
            place="广州市天河区",
            experts_needed=3,
            commissioning_units=["广东省质量发展促进会"],
            assessed_units=["广东省标准化研究院"],
            staff=[staff, reviewer],
        ),
    )
    try:
        draw = services.draw_open(
            actor=staff,
            activity=activity,
            setup=services.DrawSetup(
                places=3,
                conditions=Conditions(),
                strata={OrgType.UNIVERSITY: 1, OrgType.RESEARCH: 1, OrgType.ENTERPRISE: 1},
                supervisor=supervisor,
            ),
        )
    except DrawError as exc:
        yield f"演示活动：{OPEN_TITLE}（进行中；未能冻结名单：{exc}）"
        return
    yield f"演示活动：{OPEN_TITLE}（进行中；抽取 {draw.code} 等待监督人录入见证值）。"


def _coming(staff: User, reviewer: User, zheng: Expert | None) -> Iterator[str]:
    start = timezone.localdate() + dt.timedelta(days=20)
    activity = services.activity_create(
        actor=staff,
        data=services.ActivityData(
            kind=ActivityKind.SEMINAR,
            title=COMING_TITLE,
            start_date=start,
            end_date=start,
            place="广州市越秀区",
            experts_needed=3,
            commissioning_units=["广东省质量发展促进会"],
            staff=[staff, reviewer],
        ),
    )
    experts = _free_experts(activity, [zheng] if zheng else [], 3)
    designation = services.designation_create(
        actor=reviewer,
        activity=activity,
        reason=DesignationReason.SEMINAR,
        justification="规划座谈需要参与过质量强省规划编制的专家（第五条第（三）项）。",
        experts=experts[:2],
    )
    services.designation_approve(actor=staff, designation=designation)
    sent = Invitation.objects.filter(activity=activity, status=InvitationStatus.SENT).count()
    if sent:
        yield f"演示活动：{COMING_TITLE}（进行中；{sent} 份邀请待答复，郑博文可在专家个人空间答复）。"
    else:
        yield f"演示活动：{COMING_TITLE}（进行中；指定已批准，邀请未能自动发出：请先录入工作日历）。"
    try:
        services.designation_create(
            actor=reviewer,
            activity=activity,
            reason=DesignationReason.SEMINAR,
            justification="增邀一位熟悉标准化工作的专家参加规划座谈（第五条第（三）项）。",
            experts=experts[2:],
        )
    except DomainError as exc:
        yield f"  补充指定未能提出：{exc}"
        return
    yield "  另有一项指定等待批准（reviewer 提出，须由 staff 批准）。"


def seed_activities(rng: random.Random) -> Iterator[str]:
    """Create the demonstration activities not yet present (as the demo staff member)."""
    staff = User.objects.filter(username="staff").first()
    supervisor = User.objects.filter(username="supervisor").first()
    reviewer = User.objects.filter(username="reviewer").first()
    if staff is None or supervisor is None or reviewer is None:
        yield "演示活动：缺少演示账户 staff、reviewer 或 supervisor，未生成。"
        return
    zheng = Expert.objects.filter(user__username="expert", status=Status.ACTIVE).first()
    if not Activity.objects.filter(title=CLOSED_TITLE).exists():
        yield from _closed(staff, supervisor)
    if not Activity.objects.filter(title=SEMINAR_TITLE).exists():
        yield from _seminar(staff, reviewer, zheng)
    if not Activity.objects.filter(title=OPEN_TITLE).exists():
        yield from _open(staff, supervisor, reviewer)
    if not Activity.objects.filter(title=COMING_TITLE).exists():
        yield from _coming(staff, reviewer, zheng)

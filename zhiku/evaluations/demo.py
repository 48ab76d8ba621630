"""Demonstration training, evaluations and an assessment for `manage.py demo_seed`:

- a year of activities: six more drawn through the activities app's own steps across 2026
  (acceptance, assessment, planning, technical review, evaluation, research), each closed with
  attendance and fees, beside the activities demo's award review and seminar;
- every expert who attended is scored on the four dimensions (one expert poorly every time, so
  the 不合格 exit review shows on the dashboard);
- three training sessions: two held (attendance recorded, a handout), one to come (the demo
  expert 郑博文 invited, a handout to read);
- the 2026 yearly assessment, graded by the thresholds (one grade given with remarks) and
  confirmed.

Fixed dates in 2026, as the activities demo's are; an activity whose day has not come when the
demo is seeded is left out. Safe to run twice (found by title).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone

from zhiku.accounts.models import User
from zhiku.activities import services as activities
from zhiku.activities.choices import ActivityKind, AnsweredVia, AttendanceStatus, Outcome
from zhiku.activities.models import Activity, Attendance, Candidate
from zhiku.activities.pool import Conditions
from zhiku.activities.services.links import link_token
from zhiku.core.documents import render_pdf
from zhiku.core.errors import DomainError
from zhiku.evaluations import services
from zhiku.evaluations.choices import DIMENSIONS, Grade, TrainingAttendance, TrainingStatus
from zhiku.evaluations.models import Assessment, AssessmentResult, Evaluation, TrainingSession
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
YEAR = 2026
ASSESSMENT_TITLE = "2026 年度专家考核"
# (kind, title, start, place, commissioning unit)
ACTIVITIES = [
    (
        ActivityKind.ACCEPTANCE,
        "2026 年广东省标准化试点项目验收",
        dt.date(2026, 1, 20),
        "广州市黄埔区",
        "广东省市场监督管理局",
    ),
    (
        ActivityKind.ASSESSMENT,
        "珠三角计量检测机构能力评估",
        dt.date(2026, 2, 24),
        "东莞市南城街道",
        "广东省计量科学研究院",
    ),
    (
        ActivityKind.PLANNING,
        "广东省质量强省建设“十五五”规划咨询",
        dt.date(2026, 5, 12),
        "广州市越秀区",
        "广东省质量发展促进会",
    ),
    (
        ActivityKind.TECHNICAL_REVIEW,
        "粤港澳大湾区认证认可技术规范审定",
        dt.date(2026, 7, 8),
        "深圳市福田区",
        "广东省市场监督管理局",
    ),
    (
        ActivityKind.EVALUATION,
        "2026 年广东省消费品质量安全风险评价",
        dt.date(2026, 9, 15),
        "佛山市顺德区",
        "广东省质量发展促进会",
    ),
    (
        ActivityKind.RESEARCH,
        "中小企业质量管理能力提升课题研究",
        dt.date(2026, 10, 20),
        "广州市天河区",
        "广东省质量发展促进会",
    ),
]
COMMENTS = [
    "准备充分，意见具体可行。",
    "现场核查细致，结论有据。",
    "对标准条款把握准确。",
    "书面意见条理清楚。",
    "",
]
# (topic, title, date or None for "two weeks from the day seeded", place, description)
TRAININGS = [
    (
        "law",
        "《中华人民共和国产品质量法》与质量违法行为认定",
        dt.date(2026, 3, 5),
        "广州市越秀区东风中路 305 号",
        "讲解产品质量法的主要条款、近年修订动向和执法案例，规范专家在评估、评审中的履责行为。",
    ),
    (
        "policy",
        "质量强省建设政策解读",
        dt.date(2026, 6, 18),
        "广州市越秀区东风中路 305 号",
        "解读质量强国建设纲要及广东省实施意见，介绍质量发展指标体系。",
    ),
    (
        "technical",
        "质量管理体系审核指南（GB/T 19011）要点",
        None,
        "",
        "线上讲座：审核方案管理、审核实施与审核员能力要求。",
    ),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _activity(
    staff: User, supervisor: User, kind: str, title: str, start: dt.date, place: str, unit: str
) -> Activity:
    """An activity drawn, answered by link, closed, attended (one excused now and then), paid."""
    activity = activities.activity_create(
        actor=staff,
        data=activities.ActivityData(
            kind=kind,
            title=title,
            start_date=start,
            end_date=start,
            place=place,
            experts_needed=3,
            commissioning_units=[unit],
            staff=[staff],
        ),
    )
    opened = _at(start - dt.timedelta(days=14), 9, 30)
    draw = activities.draw_open(
        actor=staff,
        activity=activity,
        setup=activities.DrawSetup(
            places=3, conditions=Conditions(), strata={}, supervisor=supervisor
        ),
        now=opened,
    )
    activities.draw_witness(
        actor=supervisor,
        draw=draw,
        value=f"{start:%m%d}{len(title):04d}",
        now=opened + dt.timedelta(minutes=10),
    )
    for candidate in Candidate.objects.filter(draw=draw).select_related("invitation"):
        invitation = candidate.invitation
        activities.invitation_accept(
            invitation=invitation,
            via=AnsweredVia.LINK,
            token=link_token(invitation),
            no_conflict=True,
            confidentiality=True,
            now=opened + dt.timedelta(days=1),
        )
    activities.activity_close(actor=staff, activity=activity, reason="活动已完成")
    confirmed = Candidate.objects.filter(draw=draw, outcome=Outcome.CONFIRMED).select_related(
        "expert"
    )
    for i, candidate in enumerate(confirmed.order_by("rank")):
        excused = i == 2 and kind == ActivityKind.PLANNING
        activities.attendance_record(
            actor=staff,
            activity=activity,
            expert=candidate.expert,
            status=AttendanceStatus.EXCUSED if excused else AttendanceStatus.ATTENDED,
            opinion="" if excused else "意见已按时提交，载入活动报告。",
        )
        if not excused:
            activities.fee_record(
                actor=staff,
                activity=activity,
                expert=candidate.expert,
                amount=Decimal("1800.00"),
                paid_on=start + dt.timedelta(days=14),
                note="专家劳务费",
            )
    return activity


def _poor_expert() -> Expert | None:
    """The expert the demo scores poorly: the first attending one who is not the demo account."""
    attended = (
        Attendance.objects.filter(
            status=AttendanceStatus.ATTENDED,
            activity__start_date__year=YEAR,
            expert__status=Status.ACTIVE,
            expert__user__isnull=True,
        )
        .order_by("activity__start_date", "expert__pool_number")
        .select_related("expert")
        .first()
    )
    return attended.expert if attended else None


def _score_all(staff: User, rng: random.Random, poor: Expert | None) -> int:
    """Score every attendance of the year not yet scored, by one of the activity's staff."""
    done = 0
    scored = set(Evaluation.objects.values_list("activity_id", "expert_id"))
    rows = (
        Attendance.objects.filter(status=AttendanceStatus.ATTENDED, activity__start_date__year=YEAR)
        .select_related("activity", "expert")
        .order_by("activity__start_date", "expert__pool_number")
    )
    for row in rows:
        if (row.activity_id, row.expert_id) in scored:
            continue
        actor = row.activity.staff.order_by("pk").first() or staff
        if poor is not None and row.expert_id == poor.pk:
            scores = dict(zip(DIMENSIONS, (2, 2, 3, 1), strict=True))
            comment = "多次迟交书面意见，现场核查流于形式。"
        else:
            scores = {d: rng.choice((3, 4, 4, 4, 5, 5)) for d in DIMENSIONS}
            comment = rng.choice(COMMENTS)
        services.evaluation_record(
            actor=actor,
            activity=row.activity,
            expert=row.expert,
            scores=scores,
            comment=comment,
            now=_at(row.activity.start_date + dt.timedelta(days=3), 16),
        )
        done += 1
    return done


def _handout(title: str, text: str) -> bytes:
    return render_pdf("evaluations/documents/training_handout.html", {"title": title, "text": text})


def _trainings(staff: User, rng: random.Random, today: dt.date) -> Iterator[str]:
    pool = list(Expert.objects.filter(status=Status.ACTIVE).order_by("pool_number"))
    zheng = Expert.objects.filter(user__username="expert", status=Status.ACTIVE).first()
    for topic, title, day, place, text in TRAININGS:
        if TrainingSession.objects.filter(title=title).exists():
            continue
        held = day is not None
        date = day or today + dt.timedelta(days=14)
        if held and date > today:
            continue
        created = _at(date - dt.timedelta(days=20), 10) if held else timezone.now()
        data = services.TrainingData(
            topic=topic,
            title=title,
            date=date,
            place=place,
            online_link="" if place else "https://meeting.example.org/zhiku-gbt19011",
            start_time=dt.time(9, 30),
            end_time=dt.time(11, 30),
            description=text,
        )
        session = services.training_create(actor=staff, data=data, now=created)
        invited = (
            pool if held else [e for e in pool[:12] if e != zheng] + ([zheng] if zheng else [])
        )
        services.training_invite(actor=staff, session=session, experts=invited, now=created)
        services.material_add(
            actor=staff,
            session=session,
            name=f"{title.replace('/', '／')}（讲义）.pdf",
            content=_handout(title, text),
            description="讲义",
        )
        if held:
            marks = {}
            for e in invited:
                draw = rng.random()
                marks[e.pk] = (
                    TrainingAttendance.ATTENDED
                    if draw < 0.75 or e == zheng
                    else TrainingAttendance.EXCUSED
                    if draw < 0.9
                    else TrainingAttendance.ABSENT
                )
            services.training_attendance_record(
                actor=staff, session=session, marks=marks, now=_at(date, 12)
            )
        state = TrainingStatus.HELD.label if held else TrainingStatus.SCHEDULED.label
        yield f"演示培训：{title}（{date.isoformat()}，{state}，邀请 {len(invited)} 位专家）。"


def _assessment(staff: User) -> Iterator[str]:
    if Assessment.objects.filter(title=ASSESSMENT_TITLE).exists():
        return
    assessment = services.assessment_run(
        actor=staff,
        title=ASSESSMENT_TITLE,
        period_start=dt.date(YEAR, 1, 1),
        period_end=dt.date(YEAR, 12, 31),
    )
    best = (
        AssessmentResult.objects.filter(assessment=assessment, suggested_grade=Grade.PASS)
        .order_by("-overall", "expert__pool_number")
        .first()
    )
    if best is not None:
        services.result_grade(
            actor=staff,
            result=best,
            grade=Grade.EXCELLENT,
            remarks="全年参加多项评估与验收，书面意见质量高，评为优秀。",
        )
    accepted = services.assessment_grades_accept(actor=staff, assessment=assessment)
    services.assessment_confirm(actor=staff, assessment=assessment)
    fail = assessment.results.filter(grade=Grade.FAIL).count()
    yield (
        f"演示考核：{ASSESSMENT_TITLE}（{assessment.results.count()} 位专家，"
        f"按分数线评定 {accepted} 位，已确认；不合格 {fail} 位待研究是否启动出库）。"
    )


def seed_evaluations(rng: random.Random) -> Iterator[str]:
    """A year of scored activities, training sessions and a confirmed yearly assessment."""
    staff = User.objects.filter(username="staff").first()
    supervisor = User.objects.filter(username="supervisor").first()
    if staff is None or supervisor is None:
        yield "演示培训与考核：缺少演示账户 staff 或 supervisor，未生成。"
        return
    today = timezone.localdate()
    made = 0
    for kind, title, start, place, unit in ACTIVITIES:
        if start >= today or Activity.objects.filter(title=title).exists():
            continue
        try:
            _activity(staff, supervisor, kind, title, start, place, unit)
        except DomainError as exc:
            yield f"演示活动：{title} 未能生成：{exc}"
            continue
        made += 1
    if made:
        yield f"演示活动：{YEAR} 年另有 {made} 项活动（随机抽取、出席、报酬已登记）。"
    scored = _score_all(staff, rng, _poor_expert())
    if scored:
        yield f"演示评价：为 {scored} 人次出席的专家打分（工作态度、专业水平、知识面、表达能力）。"
    yield from _trainings(staff, rng, today)
    if today.year >= YEAR:
        yield from _assessment(staff)

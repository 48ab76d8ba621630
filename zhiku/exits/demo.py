"""Demonstration exit cases for `manage.py demo_seed`, one in every step:

- raised by the system: an expert who accepted two past seminars and missed both without
  leave; the system's check (the deadline step) raises a ground-6 case and suspends them;
- raised by staff on ground 3 with a scanned letter as evidence (待核实; the expert suspended);
- a written request received by post, verified (待书面告知);
- a case on ground 8, told in writing (待公告);
- two experts announced as exited — one on their own request, one on ground 5 barred from
  applying again for the term the parameter gives;
- a case on ground 4 dropped after verification (the expert reinstated).

Dated the day it is seeded (the two seminars excepted, which are past). Safe to run twice:
nothing is added once a demonstration case exists.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator

from django.utils import timezone

from zhiku.accounts.models import User
from zhiku.activities import services as activities
from zhiku.activities.choices import (
    ActivityKind,
    AnsweredVia,
    AttendanceStatus,
    DesignationReason,
)
from zhiku.activities.models import Activity, Invitation
from zhiku.activities.services.links import link_token
from zhiku.core.errors import DomainError
from zhiku.exits import services
from zhiku.exits.choices import Ground
from zhiku.exits.models import ExitCase
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert

# Two past seminars one expert accepted and missed without leave (art. 8(6)).
SEMINARS = [
    ("2026 年广东省标准化工作座谈会（第一次）", dt.date(2026, 5, 19)),
    ("2026 年广东省标准化工作座谈会（第二次）", dt.date(2026, 6, 16)),
]
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _pdf(text: str) -> bytes:
    """A one-page PDF (the demo's stand-in for a scanned letter)."""
    stream = f"BT /F1 14 Tf 72 720 Td (Zhiku demo: {text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _absent_twice(staff: User, reviewer: User, expert: Expert) -> Iterator[str]:
    """Two past seminars the expert was designated to, accepted, and missed without leave."""
    for title, day in SEMINARS:
        if Activity.objects.filter(title=title).exists():
            continue
        activity = activities.activity_create(
            actor=staff,
            data=activities.ActivityData(
                kind=ActivityKind.SEMINAR,
                title=title,
                start_date=day,
                end_date=day,
                place="广州市天河区",
                experts_needed=1,
                commissioning_units=["广东省质量发展促进会"],
                staff=[staff, reviewer],
            ),
        )
        designation = activities.designation_create(
            actor=reviewer,
            activity=activity,
            reason=DesignationReason.SEMINAR,
            justification="座谈标准化工作，邀请熟悉标准制修订的专家参加（第五条第（三）项）。",
            experts=[expert],
            now=_at(day - dt.timedelta(days=13), 10),
        )
        activities.designation_approve(
            actor=staff,
            designation=designation,
            note="同意。",
            now=_at(day - dt.timedelta(days=12), 9),
        )
        for invitation in Invitation.objects.filter(activity=activity):
            activities.invitation_accept(
                invitation=invitation,
                via=AnsweredVia.LINK,
                token=link_token(invitation),
                no_conflict=True,
                confidentiality=True,
                now=_at(day - dt.timedelta(days=11), 9),
            )
        activities.activity_close(actor=staff, activity=activity, reason="座谈会已召开")
        activities.attendance_record(
            actor=staff, activity=activity, expert=expert, status=AttendanceStatus.UNEXCUSED
        )
        yield f"演示活动：{title}（已结束；{expert.name} 接受邀请后无故缺席）。"


def _free_experts(n: int) -> list[Expert]:
    """Active demonstration experts no activity has drawn, designated or invited."""
    return list(
        Expert.objects.filter(
            status=Status.ACTIVE,
            user__isnull=True,
            email__regex=r"^demo[0-9]+@example\.org$",
            invitations__isnull=True,
            draw_candidacies__isnull=True,
            designations__isnull=True,
        ).order_by("pool_number")[:n]
    )


def seed_exits(rng: random.Random) -> Iterator[str]:
    """Create the demonstration exit cases (as the demo staff members), unless there are some."""
    staff = User.objects.filter(username="staff").first()
    reviewer = User.objects.filter(username="reviewer").first()
    if staff is None or reviewer is None:
        yield "演示出库案件：缺少演示账户 staff 或 reviewer，未生成。"
        return
    if ExitCase.objects.exists():
        return
    experts = _free_experts(7)
    if len(experts) < 7:
        yield "演示出库案件：可用的在库演示专家不足 7 位，未生成。"
        return
    absent = experts.pop()
    try:
        yield from _absent_twice(staff, reviewer, absent)
    except DomainError as exc:
        yield f"演示活动：{SEMINARS[0][0]} 未能生成：{exc}"
    for line in services.exits_deadlines(timezone.now()):
        yield f"演示出库案件（系统立案）：{line}"
    conduct, letter, other, leaving, barred, dropped = experts
    try:
        yield from _cases(staff, reviewer, conduct, letter, other, leaving, barred, dropped)
    except DomainError as exc:
        yield f"演示出库案件未能全部生成：{exc}"


def _cases(
    staff: User,
    reviewer: User,
    conduct: Expert,
    letter: Expert,
    other: Expert,
    leaving: Expert,
    barred: Expert,
    dropped: Expert,
) -> Iterator[str]:
    raised = services.exit_case_raise(
        actor=staff,
        expert=conduct,
        ground=Ground.IRRESPONSIBLE,
        facts="委托单位来函反映：该专家在一次评价活动中未阅读申报材料即出具评审意见，意见与材料明显不符。",
        evidence=[("委托单位来函.pdf", _pdf("letter from the commissioning unit"))],
    )
    yield f"演示出库案件：{raised}（第八条第（三）项，待核实，专家已暂停）。"

    verified = services.exit_case_raise(
        actor=staff,
        expert=letter,
        ground=Ground.REQUEST,
        facts="本人来信：因工作调动至外省，书面申请不再担任智库专家（邮寄，已扫描存档）。",
        evidence=[("本人书面申请.pdf", _pdf("written request"))],
    )
    services.exit_case_verify(
        actor=reviewer,
        case=verified,
        checked="电话联系本人，确认来信为本人所写、申请出于自愿。",
        finding="本人书面申请属实，同意其退出智库。",
    )
    yield f"演示出库案件：{verified}（第八条第（二）项，已核实，待书面告知）。"

    notified = services.exit_case_raise(
        actor=staff,
        expert=other,
        ground=Ground.OTHER,
        facts="该专家已长期定居境外，近两年无法参加任何活动，多次联系未果。",
    )
    services.exit_case_verify(
        actor=reviewer,
        case=notified,
        checked="查阅近两年的邀请与答复记录，并向其工作单位人事部门核实。",
        finding="情况属实，已不适宜继续担任智库专家。",
    )
    services.exit_case_notify(actor=staff, case=notified)
    yield f"演示出库案件：{notified}（第八条第（八）项，已书面告知，待公告）。"

    request = services.exit_case_raise(
        actor=staff,
        expert=leaving,
        ground=Ground.REQUEST,
        facts="本人来信：已退休，不再从事质量工作，书面申请退出智库。",
    )
    misconduct = services.exit_case_raise(
        actor=staff,
        expert=barred,
        ground=Ground.CORRUPTION,
        facts="经举报：该专家在质量奖现场评审期间收受被评审单位赠送的购物卡。",
        evidence=[("举报材料.pdf", _pdf("report"))],
    )
    for case, checked, finding, bar in (
        (request, "与本人面谈确认。", "本人书面申请属实。", False),
        (
            misconduct,
            "调阅评审期间的记录，约谈本人及被评审单位，本人承认收受购物卡。",
            "收受被评审单位馈赠属实，违反第八条第（五）项。",
            True,
        ),
    ):
        services.exit_case_verify(
            actor=reviewer, case=case, checked=checked, finding=finding, bars_reapplication=bar
        )
        services.exit_case_notify(actor=staff, case=case)
    announcement = services.exit_cases_announce(actor=staff, cases=[request, misconduct])
    misconduct.refresh_from_db()
    yield (
        f"演示出库公告：{announcement.title}（{leaving.name}、{barred.name} 已出库，"
        f"后者 {misconduct.barred_until} 前不得重新申请入库）。"
    )

    drop = services.exit_case_raise(
        actor=staff,
        expert=dropped,
        ground=Ground.FAVOURS,
        facts="匿名来信反映：该专家为其亲属所在企业的评审提供便利。",
    )
    services.exit_case_drop(
        actor=reviewer,
        case=drop,
        reason="经核实，该专家未参加其亲属所在企业的任何评审，来信所述不属实。",
    )
    yield f"演示出库案件：{drop}（第八条第（四）项，经核实不属实，已撤销，专家恢复在库）。"

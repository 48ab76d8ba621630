"""Demonstration recruitment for `manage.py demo_seed`: an open call and a closed one, an
application in every state, a council round in progress, a notice running and one ended,
objections in every state, and experts admitted with their certificates. Safe to run twice."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from zhiku.accounts import services as accounts
from zhiku.accounts.models import Role, User
from zhiku.experts.choices import Education, Gender, OrgType, Region, TitleLevel
from zhiku.experts.identity import IdType, check_character
from zhiku.experts.models import ExpertiseField

DEMO_PASSWORD = "Zhiku-Demo-2026!"  # noqa: S105 - published demo credential, demo data only
OPEN_TITLE = "2026 年第二批广东省质量发展智库专家征集"
CLOSED_TITLE = "2026 年第一批广东省质量发展智库专家征集"

# username, name, gender, birth, organisation, org type, title, level, field, call, state
PEOPLE: list[tuple[Any, ...]] = [
    (
        "applicant1",
        "梁思齐",
        Gender.MALE,
        dt.date(1971, 5, 12),
        "广东省特种设备检测研究院",
        OrgType.PUBLIC_INSTITUTION,
        "教授级高级工程师",
        TitleLevel.SENIOR,
        "06.03",
        "open",
        "draft",
    ),
    (
        "applicant2",
        "罗晓岚",
        Gender.FEMALE,
        dt.date(1978, 9, 3),
        "华南理工大学",
        OrgType.UNIVERSITY,
        "教授",
        TitleLevel.SENIOR,
        "01.01",
        "open",
        "submitted",
    ),
    (
        "applicant3",
        "许文涛",
        Gender.MALE,
        dt.date(1980, 1, 21),
        "广州汽车集团股份有限公司",
        OrgType.ENTERPRISE,
        "高级工程师",
        TitleLevel.ASSOCIATE_SENIOR,
        "08.04",
        "open",
        "returned",
    ),
    (
        "applicant4",
        "叶嘉琪",
        Gender.FEMALE,
        dt.date(1984, 11, 30),
        "深圳市计量质量检测研究院",
        OrgType.PUBLIC_INSTITUTION,
        "工程师",
        TitleLevel.INTERMEDIATE,
        "03.01",
        "closed",
        "rejected",
    ),
    (
        "applicant5",
        "冯国华",
        Gender.MALE,
        dt.date(1966, 7, 8),
        "广东省质量协会",
        OrgType.SOCIAL_ORGANISATION,
        "高级经济师",
        TitleLevel.ASSOCIATE_SENIOR,
        "07.02",
        "closed",
        "passed",
    ),
    (
        "applicant6",
        "曾雅文",
        Gender.FEMALE,
        dt.date(1975, 3, 17),
        "中山大学",
        OrgType.UNIVERSITY,
        "教授",
        TitleLevel.SENIOR,
        "12.02",
        "closed",
        "deliberating",
    ),
    (
        "applicant7",
        "钟立明",
        Gender.MALE,
        dt.date(1969, 12, 2),
        "广东省标准化研究院",
        OrgType.RESEARCH,
        "研究员",
        TitleLevel.SENIOR,
        "02.01",
        "closed",
        "approved",
    ),
    (
        "applicant8",
        "苏慧敏",
        Gender.FEMALE,
        dt.date(1982, 6, 25),
        "美的集团股份有限公司",
        OrgType.ENTERPRISE,
        "高级工程师",
        TitleLevel.ASSOCIATE_SENIOR,
        "05.01",
        "closed",
        "not_approved",
    ),
    # Passed by the council at a meeting, then on a notice (ended, or running now).
    (
        "applicant9",
        "何志远",
        Gender.MALE,
        dt.date(1972, 8, 16),
        "华南理工大学",
        OrgType.UNIVERSITY,
        "教授",
        TitleLevel.SENIOR,
        "01.02",
        "closed",
        "ended_admitted",
    ),
    (
        "applicant10",
        "陈婉仪",
        Gender.FEMALE,
        dt.date(1979, 4, 9),
        "广州汽车集团股份有限公司",
        OrgType.ENTERPRISE,
        "高级工程师",
        TitleLevel.ASSOCIATE_SENIOR,
        "08.04",
        "closed",
        "ended_upheld",
    ),
    (
        "applicant11",
        "黄启明",
        Gender.MALE,
        dt.date(1968, 1, 27),
        "广东省计量科学研究院",
        OrgType.RESEARCH,
        "研究员",
        TitleLevel.SENIOR,
        "03.01",
        "closed",
        "ended_dismissed",
    ),
    (
        "applicant12",
        "林嘉欣",
        Gender.FEMALE,
        dt.date(1981, 10, 5),
        "深圳市标准技术研究院",
        OrgType.RESEARCH,
        "高级工程师",
        TitleLevel.ASSOCIATE_SENIOR,
        "02.01",
        "closed",
        "running_received",
    ),
    (
        "applicant13",
        "吴建华",
        Gender.MALE,
        dt.date(1970, 6, 30),
        "格力电器股份有限公司",
        OrgType.ENTERPRISE,
        "教授级高级工程师",
        TitleLevel.SENIOR,
        "05.01",
        "closed",
        "running_accepted",
    ),
]


# Where each organisation is (the rest are in Guangzhou).
REGIONS = {
    "深圳市计量质量检测研究院": Region.SHENZHEN,
    "美的集团股份有限公司": Region.FOSHAN,
    "深圳市标准技术研究院": Region.SHENZHEN,
    "格力电器股份有限公司": Region.ZHUHAI,
}
ON_NOTICE = ("ended_admitted", "ended_upheld", "ended_dismissed")
RUNNING = ("running_received", "running_accepted")


def _pdf(text: str) -> bytes:
    """A one-page PDF (the demo's stand-in for a scanned document)."""
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


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), (230, 236, 245)).save(out, format="PNG")
    return out.getvalue()


def _id_number(birth: dt.date, serial: int) -> str:
    first17 = f"440305{birth:%Y%m%d}{serial:03d}"
    return first17 + check_character(first17)


def _applicant(username: str, name: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    return accounts.applicant_account_register(
        username=username,
        full_name=name,
        email=f"{username}@demo.zhiku.local",
        password=DEMO_PASSWORD,
    )


def seed_recruitment(rng: random.Random) -> Iterator[str]:
    """Create the demo calls, applications and rounds unless they are there already."""
    from zhiku.recruitment import selectors, services
    from zhiku.recruitment.models import Application, Call

    if Call.objects.filter(title=OPEN_TITLE).exists():
        yield "征集与入库申请：演示数据已存在。"
        return
    reviewer = User.objects.get(username="reviewer")
    council = list(User.objects.filter(role=Role.COUNCIL, is_active=True).order_by("username"))
    now = timezone.now()
    today = timezone.localdate(now)

    def at(days: int) -> dt.datetime:
        return now + dt.timedelta(days=days)

    fields = ExpertiseField.objects.filter(code__in=["01", "02", "05", "08"])
    body = (
        "根据《广东省质量发展智库管理办法》第六条、第七条，广东省质量发展促进会面向全省高校、"
        "科研院所、企事业单位和社会组织公开征集智库专家。\n"
        "一、申请条件：详见《管理办法》第六条。\n"
        "二、申请方式：在本站注册后在线填写入库申请，上传所需材料，签署承诺书并提交。\n"
        "三、审核程序：资格审核、理事会审议、公示 7 个工作日后批准入库并公告。"
    )
    calls: dict[str, Call] = {}
    for key, title, opens, closes in (
        ("closed", CLOSED_TITLE, today - dt.timedelta(days=120), today - dt.timedelta(days=60)),
        ("open", OPEN_TITLE, today - dt.timedelta(days=10), today + dt.timedelta(days=40)),
    ):
        call = services.call_save(
            actor=reviewer,
            data={
                "title": title,
                "body": body,
                "fields_note": "重点征集标准化、检验检测和质量工程技术方向的专家。",
                "opens_on": opens,
                "closes_on": closes,
                "contact": "广东省质量发展促进会秘书处　电话：020-00000000　邮箱：zhiku@demo.zhiku.local",
            },
            proofs=("manager_appointment", "senior_certificate", "service_years"),
            fields_sought=fields,
        )
        opened_at = dt.datetime.combine(opens, dt.time(9), tzinfo=now.tzinfo)
        calls[key] = services.call_publish(actor=reviewer, call=call, now=opened_at)

    applications: dict[str, Application] = {}
    for index, person in enumerate(PEOPLE, start=250):
        username, name, gender, birth, org, org_type, title, level, field, which, state = person
        user = _applicant(username, name)
        call = calls[which]
        when = at(-90) if which == "closed" else at(-5)
        application = services.application_start(
            actor=user, call=call, privacy_agreed=True, now=when
        )
        application = services.application_save(
            actor=user,
            application=application,
            profile={
                "name": name,
                "gender": gender,
                "birth_date": birth,
                "id_type": IdType.RESIDENT,
                "email": user.email,
                "address": "广州市越秀区示例路 8 号",
                "organisation": org,
                "org_type": org_type,
                "position": "部门负责人",
                "title": title,
                "title_level": level,
                "education": Education.MASTER,
                "region": REGIONS.get(org, Region.GUANGZHOU),
                "primary_field": ExpertiseField.objects.get(code=field),
                "achievements": "主持或参与国家、省级标准与质量课题多项。",
                "ethics_declared": True,
                "health_declared": True,
            },
            # The 17th digit is odd for a man, even for a woman.
            id_number=_id_number(birth, index * 2 + (1 if gender == Gender.MALE else 0)),
            mobile=f"1360000{index:04d}",
            now=when,
        )
        services.application_employment_add(
            actor=user,
            application=application,
            organisation=org,
            position=title,
            start=dt.date(birth.year + 25, 7, 1),
            end=None,
            in_field=True,
            now=when,
        )
        if state == "draft":
            applications[state] = application
            continue
        for kind in selectors.required_kinds(application):
            services.application_document_add(
                actor=user,
                application=application,
                kind=kind,
                name="身份证.png" if kind == "identity" else f"{kind}.pdf",
                content=_png() if kind == "identity" else _pdf(kind),
                now=when,
            )
        application = services.application_submit(
            actor=user, application=application, commitment=True, now=when
        )
        if state == "returned":
            services.application_decide(
                actor=reviewer,
                application=application,
                decision="return",
                note="学历证明扫描件不清晰，请重新扫描后上传；请补充 2015 年以来的工作经历。",
                now=at(-2),
            )
        elif state == "rejected":
            services.application_decide(
                actor=reviewer,
                application=application,
                decision="reject",
                note="不符合第六条第（一）项：无副高级以上职称或专业技术高级水平证书。",
                now=at(-80),
            )
        elif state != "submitted":
            for document in application.active_documents():
                services.document_verify(actor=reviewer, document=document, now=at(-85))
            services.application_decide(
                actor=reviewer, application=application, decision="pass", now=at(-85)
            )
        applications[state] = application

    rounds = (
        _rounds(services, reviewer, council, applications, at, today) if len(council) >= 2 else ""
    )
    notices = _notices(services, reviewer, applications, at) if council else []
    for application in applications.values():
        application.refresh_from_db()
    yield f"征集通知：{OPEN_TITLE}（正在征集）、{CLOSED_TITLE}（已截止）。"
    yield "入库申请（申请人账户 applicant1–applicant13，密码同上）：" + "、".join(
        f"{a.name}（{a.get_status_display()}）" for a in applications.values()
    )
    if rounds:
        yield rounds
    yield from notices


def _rounds(
    services: Any,
    reviewer: User,
    council: list[User],
    applications: dict[str, Any],
    at: Any,
    today: dt.date,
) -> str:
    """A closed round (one approved, one not) and one in progress (one member has voted)."""
    # An earlier round, closed: one approved, one not.
    earlier = services.round_open(
        actor=reviewer,
        applications=[applications["approved"], applications["not_approved"]],
        mode="online",
        title="2026 年第 1 次理事会审议",
        votes_close_on=(at(-70)).date(),
        now=at(-80),
    )
    items = {i.application_id: i.pk for i in earlier.items.all()}
    for member in council:
        earlier.refresh_from_db()
        if earlier.status != "open":
            break
        services.round_vote(
            actor=member,
            round_=earlier,
            choices={
                items[applications["approved"].pk]: ("agree", ""),
                items[applications["not_approved"].pk]: (
                    "disagree",
                    "所报成就与征集领域关联不大",
                ),
            },
            now=at(-75),
        )
    # A round in progress: one member has voted.
    current = services.round_open(
        actor=reviewer,
        applications=[applications["deliberating"]],
        mode="online",
        title="2026 年第 2 次理事会审议",
        votes_close_on=today + dt.timedelta(days=10),
        now=at(-1),
    )
    services.round_vote(
        actor=council[0],
        round_=current,
        choices={i.pk: ("agree", "") for i in current.items.all()},
        now=at(-1),
    )
    return f"理事会审议：{earlier.title}（已结束）、{current.title}（进行中，{council[0].full_name}已投票）。"


def _notices(services: Any, reviewer: User, applications: dict[str, Any], at: Any) -> list[str]:
    """A notice that has ended (one admitted, one upheld objection, one dismissed) and one
    running now (an objection received, one accepted and being verified).

    Periods are counted in working days: in a year whose calendar is not entered yet this part
    is left out (and says so), the rest of the demo stays.
    """
    from django.db import transaction
    from django.utils.translation import gettext as _

    from zhiku.core.errors import DomainError

    try:
        with transaction.atomic():
            return _notices_and_objections(services, reviewer, applications, at)
    except DomainError as exc:
        return [_("公示：%(e)s 未生成公示演示数据。") % {"e": exc}]


EMAILS = {"张明理": "zhangmingli", "赵公众": "zhaogongzhong"}


def _notices_and_objections(
    services: Any, reviewer: User, applications: dict[str, Any], at: Any
) -> list[str]:
    from django.utils.translation import gettext as _

    from zhiku.recruitment.models import Notice

    listed = [applications[s] for s in (*ON_NOTICE, *RUNNING)]
    meeting = services.round_open(
        actor=reviewer,
        applications=listed,
        mode="meeting",
        title="2026 年第 3 次理事会审议（会议）",
        now=at(-70),
    )
    services.round_record_meeting(
        actor=reviewer,
        round_=meeting,
        meeting_on=at(-70).date(),
        members_present=meeting.members.count(),
        outcomes={i.pk: "approved" for i in meeting.items.all()},
        minutes_name="理事会会议纪要.pdf",
        minutes=_pdf("council minutes"),
        note="理事会 2026 年第 3 次会议审议通过。",
        now=at(-70),
    )
    places = {
        "postal_address": "广州市越秀区示例路 8 号 广东省质量发展促进会秘书处（信封注明“公示异议”）510000",
        "visit_address": "广州市越秀区示例路 8 号 3 楼秘书处（工作日 9:00–12:00、14:00–17:30）",
        "contact": "陈老师　020-00000000　zhiku@demo.zhiku.local",
    }
    lines = []
    ended = services.notice_publish(
        actor=reviewer,
        applications=[applications[s] for s in ON_NOTICE],
        title="2026 年第一批拟入库广东省质量发展智库专家名单公示",
        published_on=at(-25).date(),
        now=at(-25),
        **places,
    )
    running = services.notice_publish(
        actor=reviewer,
        applications=[applications[s] for s in RUNNING],
        title="2026 年第二批拟入库广东省质量发展智库专家名单公示",
        published_on=at(-1).date(),
        now=at(-1),
        **places,
    )

    entries = {e.application_id: e for e in ended.entries.all()}
    entries |= {e.application_id: e for e in running.entries.all()}

    def entry(state: str) -> Any:
        return entries[applications[state].pk]

    def objection(notice: Notice, state: str, who: str, grounds: str, when: Any) -> Any:
        return services.objection_lodge(
            notice=notice,
            entry=entry(state),
            objector_name=who,
            objector_phone="13800000000",
            objector_email=f"{EMAILS[who]}@demo.zhiku.local" if who in EMAILS else "",
            grounds=grounds,
            ip="127.0.0.1",
            now=when,
        )

    # The ended notice: one rejected as invalid, one upheld, one dismissed.
    invalid = objection(
        ended, "ended_admitted", "匿名群众", "听说此人不太合适担任专家，请组织核查。", at(-24)
    )
    services.objection_reject(
        actor=reviewer,
        objection=invalid,
        reason="异议未写明具体事实和理由，所留联系方式无法联系，无法核实。",
        now=at(-23),
    )
    for state, upheld, grounds, found in (
        (
            "ended_upheld",
            True,
            "该同志所报“高级工程师”职称证书编号在发证机关查询不到，疑似不实。",
            "经向发证机关核实，所报职称证书编号不存在，不符合第六条第（一）项，异议成立。",
        ),
        (
            "ended_dismissed",
            False,
            "该同志近三年主要从事行政管理工作，不再从事本专业。",
            "经向其单位核实，该同志现任研究所副所长，仍主持计量标准研究课题，异议不成立。",
        ),
    ):
        lodged = objection(ended, state, "张明理", grounds, at(-23))
        services.objection_accept(actor=reviewer, objection=lodged, now=at(-22))
        services.objection_verify(
            actor=reviewer,
            objection=lodged,
            note="电话及函询当事人所在单位人事部门，取得书面回复。",
            evidence_name="单位复函.pdf",
            evidence=_pdf("reply"),
            now=at(-18),
        )
        services.objection_decide(
            actor=reviewer, objection=lodged, upheld=upheld, reason=found, now=at(-17)
        )
    result = services.notice_admit(actor=reviewer, notice=ended)
    lines.append(
        _("公示：%(t)s（已结束），批准入库 %(a)s，异议成立不予入库 %(n)s。")
        % {
            "t": ended.title,
            "a": "、".join(f"{e.name}（{e.pool_number}）" for e in result.admitted) or "—",
            "n": "、".join(e.name for e in result.not_admitted) or "—",
        }
    )

    # The running notice: one objection just received, one accepted and being verified.
    objection(
        running,
        "running_received",
        "刘来信",
        "该同志曾在评审工作中未按规定回避，请予核实。",
        timezone.now(),
    )
    accepted = objection(
        running,
        "running_accepted",
        "赵公众",
        "该同志所在单位与其本人申报的单位名称不一致。",
        timezone.now(),
    )
    services.objection_accept(actor=reviewer, objection=accepted)
    services.objection_verify(
        actor=reviewer,
        objection=accepted,
        note="已致函其单位核实任职情况，待回复。",
    )
    lines.append(
        _("公示：%(t)s（公示中，至 %(d)s），异议待受理 1 件、核实中 1 件。")
        % {"t": running.title, "d": running.ends_on.isoformat()}
    )
    return lines

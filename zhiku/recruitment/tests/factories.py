"""Helpers for recruitment's tests: a call, an applicant, an application in any state.

Everything runs at ``NOW`` (Monday 2026-09-14, 10:00 in Shanghai) unless a test says otherwise;
the services take ``now``, and pages are visited under ``time_machine.travel(NOW)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhiku.accounts.models import Right, User
from zhiku.accounts.tests.factories import make_account
from zhiku.core.tests.uploads import image_bytes, pdf_bytes
from zhiku.experts.choices import Education, Gender, OrgType, Region, TitleLevel
from zhiku.experts.identity import IdType
from zhiku.experts.models import ExpertiseField
from zhiku.experts.tests.factories import resident_number
from zhiku.recruitment import rules, services
from zhiku.recruitment.models import Application, Call

NOW = dt.datetime(2026, 9, 14, 10, 0, tzinfo=rules.SHANGHAI)
OPENS, CLOSES = dt.date(2026, 9, 1), dt.date(2026, 9, 30)
BIRTH = dt.date(1975, 4, 18)
ID_NUMBER = resident_number(BIRTH, 322)  # even 17th digit: a woman
MOBILE = "13912345678"


def make_reviewer(username: str = "reviewer", full_name: str = "黄立诚") -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return make_account(
        "staff", username=username, full_name=full_name, rights=(Right.REVIEW_APPLICATIONS,)
    )


def make_applicant(username: str = "applicant", full_name: str = "林申请") -> User:
    return make_account("expert", username=username, full_name=full_name)


def make_council(n: int = 3) -> list[User]:
    return [
        make_account("council", username=f"council{i}", full_name=f"理事{i}")
        for i in range(1, n + 1)
    ]


def make_call(
    actor: User | None = None,
    *,
    title: str = "2026 年第二批智库专家征集",
    opens_on: dt.date = OPENS,
    closes_on: dt.date = CLOSES,
    publish: bool = True,
    proofs: tuple[str, ...] = ("service_years",),
) -> Call:
    actor = actor or User.objects.filter(username="reviewer").first() or make_reviewer()
    call = services.call_save(
        actor=actor,
        data={
            "title": title,
            "body": "质促会面向全省公开征集质量领域专家。",
            "fields_note": "",
            "opens_on": opens_on,
            "closes_on": closes_on,
            "contact": "联系人：陈老师，020-12345678",
        },
        proofs=proofs,
        fields_sought=ExpertiseField.objects.filter(code__in=["01", "02"]),
    )
    if publish:
        call = services.call_publish(actor=actor, call=call, now=NOW - dt.timedelta(days=14))
    return call


def profile(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "林申请",
        "gender": Gender.FEMALE,
        "birth_date": BIRTH,
        "id_type": IdType.RESIDENT,
        "email": "lin@example.org",
        "address": "广州市天河区华观路 1 号",
        "organisation": "广东省标准化研究院",
        "org_type": OrgType.RESEARCH,
        "position": "室主任",
        "senior_manager": False,
        "title": "研究员",
        "title_level": TitleLevel.SENIOR,
        "senior_certificates": "",
        "education": Education.DOCTORAL,
        "degree": "",
        "special_categories": [],
        "region": Region.GUANGZHOU,
        "primary_field": ExpertiseField.objects.get(code="02.01"),
        "achievements": "主持制定国家标准 3 项。",
        "ethics_declared": True,
        "health_declared": True,
        **overrides,
    }


def start(applicant: User, call: Call) -> Application:
    return services.application_start(actor=applicant, call=call, privacy_agreed=True, now=NOW)


def fill(
    application: Application,
    *,
    id_number: str = ID_NUMBER,
    mobile: str = MOBILE,
    documents: bool = True,
    **overrides: Any,
) -> Application:
    """Fill the draft completely: profile, twelve years in the field, every required document."""
    actor = application.user
    application = services.application_save(
        actor=actor,
        application=application,
        profile=profile(**overrides),
        id_number=id_number,
        mobile=mobile,
        now=NOW,
    )
    services.application_employment_add(
        actor=actor,
        application=application,
        organisation="广东省标准化研究院",
        position="研究员",
        start=dt.date(2014, 7, 1),
        end=None,
        in_field=True,
        now=NOW,
    )
    if documents:
        from zhiku.recruitment import selectors

        for kind in selectors.required_kinds(application):
            content = image_bytes("PNG") if kind == "identity" else pdf_bytes(text=kind)
            name = "identity.png" if kind == "identity" else f"{kind}.pdf"
            services.application_document_add(
                actor=actor,
                application=application,
                kind=kind,
                name=name,
                content=content,
                now=NOW,
            )
    application.refresh_from_db()
    return application


def submitted(
    applicant: User | None = None, call: Call | None = None, **overrides: Any
) -> Application:
    applicant = applicant or make_applicant()
    call = call or make_call()
    application = fill(start(applicant, call), **overrides)
    return services.application_submit(
        actor=applicant, application=application, commitment=True, now=NOW
    )


def verify_all(reviewer: User, application: Application) -> None:
    for document in application.active_documents():
        if document.verified_at is None:
            services.document_verify(actor=reviewer, document=document, now=NOW)


def passed(reviewer: User, application: Application, note: str = "") -> Application:
    verify_all(reviewer, application)
    return services.application_decide(
        actor=reviewer, application=application, decision=services.PASS, note=note, now=NOW
    )


# --- after the council: the proposed list, the notice, objections ----------------------------

NOTICE_DAY = dt.date(2026, 9, 28)  # a notice published on this day ends on 2026-10-13
NOTICE_END = dt.date(2026, 10, 13)


def at(day: dt.date, hour: int = 10, minute: int = 0, second: int = 0) -> dt.datetime:
    """That day at that time in Shanghai."""
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=rules.SHANGHAI)


def approved(
    reviewer: User,
    *,
    username: str,
    name: str,
    serial: int,
    call: Call | None = None,
    **overrides: Any,
) -> Application:
    """An application the council passed (a one-member online round), on the proposed list."""
    from zhiku.accounts.models import Role
    from zhiku.experts.tests.factories import resident_number

    call = call or Call.objects.filter(status=Call.Status.PUBLISHED).first() or make_call(reviewer)
    birth = overrides.pop("birth_date", dt.date(1970 + serial % 20, 3, 1 + serial % 27))
    application = passed(
        reviewer,
        submitted(
            make_applicant(username, name),
            call,
            name=name,
            birth_date=birth,
            id_number=resident_number(birth, serial * 2),
            mobile=f"1391234{serial:04d}",
            email=f"{username}@example.org",
            **overrides,
        ),
    )
    member = User.objects.filter(role=Role.COUNCIL, is_active=True).first()
    if member is None:
        member = make_account("council", username="council-factory", full_name="理事甲")
    round_ = services.round_open(
        actor=reviewer,
        applications=[application],
        mode="online",
        title=f"审议 {name}",
        votes_close_on=NOW.date() + dt.timedelta(days=5),
        now=NOW,
    )
    if round_.members.count() == 1:
        services.round_vote(
            actor=member,
            round_=round_,
            choices={i.pk: ("agree", "") for i in round_.items.all()},
            now=NOW,
        )
    else:  # several council members: record a meeting instead of waiting for their votes
        services.round_record_meeting(
            actor=reviewer,
            round_=round_,
            meeting_on=NOW.date(),
            members_present=round_.members.count(),
            outcomes={i.pk: "approved" for i in round_.items.all()},
            minutes_name="minutes.pdf",
            minutes=pdf_bytes(text="minutes"),
            now=NOW,
        )
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    return application


def publish(
    reviewer: User,
    applications: list[Application],
    *,
    on: dt.date = NOTICE_DAY,
    now: dt.datetime | None = None,
) -> Any:
    """Publish ``applications`` as a notice on ``on`` (published at 10:00 that day)."""
    return services.notice_publish(
        actor=reviewer,
        applications=applications,
        title="2026 年第二批拟入库专家名单公示",
        published_on=on,
        postal_address="广州市越秀区示例路 8 号 广东省质量发展促进会（信封注明“公示异议”）",
        visit_address="广州市越秀区示例路 8 号 3 楼（工作日 9:00–17:30）",
        contact="陈老师 020-12345678",
        now=now or at(on),
    )


def lodge(notice: Any, entry: Any, *, now: dt.datetime, ip: str = "203.0.113.7", **kw: Any) -> Any:
    """An objection lodged online by a member of the public."""
    return services.objection_lodge(
        notice=notice,
        entry=entry,
        objector_name=kw.pop("objector_name", "王公众"),
        objector_phone=kw.pop("objector_phone", "13800001111"),
        objector_email=kw.pop("objector_email", "wang@example.net"),
        grounds=kw.pop("grounds", "据了解，该同志所报职称证书与单位记录不符，请予核实。"),
        ip=ip,
        now=now,
        **kw,
    )

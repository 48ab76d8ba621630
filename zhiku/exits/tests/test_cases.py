"""Exit cases through their steps (art. 9): raised by staff or by the expert's request, verified,
told in writing, announced; suspension for grounds 3–7 and reinstatement when dropped; the
re-application bar; every step a transition row with its audit entry; failures write nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from zhiku.accounts.tests.factories import make_account
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry, StoredFile
from zhiku.core.uploads import UploadRefused
from zhiku.exits import services
from zhiku.exits.choices import CaseStatus, Ground, Source
from zhiku.exits.models import ExitCase, ExitCaseChange
from zhiku.exits.tests.factories import expert_with_account, notified_case
from zhiku.experts import services as registry
from zhiku.experts.choices import Status
from zhiku.experts.models import StatusChange
from zhiku.experts.tests.factories import make_expert
from zhiku.recruitment.models import Announcement

NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, catalogues: None) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def clerk() -> Any:
    return make_account("staff", username="clerk", full_name="周办理")


def test_a_conduct_ground_suspends_the_expert_at_once_with_the_reason(clerk: Any) -> None:
    expert = make_expert(name="被举报专家")

    case = services.exit_case_raise(
        actor=clerk,
        expert=expert,
        ground=Ground.CORRUPTION,
        facts="评审期间收受购物卡。",
        evidence=[("举报材料.pdf", PDF)],
    )

    expert.refresh_from_db()
    assert expert.status == Status.SUSPENDED
    assert expert.status_hold == (
        f"出库案件第 {case.pk} 号核实中（第八条第（五）项（徇私舞弊、收受馈赠礼金或不正当利益）），"
        "暂停参加抽取、指定和邀请"
    )
    change = StatusChange.objects.get(expert=expert)
    assert (change.to_value, change.reason, change.actor) == (
        "suspended",
        expert.status_hold,
        clerk,
    )
    assert case.suspended_by_case and case.source == Source.STAFF
    assert [e.file.original_name for e in case.evidence.all()] == ["举报材料.pdf"]
    raised = AuditEntry.objects.get(action="exits.case.raised")
    assert raised.object_repr == str(case)
    assert raised.changes == {"status": ["", "raised"]}
    assert raised.data["ground"] == "corruption" and raised.data["facts"] == "评审期间收受购物卡。"


def test_grounds_1_2_and_8_leave_the_status_alone(clerk: Any) -> None:
    for ground in (Ground.OVER_AGE, Ground.REQUEST, Ground.OTHER):
        expert = make_expert()
        services.exit_case_raise(actor=clerk, expert=expert, ground=ground, facts="事实。")
        expert.refresh_from_db()
        assert (expert.status, expert.status_hold) == (Status.ACTIVE, "")


def test_one_open_case_per_expert_and_only_in_the_pool(clerk: Any) -> None:
    expert = make_expert(name="林某")
    first = services.exit_case_raise(
        actor=clerk, expert=expert, ground=Ground.OTHER, facts="长期无法联系。"
    )
    with pytest.raises(services.ExitError, match=f"已有办理中的出库案件第 {first.pk} 号"):
        services.exit_case_raise(
            actor=clerk, expert=expert, ground=Ground.IRRESPONSIBLE, facts="另一情形。"
        )
    applicant = make_expert(status=Status.APPLICANT, pool_number=None)
    with pytest.raises(services.ExitError, match="申请人（未入库）"):
        services.exit_case_raise(actor=clerk, expert=applicant, ground=Ground.OTHER, facts="x")
    assert ExitCase.objects.count() == 1
    expert.refresh_from_db()
    assert expert.status == Status.ACTIVE  # the refused second case suspended nobody


def test_bad_input_is_refused_and_nothing_is_written(clerk: Any) -> None:
    expert = make_expert()
    with pytest.raises(services.ExitError, match="请写明事实"):
        services.exit_case_raise(actor=clerk, expert=expert, ground=Ground.OTHER, facts="  ")
    with pytest.raises(services.ExitError, match="请选择出库情形"):
        services.exit_case_raise(actor=clerk, expert=expert, ground="retired", facts="x")
    with pytest.raises(UploadRefused):
        services.exit_case_raise(
            actor=clerk,
            expert=expert,
            ground=Ground.IRRESPONSIBLE,
            facts="有据。",
            evidence=[("证据.pdf", b"MZ\x90\x00 not a pdf at all")],
        )
    with pytest.raises(AccessDenied):
        services.exit_case_raise(
            actor=make_account("auditor", username="aud"),
            expert=expert,
            ground=Ground.OTHER,
            facts="x",
        )
    assert not ExitCase.objects.exists()
    assert not StoredFile.objects.exists()
    expert.refresh_from_db()
    assert expert.status == Status.ACTIVE  # the refused upload's case suspended nobody


def test_verification_needs_what_was_checked_and_the_finding(clerk: Any) -> None:
    case = services.exit_case_raise(
        actor=clerk, expert=make_expert(), ground=Ground.REQUEST, facts="本人来信。"
    )
    with pytest.raises(services.ExitError, match="核实了什么"):
        services.exit_case_verify(actor=clerk, case=case, checked="", finding="属实")
    with pytest.raises(services.ExitError, match="核实结论"):
        services.exit_case_verify(actor=clerk, case=case, checked="电话确认", finding=" ")
    with pytest.raises(services.ExitError, match="第（三）至（七）项"):
        services.exit_case_verify(
            actor=clerk, case=case, checked="电话确认", finding="属实", bars_reapplication=True
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.RAISED

    services.exit_case_verify(actor=clerk, case=case, checked="电话确认", finding="属实")

    case.refresh_from_db()
    assert (case.status, case.verified_by, case.checked) == (CaseStatus.VERIFIED, clerk, "电话确认")
    with pytest.raises(services.ExitError, match="当前为“已核实，待书面告知”"):
        services.exit_case_verify(actor=clerk, case=case, checked="再次", finding="属实")


def test_dropping_reinstates_the_expert_the_case_suspended(clerk: Any) -> None:
    expert = make_expert(name="被误报专家")
    case = services.exit_case_raise(
        actor=clerk, expert=expert, ground=Ground.FAVOURS, facts="匿名来信。"
    )
    with pytest.raises(registry.ExpertError, match="须在该事项办结"):
        registry.expert_status_change(
            actor=clerk, expert=expert, to_status=Status.ACTIVE, on=NOW.date(), reason="恢复"
        )
    with pytest.raises(services.ExitError, match="撤销的理由"):
        services.exit_case_drop(actor=clerk, case=case, reason="")

    services.exit_case_drop(actor=clerk, case=case, reason="经核实不属实。")

    expert.refresh_from_db()
    assert (expert.status, expert.status_hold) == (Status.ACTIVE, "")
    last = StatusChange.objects.filter(expert=expert).order_by("-pk").first()
    assert last is not None and last.reason == f"出库案件第 {case.pk} 号已撤销：经核实不属实。"
    case.refresh_from_db()
    assert (case.status, case.dropped_reason) == (CaseStatus.DROPPED, "经核实不属实。")
    assert case.closed_at is not None


def test_dropping_leaves_an_earlier_suspension_as_it_was(clerk: Any) -> None:
    expert = make_expert(name="出国专家")
    registry.expert_status_change(
        actor=clerk, expert=expert, to_status=Status.SUSPENDED, on=NOW.date(), reason="出国一年"
    )
    case = services.exit_case_raise(
        actor=clerk, expert=expert, ground=Ground.DISCLOSURE, facts="泄露评审结果。"
    )
    expert.refresh_from_db()
    assert expert.status_hold and not case.suspended_by_case
    assert AuditEntry.objects.filter(action="experts.status.hold_changed").count() == 1

    services.exit_case_drop(actor=clerk, case=case, reason="不属实。")

    expert.refresh_from_db()
    assert (expert.status, expert.status_hold) == (Status.SUSPENDED, "")


def test_the_expert_asks_to_leave_once_and_may_take_it_back_before_the_notice() -> None:
    expert = expert_with_account("lin", name="林专家")
    user = expert.user
    assert user is not None

    case = services.exit_request_submit(actor=user, expert=expert, reason="工作调动到外省。")

    assert (case.ground, case.source, case.raised_by, case.facts) == (
        Ground.REQUEST,
        Source.EXPERT,
        user,
        "工作调动到外省。",
    )
    with pytest.raises(services.ExitError, match="已提交退出申请"):
        services.exit_request_submit(actor=user, expert=expert, reason="再次申请")
    other = make_account("expert", username="other")
    with pytest.raises(AccessDenied):
        services.exit_request_submit(actor=other, expert=expert, reason="冒名")
    with pytest.raises(AccessDenied):
        services.exit_request_withdraw(actor=other, case=case)

    services.exit_request_withdraw(actor=user, case=case)

    case.refresh_from_db()
    assert (case.status, case.dropped_reason) == (CaseStatus.DROPPED, "本人撤回退出申请")


def test_the_written_notice_is_kept_and_emailed_with_the_pdf(clerk: Any) -> None:
    expert = make_expert(name="郭告知", email="guo@example.org")
    case = notified_case(clerk, expert)

    assert case.status == CaseStatus.NOTIFIED
    assert case.notified_on == NOW.date() and case.notice_emailed
    assert case.notice_file is not None and case.notice_file.kind == "pdf"
    (message,) = mail.outbox
    assert message.to == ["guo@example.org"]
    assert "出库书面告知" in message.subject
    (name, content, mimetype) = message.attachments[0]
    assert name == case.notice_file.original_name and mimetype == "application/pdf"
    assert content[:5] == b"%PDF-"
    entry = AuditEntry.objects.get(action="exits.case.notified")
    assert entry.data["to"] != "guo@example.org"  # masked in the trail


def test_without_an_email_address_the_notice_is_kept_for_posting(clerk: Any) -> None:
    case = notified_case(clerk, make_expert(name="无邮箱", email=""))
    assert case.notice_file is not None and not case.notice_emailed
    assert mail.outbox == []


def test_announcing_exits_the_experts_through_the_registry(clerk: Any) -> None:
    leaving = make_expert(name="申请退出", organisation="中山大学")
    barred = make_expert(name="收受礼金", organisation="某检测公司")
    first = notified_case(clerk, leaving)
    second = notified_case(clerk, barred, Ground.CORRUPTION, bars_reapplication=True)

    announcement = services.exit_cases_announce(
        actor=clerk, cases=[first, second], published_grounds={second.pk}
    )

    assert announcement.kind == Announcement.Kind.EXIT and announcement.notice is None
    assert announcement.title == "2026 年广东省质量发展智库专家出库公告"
    assert announcement.lines == [
        {
            "name": "申请退出",
            "pool_number": leaving.pool_number,
            "organisation": "中山大学",
            "date": "2026-06-10",
            "note": "",
        },
        {
            "name": "收受礼金",
            "pool_number": barred.pool_number,
            "organisation": "某检测公司",
            "date": "2026-06-10",
            "note": "出库情形：第八条第（五）项（徇私舞弊、收受馈赠礼金或不正当利益）",
        },
    ]
    for case, expert in ((first, leaving), (second, barred)):
        case.refresh_from_db()
        expert.refresh_from_db()
        assert (case.status, case.exited_on, expert.status) == (
            CaseStatus.EXITED,
            NOW.date(),
            Status.EXITED,
        )
        change = StatusChange.objects.filter(expert=expert).order_by("-pk").first()
        assert change is not None and change.to_value == Status.EXITED
        entry = AuditEntry.objects.filter(action="experts.status.changed", object_id=str(expert.pk))
        assert entry.order_by("-seq").first().data["exit_case"] == case.pk  # type: ignore[union-attr]
    assert (first.barred_until, second.barred_until, second.bar_years) == (
        None,
        dt.date(2029, 6, 10),
        3,
    )
    assert barred.status_hold == ""  # the case's hold ends with the exit
    assert [c.to_value for c in second.changes.order_by("pk")] == [
        "raised",
        "verified",
        "notified",
        "exited",
    ]
    # Every step a transition row with its audit entry.
    assert ExitCaseChange.objects.count() == 8
    assert AuditEntry.objects.filter(action__startswith="exits.case.").count() == 8


def test_only_told_cases_are_announced_and_a_refusal_changes_nothing(clerk: Any) -> None:
    told = notified_case(clerk, make_expert(name="已告知"))
    raw = services.exit_case_raise(
        actor=clerk, expert=make_expert(name="未核实"), ground=Ground.OTHER, facts="事实。"
    )
    with pytest.raises(services.ExitError, match="须书面告知本人后才能公告出库"):
        services.exit_cases_announce(actor=clerk, cases=[told, raw])
    with pytest.raises(services.ExitError, match="请选择"):
        services.exit_cases_announce(actor=clerk, cases=[])
    assert not Announcement.objects.exists()
    told.refresh_from_db()
    assert told.status == CaseStatus.NOTIFIED
    assert told.expert.status == Status.ACTIVE


def test_the_bar_term_is_the_parameter_on_the_day_of_exit(clerk: Any) -> None:
    from zhiku.core.services import parameter_change_schedule

    keeper = make_account("staff", username="keeper", rights=("edit_parameters",))
    parameter_change_schedule(
        actor=keeper,
        key="reapplication_bar_years",
        value=5,
        effective_on=NOW.date(),
        reason="从严",
        today=NOW.date(),
    )
    case = notified_case(clerk, make_expert(), Ground.DISCLOSURE, bars_reapplication=True)
    services.exit_cases_announce(actor=clerk, cases=[case])
    case.refresh_from_db()
    assert (case.bar_years, case.barred_until) == (5, dt.date(2031, 6, 10))


def test_files_of_a_case_are_served_to_staff_and_each_view_recorded(clerk: Any) -> None:
    case = services.exit_case_raise(
        actor=clerk,
        expert=make_expert(),
        ground=Ground.IRRESPONSIBLE,
        facts="事实。",
        evidence=[("来函.pdf", PDF)],
    )
    evidence = case.evidence.get()
    stored = services.exit_file_for_staff(
        actor=clerk, case=case, file_id=evidence.file_id, inline=True
    )
    assert stored == evidence.file
    other = StoredFile.objects.create(
        id="00000000-0000-0000-0000-000000000009",
        purpose="x",
        original_name="x.pdf",
        kind="pdf",
        size=1,
        sha256="0",
        uploaded_at=NOW,
    )
    assert (
        services.exit_file_for_staff(actor=clerk, case=case, file_id=other.pk, inline=False) is None
    )
    entry = AuditEntry.objects.get(action="exits.case.file_viewed")
    assert entry.data == {"file": "来函.pdf", "inline": True}

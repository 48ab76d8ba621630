"""Qualification review: documents verified one by one (who, when), then pass, return or reject."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry
from zhiku.experts.choices import Status as ExpertStatus
from zhiku.experts.choices import TitleLevel
from zhiku.experts.models import Expert
from zhiku.recruitment import services
from zhiku.recruitment.models import Application, ApplicationStatusChange
from zhiku.recruitment.services import RecruitmentError
from zhiku.recruitment.tests.factories import (
    ID_NUMBER,
    NOW,
    make_applicant,
    make_reviewer,
    passed,
    submitted,
    verify_all,
)

pytestmark = pytest.mark.django_db


def decide(
    reviewer: object, application: Application, decision: str, note: str = ""
) -> Application:
    return services.application_decide(
        actor=reviewer,  # type: ignore[arg-type]
        application=application,
        decision=decision,
        note=note,
        now=NOW,
    )


def test_each_document_is_verified_by_name_and_time() -> None:
    reviewer = make_reviewer()
    application = submitted()
    document = application.active_documents().first()
    assert document is not None
    services.document_verify(actor=reviewer, document=document, now=NOW)
    document.refresh_from_db()
    assert (document.verified_by, document.verified_at) == (reviewer, NOW)
    with pytest.raises(RecruitmentError, match="已由黄立诚于"):
        services.document_verify(actor=reviewer, document=document, now=NOW)
    entry = AuditEntry.objects.get(action="recruitment.document.verified")
    assert entry.actor == reviewer
    assert entry.data["kind"] == document.kind


def test_staff_without_the_review_right_cannot_decide(make_user: object) -> None:
    application = submitted()
    clerk = make_user("staff", username="clerk")  # type: ignore[operator]
    with pytest.raises(AccessDenied, match="审核入库申请"):
        decide(clerk, application, "reject", "x")


def test_returning_needs_what_to_correct_and_tells_the_applicant() -> None:
    reviewer = make_reviewer()
    application = submitted()
    with pytest.raises(RecruitmentError, match="请写明需要申请人更正"):
        decide(reviewer, application, "return")
    decide(reviewer, application, "return", "学历证明不清晰，请重新扫描上传。")
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    assert application.decision_note == "学历证明不清晰，请重新扫描上传。"
    change = ApplicationStatusChange.objects.filter(application=application).first()
    assert change is not None
    assert (change.to_value, change.actor, change.reason) == (
        "returned",
        reviewer,
        "学历证明不清晰，请重新扫描上传。",
    )
    assert "需要修改" in mail.outbox[-1].subject
    assert "学历证明不清晰" in mail.outbox[-1].body


def test_rejecting_needs_reasons_the_applicant_sees() -> None:
    reviewer = make_reviewer()
    application = submitted()
    with pytest.raises(RecruitmentError, match="不予通过的理由"):
        decide(reviewer, application, "reject", "  ")
    decide(reviewer, application, "reject", "所提交职称证明与所填职称不符。")
    assert "资格审核结果" in mail.outbox[-1].subject
    assert "所提交职称证明与所填职称不符" in mail.outbox[-1].body


def test_passing_needs_every_document_verified() -> None:
    reviewer = make_reviewer()
    application = submitted()
    with pytest.raises(RecruitmentError, match="份材料未核验"):
        decide(reviewer, application, "pass")


def test_passing_writes_the_applicant_into_the_registry_as_an_applicant() -> None:
    reviewer = make_reviewer()
    applicant = make_applicant()
    application = passed(reviewer, submitted(applicant))
    assert application.status == Application.Status.PASSED
    expert = Expert.objects.get(user=applicant)
    assert application.expert == expert
    assert (expert.status, expert.pool_number) == (ExpertStatus.APPLICANT, None)
    assert expert.name == "林申请"
    assert expert.id_number_hash == application.id_number_hash
    assert expert.employments.get().start == dt.date(2014, 7, 1)
    assert expert.primary_field() is not None
    assert "通过资格审核" in mail.outbox[-1].subject


def test_a_machine_failure_of_art_6_needs_a_reason_to_pass() -> None:
    reviewer = make_reviewer()
    application = submitted(title_level=TitleLevel.INTERMEDIATE, title="工程师")
    verify_all(reviewer, application)
    with pytest.raises(RecruitmentError, match="系统核验第六条不符合"):
        decide(reviewer, application, "pass")
    decide(reviewer, application, "pass", "持有高级质量工程师证书，原件已核。")
    application.refresh_from_db()
    assert application.status == Application.Status.PASSED


def test_a_decided_application_cannot_be_decided_again() -> None:
    reviewer, other = make_reviewer(), make_reviewer("reviewer2", "周复核")
    application = submitted()
    decide(reviewer, application, "reject", "不符合条件")
    with pytest.raises(RecruitmentError, match="不在资格审核中"):
        decide(other, application, "return", "请补充")


def test_the_registry_refusing_the_applicant_rolls_the_decision_back() -> None:
    reviewer = make_reviewer()
    application = submitted()
    verify_all(reviewer, application)
    # Someone entered the same person into the pool meanwhile (staff entry, an import).
    from zhiku.experts.tests.factories import make_expert

    make_expert(name="后录入", id_number=ID_NUMBER, birth_date=dt.date(1975, 4, 18))
    with pytest.raises(RecruitmentError, match="无法登记到专家库"):
        decide(reviewer, application, "pass")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not Expert.objects.filter(user=application.user).exists()

"""The applicant's side: start, save as they type, documents, submit; the call's deadline; duplicates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail

from zhiku.core import crypto
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry, StoredFile
from zhiku.core.tests.uploads import pdf_bytes
from zhiku.core.uploads import UploadRefused
from zhiku.experts.tests.factories import make_expert
from zhiku.recruitment import selectors, services
from zhiku.recruitment.models import Application, ApplicationStatusChange
from zhiku.recruitment.services import RecruitmentError
from zhiku.recruitment.tests.factories import (
    ID_NUMBER,
    MOBILE,
    NOW,
    fill,
    make_applicant,
    make_call,
    make_reviewer,
    passed,
    profile,
    start,
    submitted,
)

pytestmark = pytest.mark.django_db


def test_starting_needs_the_notice_agreed_and_records_which_version() -> None:
    applicant, call = make_applicant(), make_call()
    with pytest.raises(RecruitmentError, match="个人信息处理告知书"):
        services.application_start(actor=applicant, call=call, privacy_agreed=False, now=NOW)
    application = start(applicant, call)
    assert application.status == Application.Status.DRAFT
    assert application.privacy_notice_version == services.PRIVACY_NOTICE_VERSION
    assert application.privacy_agreed_at == NOW
    assert application.name == applicant.full_name
    # Starting again returns the same draft.
    assert start(applicant, call) == application


def test_only_expert_accounts_apply(make_user: object) -> None:
    staff = make_reviewer("clerk")
    with pytest.raises(AccessDenied):
        services.application_start(actor=staff, call=make_call(), privacy_agreed=True, now=NOW)


def test_the_draft_keeps_numbers_encrypted_and_shows_them_masked() -> None:
    application = fill(start(make_applicant(), make_call()), documents=False)
    assert application.id_number_masked == ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:]
    assert crypto.decrypt(application.id_number_token) == ID_NUMBER
    assert crypto.decrypt(application.mobile_token) == MOBILE
    stored = Application.objects.filter(pk=application.pk).values().get()
    assert ID_NUMBER not in str(stored)
    assert MOBILE not in str(stored)
    # Nor in the audit trail.
    assert ID_NUMBER not in str(list(AuditEntry.objects.values("changes", "data")))


def test_a_bad_identity_number_is_refused_with_what_is_wrong() -> None:
    application = start(make_applicant(), make_call())
    with pytest.raises(RecruitmentError, match="校验位不正确"):
        services.application_save(
            actor=application.user,
            application=application,
            profile=profile(),
            id_number=ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1"),
            now=NOW,
        )
    with pytest.raises(RecruitmentError, match="出生日期"):
        services.application_save(
            actor=application.user,
            application=application,
            profile=profile(birth_date=dt.date(1976, 4, 18)),
            id_number=ID_NUMBER,
            now=NOW,
        )


def test_nobody_else_edits_a_draft() -> None:
    application = start(make_applicant(), make_call())
    other = make_applicant("other", "王他人")
    with pytest.raises(AccessDenied):
        services.application_save(actor=other, application=application, profile={}, now=NOW)


@pytest.mark.parametrize(
    ("start_", "end", "message"),
    [
        (dt.date(2027, 1, 1), None, "起始日期不能晚于今天"),
        (dt.date(2014, 1, 1), dt.date(2013, 1, 1), "截止日期应晚于起始日期"),
        (dt.date(2014, 1, 1), dt.date(2027, 1, 1), "截止日期不能晚于今天"),
        (dt.date(1985, 1, 1), None, "16 周岁"),
    ],
)
def test_work_history_that_cannot_be_true_is_refused(
    start_: dt.date, end: dt.date | None, message: str
) -> None:
    application = fill(start(make_applicant(), make_call()), documents=False)
    with pytest.raises(RecruitmentError, match=message):
        services.application_employment_add(
            actor=application.user,
            application=application,
            organisation="某单位",
            start=start_,
            end=end,
            in_field=True,
            now=NOW,
        )


def test_what_is_missing_is_listed_before_submission_and_refused_at_it() -> None:
    application = start(make_applicant(), make_call())
    missing = selectors.missing_items(application)
    assert any("证件号码" in m for m in missing)
    assert any("工作经历" in m for m in missing)
    assert any("身份证明" in m for m in missing)
    with pytest.raises(RecruitmentError, match="申请尚不完整"):
        services.application_submit(
            actor=application.user, application=application, commitment=True, now=NOW
        )
    assert application.status == Application.Status.DRAFT


def test_the_commitment_must_be_signed() -> None:
    application = fill(start(make_applicant(), make_call()))
    with pytest.raises(RecruitmentError, match="承诺书"):
        services.application_submit(
            actor=application.user, application=application, commitment=False, now=NOW
        )


def test_submission_keeps_a_snapshot_a_transition_and_tells_the_applicant() -> None:
    application = submitted()
    assert application.status == Application.Status.SUBMITTED
    assert application.commitment_signed_at == NOW
    snapshot = application.submissions.get().snapshot
    assert snapshot["name"] == ["姓名", "林申请"]
    assert snapshot["id_number"][1] == application.id_number_masked
    change = ApplicationStatusChange.objects.get(application=application)
    assert (change.from_value, change.to_value) == ("draft", "submitted")
    assert AuditEntry.objects.filter(action="recruitment.application.submitted").count() == 1
    assert mail.outbox[-1].to == ["lin@example.org"]
    assert "已收到您的入库申请" in mail.outbox[-1].subject


def test_a_draft_is_refused_after_the_call_closed_at_midnight() -> None:
    application = fill(start(make_applicant(), make_call()))
    last_minute = dt.datetime(2026, 9, 30, 23, 59, tzinfo=NOW.tzinfo)
    midnight = dt.datetime(2026, 10, 1, 0, 0, tzinfo=NOW.tzinfo)
    with pytest.raises(RecruitmentError, match="2026-09-30 24:00 截止"):
        services.application_submit(
            actor=application.user, application=application, commitment=True, now=midnight
        )
    with pytest.raises(RecruitmentError, match="截止"):
        services.application_save(
            actor=application.user, application=application, profile={}, now=midnight
        )
    services.application_submit(
        actor=application.user, application=application, commitment=True, now=last_minute
    )


def test_a_returned_application_may_be_corrected_after_the_call_closed() -> None:
    reviewer = make_reviewer()
    application = submitted()
    services.application_decide(
        actor=reviewer, application=application, decision="return", note="请补充学历证明", now=NOW
    )
    later = dt.datetime(2026, 10, 9, 9, 0, tzinfo=NOW.tzinfo)
    services.application_save(
        actor=application.user,
        application=application,
        profile={"organisation": "广东省质量技术研究院"},
        now=later,
    )
    application = services.application_submit(
        actor=application.user, application=application, commitment=True, now=later
    )
    assert application.status == Application.Status.SUBMITTED
    changes = selectors.changes_since_last_submission(application)
    assert changes is not None
    assert [(c.label, c.before, c.after) for c in changes] == [
        ("工作单位", "广东省标准化研究院", "广东省质量技术研究院")
    ]


def test_a_number_already_in_the_pool_is_refused_without_saying_whose() -> None:
    make_expert(name="张在库", id_number=ID_NUMBER, birth_date=dt.date(1975, 4, 18))
    application = fill(start(make_applicant(), make_call()))
    with pytest.raises(RecruitmentError) as refused:
        services.application_submit(
            actor=application.user, application=application, commitment=True, now=NOW
        )
    assert "已在智库登记或已有进行中的入库申请" in str(refused.value)
    assert "张在库" not in str(refused.value)
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    # The refusal stays on record although the submission was rolled back.
    assert (
        AuditEntry.objects.filter(action="recruitment.application.duplicate_refused").count() == 1
    )


def test_a_number_in_another_open_application_is_refused() -> None:
    call = make_call()
    submitted(make_applicant("first", "甲"), call)
    second = fill(start(make_applicant("second", "乙"), call))
    with pytest.raises(RecruitmentError, match="同一人不能重复申请"):
        services.application_submit(actor=second.user, application=second, commitment=True, now=NOW)


def test_one_application_at_a_time_and_a_rejected_applicant_may_apply_to_a_later_call() -> None:
    reviewer = make_reviewer()
    applicant = make_applicant()
    first_call = make_call()
    later_call = make_call(title="2026 年第三批智库专家征集")
    application = submitted(applicant, first_call)
    with pytest.raises(RecruitmentError, match="已有一份入库申请"):
        start(applicant, later_call)
    services.application_decide(
        actor=reviewer, application=application, decision="reject", note="从业年限证明不实", now=NOW
    )
    again = submitted(applicant, later_call)
    assert again.status == Application.Status.SUBMITTED


def test_a_person_the_council_turned_down_starts_again_from_their_registry_record() -> None:
    reviewer = make_reviewer()
    applicant = make_applicant()
    application = passed(reviewer, submitted(applicant))
    # The council said no (set directly: rounds are tested on their own).
    Application.objects.filter(pk=application.pk).update(status=Application.Status.NOT_APPROVED)
    again = start(applicant, make_call(title="下一批征集"))
    assert again.id_number_hash == application.id_number_hash
    assert again.organisation == "广东省标准化研究院"
    assert again.employments.count() == 1
    assert again.primary_field is not None and again.primary_field.code == "02.01"


def test_documents_over_the_application_total_are_refused(
    settings: object, upload_root: Path
) -> None:
    settings.ZHIKU_APPLICATION_UPLOAD_MAX_MB = 1  # type: ignore[attr-defined]
    application = start(make_applicant(), make_call())
    big = pdf_bytes() + b"%" + bytes(700_000) + b"\n%%EOF\n"
    services.application_document_add(
        actor=application.user,
        application=application,
        kind="cv",
        name="cv.pdf",
        content=big,
        now=NOW,
    )
    with pytest.raises(UploadRefused, match="合计不超过 1 MB"):
        services.application_document_add(
            actor=application.user,
            application=application,
            kind="achievements",
            name="more.pdf",
            content=big,
            now=NOW,
        )
    assert StoredFile.objects.count() == 1


def test_a_removed_document_stays_on_record_but_leaves_the_application() -> None:
    application = fill(start(make_applicant(), make_call()))
    document = application.active_documents().get(kind="cv")
    services.application_document_remove(actor=application.user, document=document, now=NOW)
    assert not application.active_documents().filter(kind="cv").exists()
    document.refresh_from_db()
    assert document.removed_at == NOW
    assert any("个人简历" in m for m in selectors.missing_items(application))

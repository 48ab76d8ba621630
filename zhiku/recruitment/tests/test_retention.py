"""The retention rule for refused applications (issue 17, item 7; PIPL): three years (a
parameter) after the decision, run_deadlines deletes the documents (bytes gone, rows marked
removed) and empties the identifiers, in the application and in its submission snapshots, with
an audit entry; a pure function of the day, idempotent, and all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from zhiku.core import crypto, uploads
from zhiku.core.models import AuditEntry, StoredFile
from zhiku.recruitment import services
from zhiku.recruitment.models import Application
from zhiku.recruitment.personal_data import (
    application_personal_data_remove,
    applications_due,
    applications_retention,
)
from zhiku.recruitment.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def setup(catalogues: None, time_machine: Any) -> None:
    time_machine.move_to(f.NOW, tick=False)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=f.rules.SHANGHAI)


def rejected() -> Application:
    """Submitted and rejected on 2026-09-14 (with documents, an e-mail and an address)."""
    application = f.submitted(address="广州市越秀区某路 2 号", email="shen@example.org")
    return services.application_decide(
        actor=f.make_reviewer(),
        application=application,
        decision=services.REJECT,
        note="从业年限证明不足。",
        now=f.NOW,
    )


def bin_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.bin")) if root.exists() else []


def test_three_years_after_the_rejection_documents_and_identifiers_go(
    upload_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    application = rejected()
    files = [d.file for d in application.documents.all()]
    assert files and len(bin_files(upload_root)) == len(files)

    assert list(applications_retention(at(dt.date(2029, 9, 13)))) == []
    application.refresh_from_db()
    assert crypto.decrypt(application.id_number_token) == f.ID_NUMBER

    with django_capture_on_commit_callbacks(execute=True):
        lines = list(applications_retention(at(dt.date(2029, 9, 14))))

    assert lines == ["已按保存期限删除 1 份入库申请的材料与身份信息"]
    application.refresh_from_db()
    assert (application.id_number_token, application.id_number_hash) == ("", "")
    assert (application.mobile_token, application.email, application.address) == ("", "", "")
    assert application.birth_date is None
    assert application.id_number_masked == application.mobile_masked == "（已删除）"
    # The record of who applied and what was decided stays.
    assert application.name and application.status == Application.Status.REJECTED
    assert application.decision_note == "从业年限证明不足。"
    assert bin_files(upload_root) == []
    for stored in StoredFile.objects.filter(pk__in=[s.pk for s in files]):
        assert stored.removed_at is not None
        with pytest.raises(uploads.FileRemoved):
            uploads.stored_file_bytes(stored)
    snapshot = application.submissions.get().snapshot
    for key in ("id_number", "mobile", "email", "address", "birth_date"):
        assert snapshot[key][1] == "（已删除）", key
    assert f.ID_NUMBER[-4:] not in str(snapshot)
    entry = AuditEntry.objects.get(action="recruitment.application.personal_data_removed")
    assert entry.object_id == str(application.pk)
    assert entry.data["files"] == len(files)
    assert set(entry.data["removed"]) == {"id_number", "mobile", "email", "address", "birth_date"}

    # Idempotent.
    count = AuditEntry.objects.count()
    assert list(applications_retention(at(dt.date(2029, 9, 14)))) == []
    assert list(applications_retention(at(dt.date(2031, 1, 1)))) == []
    assert AuditEntry.objects.count() == count


def test_applications_under_way_or_admitted_are_kept(upload_root: Path) -> None:
    draft = f.fill(f.start(f.make_applicant("draft"), f.make_call(title="另一批")))
    refused = rejected()

    refused_due, gone = applications_due(dt.date(2040, 1, 1))

    assert refused_due == [refused] and gone == []
    assert draft.pk not in {a.pk for a in refused_due}


def test_a_failure_midway_keeps_everything(
    upload_root: Path, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    application = rejected()
    before = bin_files(upload_root)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("zhiku.recruitment.personal_data.log_action", broken)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        application_personal_data_remove(
            application=application, reason="测试", now=at(dt.date(2029, 9, 14))
        )

    application.refresh_from_db()
    assert crypto.decrypt(application.id_number_token) == f.ID_NUMBER
    assert bin_files(upload_root) == before
    assert not StoredFile.objects.filter(removed_at__isnull=False).exists()


def test_the_parameter_is_declared_with_a_three_year_default() -> None:
    from zhiku.core.parameters import all_parameters, parameter_value

    parameter = all_parameters()["rejected_application_retention_years"]
    assert parameter.default == 3
    assert parameter_value("rejected_application_retention_years", dt.date(2026, 1, 1)) == 3
    assert all_parameters()["exited_expert_retention_years"].default == 3

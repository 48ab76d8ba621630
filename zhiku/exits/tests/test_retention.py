"""The retention rule for experts who left the pool (issue 17, item 7; PIPL): after
``exited_expert_retention_years`` (default 3) from the exit day, and after any bar on
reapplying, run_deadlines deletes their exit evidence files and empties their identifiers, with
an audit entry; a pure function of the day, idempotent, and an expert who came back is kept."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from zhiku.accounts.tests.factories import make_account
from zhiku.core import uploads
from zhiku.core.models import AuditEntry
from zhiku.core.tests.uploads import pdf_bytes
from zhiku.exits import services
from zhiku.exits.choices import Ground
from zhiku.exits.models import ExitEvidence
from zhiku.exits.personal_data import exited_experts_retention, experts_due
from zhiku.experts import crypto
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert
from zhiku.experts.services.duplicates import Wanted, holders
from zhiku.experts.tests.factories import make_expert
from zhiku.recruitment.models import Application
from zhiku.recruitment.personal_data import applications_retention
from zhiku.recruitment.tests import factories as apply

pytestmark = pytest.mark.django_db

# 10:00 in Beijing on the exit day.
EXIT_AT = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)
NUMBER = "440106197005170011"


def at(day: dt.date) -> dt.datetime:
    """10:00 in Beijing on ``day``."""
    return dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def setup(catalogues: None, settings: Any, tmp_path: Path) -> None:
    settings.ZHIKU_UPLOAD_ROOT = tmp_path / "uploads"


def exited(time_machine: Any, ground: str = Ground.REQUEST, **verify: Any) -> Expert:
    """An expert with an account, an e-mail and an address, who left on 2026-05-06 through a
    case with one evidence file."""
    time_machine.move_to(EXIT_AT, tick=False)
    user = make_account("expert", username="lin", full_name="林离开")
    expert = make_expert(
        user=user,
        name="林离开",
        id_number=NUMBER,
        email="lin@example.org",
        address="广州市天河区某路 1 号",
        senior_certificates="高级工程师证书 A123456",
    )
    clerk = make_account("staff", username="clerk")
    case = services.exit_case_raise(actor=clerk, expert=expert, ground=ground, facts="事实。")
    services.exit_evidence_add(actor=clerk, case=case, name="证据.pdf", content=pdf_bytes())
    case = services.exit_case_verify(
        actor=clerk, case=case, checked="已核实。", finding="情形属实。", **verify
    )
    case = services.exit_case_notify(actor=clerk, case=case)
    services.exit_cases_announce(actor=clerk, cases=[case])
    expert.refresh_from_db()
    assert expert.status == Status.EXITED
    return expert


def files_on_disk(settings: Any) -> list[Path]:
    root = Path(settings.ZHIKU_UPLOAD_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_identifiers_stay_until_three_years_after_the_exit_then_go(
    time_machine: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    expert = exited(time_machine)
    evidence = ExitEvidence.objects.get(case__expert=expert).file
    on_disk = files_on_disk(settings)
    assert on_disk

    # The day before the third anniversary: nothing.
    assert list(exited_experts_retention(at(dt.date(2029, 5, 5)))) == []
    expert.refresh_from_db()
    assert crypto.decrypt(expert.id_number_token) == NUMBER

    with django_capture_on_commit_callbacks(execute=True):
        lines = list(exited_experts_retention(at(dt.date(2029, 5, 6))))

    assert lines == ["已按保存期限删除 1 位出库专家的身份信息与证据文件"]
    expert.refresh_from_db()
    assert (expert.id_number_token, expert.mobile_token, expert.mobile_hash) == ("", "", "")
    assert (expert.email, expert.address, expert.senior_certificates) == ("", "", "")
    assert expert.id_number_masked == "（已删除）"
    assert expert.id_number_hash == f"removed:{expert.pk}"
    # What the pool's history needs stays.
    assert (expert.name, expert.status, expert.pool_number) == (
        "林离开",
        Status.EXITED,
        expert.pool_number,
    )
    evidence.refresh_from_db()
    assert evidence.removed_at is not None
    assert not any(p.name == f"{evidence.id.hex}.bin" for p in files_on_disk(settings))
    with pytest.raises(uploads.FileRemoved, match="已按个人信息保存期限删除"):
        uploads.stored_file_bytes(evidence)
    # The exit's written notice stays as the record of the decision.
    notice = expert.exit_cases.get().notice_file
    assert notice is not None
    notice.refresh_from_db()
    assert notice.removed_at is None and uploads.stored_file_bytes(notice).startswith(b"%PDF")
    entry = AuditEntry.objects.get(action="experts.personal_data.removed")
    assert entry.object_id == str(expert.pk)
    assert entry.data["removed"] == [
        "id_number",
        "mobile",
        "email",
        "address",
        "senior_certificates",
    ]
    assert NUMBER not in str(entry.data) and "lin@example.org" not in str(entry.data)
    assert AuditEntry.objects.filter(action="exits.evidence.removed").count() == 1

    # Idempotent: a second run, and a later one, do nothing and write nothing.
    count = AuditEntry.objects.count()
    assert list(exited_experts_retention(at(dt.date(2029, 5, 6)))) == []
    assert list(exited_experts_retention(at(dt.date(2030, 1, 1)))) == []
    assert AuditEntry.objects.count() == count


def test_a_number_whose_holder_was_removed_is_no_longer_a_duplicate(time_machine: Any) -> None:
    expert = exited(time_machine)
    list(exited_experts_retention(at(dt.date(2029, 5, 6))))
    wanted = Wanted(id_hashes=tuple(crypto.lookup_hashes(NUMBER, purpose=crypto.ID_HASH_PURPOSE)))
    assert holders(wanted, exclude_pk=None) == []
    assert Expert.objects.filter(pk=expert.pk).exists()


def test_a_bar_on_reapplying_keeps_the_number_until_it_ends(time_machine: Any) -> None:
    expert = exited(time_machine, Ground.IRRESPONSIBLE, bars_reapplication=True)
    case = expert.exit_cases.get()
    assert case.barred_until is not None and case.barred_until >= dt.date(2029, 5, 5)

    assert experts_due(case.barred_until) == []
    assert list(exited_experts_retention(at(case.barred_until))) == []
    assert experts_due(case.barred_until + dt.timedelta(days=1)) == [expert]


def test_an_expert_who_came_back_keeps_their_data(time_machine: Any) -> None:
    expert = exited(time_machine)
    assert experts_due(dt.date(2030, 1, 1)) == [expert]
    # Back as an applicant (expert_reapply, tested in test_after_exit): no longer 已出库.
    Expert.objects.filter(pk=expert.pk).update(status=Status.APPLICANT)

    assert experts_due(dt.date(2030, 1, 1)) == []


def test_a_longer_period_set_as_a_parameter_is_obeyed(time_machine: Any) -> None:
    from zhiku.accounts.models import Right
    from zhiku.core.services import parameter_change_schedule

    expert = exited(time_machine)
    editor = make_account("staff", username="params", rights=(Right.EDIT_PARAMETERS,))
    parameter_change_schedule(
        actor=editor,
        key="exited_expert_retention_years",
        value=5,
        effective_on=dt.date(2026, 6, 1),
        reason="延长",
        today=dt.date(2026, 5, 6),
    )

    assert experts_due(dt.date(2029, 5, 6)) == []
    assert experts_due(dt.date(2031, 5, 6)) == [expert]


def test_run_deadlines_applies_the_rule_and_recruitment_follows(
    time_machine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    expert = exited(time_machine)
    # The expert's application of 2026 (admitted later in life; here its record is enough).
    applicant = expert.user
    assert applicant is not None
    application = apply.fill(apply.start(applicant, apply.make_call()))
    Application.objects.filter(pk=application.pk).update(expert=expert)

    time_machine.move_to(at(dt.date(2029, 5, 6)), tick=False)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_deadlines", "--no-digest", stdout=out)
        call_command("run_deadlines", "--no-digest", stdout=out)  # recruitment follows

    assert "1 位出库专家" in out.getvalue()
    assert "1 份入库申请" in out.getvalue()
    application.refresh_from_db()
    assert (application.id_number_token, application.email, application.birth_date) == (
        "",
        "",
        None,
    )
    assert all(d.file.removed_at for d in application.documents.all())
    assert list(applications_retention(at(dt.date(2029, 5, 7)))) == []

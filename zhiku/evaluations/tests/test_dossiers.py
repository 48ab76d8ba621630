"""The dossier (综合考核档案): one page and one PDF per expert gathering their record, for staff
holding 导出数据 and audited; the whole pool's archive made in the background, served once to
whoever asked, deleted after its retention."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.activities.choices import AttendanceStatus
from zhiku.activities.models import Fee
from zhiku.core import crypto
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry
from zhiku.core.tests.factories import pdf_text
from zhiku.evaluations import services
from zhiku.evaluations.choices import BatchStatus
from zhiku.evaluations.errors import DossierError
from zhiku.evaluations.models import DossierBatch
from zhiku.evaluations.tests.factories import closed_activity, held_training, score
from zhiku.exits.services import exit_case_raise
from zhiku.experts.choices import Status
from zhiku.experts.tests.factories import make_expert

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def record(make_user: Any, catalogues: None, time_machine: Any) -> dict[str, Any]:
    time_machine.move_to(NOW, tick=False)
    staff = make_user("staff", username="keeper", full_name="周档案")
    exporter = make_user("staff", username="exporter", full_name="吴导出", rights=("export_data",))
    expert = make_expert(name="郑博文", pool_number="GDQ-2026-0001")
    activity = closed_activity(
        staff, dt.date(2026, 3, 16), [expert], title="2026 年广东省政府质量奖现场评审"
    )
    closed_activity(
        staff, dt.date(2026, 4, 2), {expert: AttendanceStatus.UNEXCUSED}, title="标准化课题验收"
    )
    score(staff, activity, expert, (5, 4, 3, 4), comment="现场评审意见中肯")
    Fee.objects.create(
        activity=activity,
        expert=expert,
        amount=Decimal("2000.00"),
        paid_on=dt.date(2026, 3, 31),
        recorded_by=staff,
        recorded_at=NOW,
    )
    held_training(staff, dt.date(2026, 5, 12), attended=[expert], title="质量强省政策解读培训")
    exit_case_raise(actor=staff, expert=expert, ground="other", facts="核查是否仍适宜。")
    return {"staff": staff, "exporter": exporter, "expert": expert}


def test_the_pdf_shows_the_record_in_chinese_with_page_numbers(record: dict[str, Any]) -> None:
    pdf = services.dossier_pdf(actor=record["exporter"], expert=record["expert"])

    text = flat(pdf_text(pdf))
    assert "专家综合考核档案" in text and "郑博文" in text and "GDQ-2026-0001" in text
    assert "广东省质量发展促进会" in text  # the association's header
    assert "第1页，共" in text and "生成时间：2026-07-0110:00" in text
    assert "2026年广东省政府质量奖现场评审" in text and "出席" in text and "无故缺席" in text
    # The scores (5 4 3 4 of 5) and the comment, the training attended, the fee, the exit case.
    assert "54345" in text and "现场评审意见" in text
    assert "质量强省政策解读培训" in text and "质量政策" in text
    assert "2000.00" in text
    assert "第八条第（八）项" in text
    entry = AuditEntry.objects.get(action="evaluations.dossier.exported")
    pages = re.search(r"共(\d+)页", text)
    assert pages is not None
    assert entry.object_id == str(record["expert"].pk) and entry.data["pages"] == int(pages[1])


def test_only_staff_holding_the_export_right_get_the_pdf(record: dict[str, Any]) -> None:
    with pytest.raises(AccessDenied):
        services.dossier_pdf(actor=record["staff"], expert=record["expert"])
    client = Client()
    client.force_login(record["staff"])
    url = reverse("evaluations:dossier_pdf", kwargs={"pk": record["expert"].pk})
    assert client.get(url).status_code == 403
    page = client.get(reverse("evaluations:dossier_detail", kwargs={"pk": record["expert"].pk}))
    assert "下载 PDF 须持有“导出数据”权限" in page.content.decode()

    client.force_login(record["exporter"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        "GDQ-2026-0001" in response["Content-Disposition"]
        or "filename*" in response["Content-Disposition"]
    )


def test_the_page_leaves_out_activities_still_open(record: dict[str, Any]) -> None:
    from zhiku.activities.models import Activity

    hidden = closed_activity(
        record["staff"], dt.date(2026, 8, 1), [record["expert"]], title="保密中的评审"
    )
    Activity.objects.filter(pk=hidden.pk).update(status="open")
    client = Client()
    client.force_login(record["staff"])

    page = client.get(
        reverse("evaluations:dossier_detail", kwargs={"pk": record["expert"].pk})
    ).content.decode()

    assert "2026 年广东省政府质量奖现场评审" in page and "保密中的评审" not in page


@pytest.fixture
def archive_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / "dossiers"


def test_the_pool_is_archived_in_the_background_and_served_once(
    record: dict[str, Any], archive_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    make_expert(name="暂停的专家", pool_number="GDQ-2026-0002", status=Status.SUSPENDED)
    make_expert(name="申请人", pool_number=None, status=Status.APPLICANT)
    exporter = record["exporter"]
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.dossier_batch_start(actor=exporter)
    batch.refresh_from_db()

    assert batch.status == BatchStatus.DONE and (batch.total, batch.done) == (2, 2)
    assert batch.pages >= 2
    path = archive_root / batch.archive
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    # Encrypted at rest: not a zip, and no name of an expert in it.
    stored = path.read_bytes()
    assert stored.startswith(crypto.FILE_MAGIC) and b"PK\x03\x04" not in stored
    assert "郑博文".encode() not in stored and b"GDQ-2026-0001" not in stored

    client = Client()
    client.force_login(exporter)
    progress = client.get(reverse("evaluations:batch_detail", kwargs={"pk": batch.pk}))
    assert "下载压缩包（仅一次）" in progress.content.decode()
    response = client.get(reverse("evaluations:batch_download", kwargs={"pk": batch.pk}))
    # Read to the end, the test client closes the response (with the database connection
    # kept, unlike a bare response.close(), which on PostgreSQL closes it mid-test).
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert sorted(names) == [
        "综合考核档案-GDQ-2026-0001-郑博文.pdf",
        "综合考核档案-GDQ-2026-0002-暂停的专家.pdf",
    ]
    assert not path.exists()
    again = client.get(reverse("evaluations:batch_download", kwargs={"pk": batch.pk}))
    assert again.status_code == 302
    assert "已于" in client.get(again["Location"]).content.decode()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "evaluations.dossier_batch.requested",
        "evaluations.dossier_batch.produced",
        "evaluations.dossier_batch.downloaded",
    } <= actions


def test_an_archive_made_before_encryption_at_rest_is_still_served_once(
    record: dict[str, Any], archive_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.dossier_batch_start(actor=record["exporter"])
    batch.refresh_from_db()
    (archive_root / batch.archive).unlink()
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("综合考核档案-旧.pdf", b"%PDF-1.7 old")
    DossierBatch.objects.filter(pk=batch.pk).update(archive="0" * 32 + ".zip")
    (archive_root / ("0" * 32 + ".zip")).write_bytes(plain.getvalue())
    client = Client()
    client.force_login(record["exporter"])

    response = client.get(reverse("evaluations:batch_download", kwargs={"pk": batch.pk}))
    # Read to the end, the test client closes the response (with the database connection
    # kept, unlike a bare response.close(), which on PostgreSQL closes it mid-test).
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]

    assert zipfile.ZipFile(io.BytesIO(body)).namelist() == ["综合考核档案-旧.pdf"]
    assert not (archive_root / ("0" * 32 + ".zip")).exists()


def test_the_archive_is_its_requesters_alone(
    record: dict[str, Any],
    archive_root: Path,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.dossier_batch_start(actor=record["exporter"])
    other = make_user("staff", username="other-exporter", rights=("export_data",))
    client = Client()
    client.force_login(other)

    assert (
        client.get(reverse("evaluations:batch_detail", kwargs={"pk": batch.pk})).status_code == 404
    )
    assert (
        client.get(reverse("evaluations:batch_download", kwargs={"pk": batch.pk})).status_code
        == 404
    )
    with pytest.raises(DossierError, match="申请人本人"):
        services.dossier_batch_take(actor=other, batch=batch)


def test_an_archive_nobody_fetches_is_deleted_after_its_retention(
    record: dict[str, Any],
    archive_root: Path,
    django_capture_on_commit_callbacks: Any,
    time_machine: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.dossier_batch_start(actor=record["exporter"])
    batch.refresh_from_db()
    path = archive_root / batch.archive

    assert services.dossier_archives_purge(now=NOW + dt.timedelta(hours=23)) == 0
    assert path.exists()
    later = NOW + dt.timedelta(hours=services.ARCHIVE_HOURS, minutes=1)
    assert services.dossier_archives_purge(now=later) == 1
    assert not path.exists()
    time_machine.move_to(later, tick=False)
    with pytest.raises(DossierError, match="保留期限"):
        services.dossier_batch_take(actor=record["exporter"], batch=batch)


def test_a_second_run_waits_for_the_first(record: dict[str, Any], archive_root: Path) -> None:
    services.dossier_batch_start(actor=record["exporter"])  # queued: its task waits for commit

    with pytest.raises(DossierError, match="尚未完成"):
        services.dossier_batch_start(actor=record["exporter"])
    assert DossierBatch.objects.count() == 1


def test_the_progress_fragment_polls_while_the_run_is_under_way(
    record: dict[str, Any], archive_root: Path
) -> None:
    batch = services.dossier_batch_start(actor=record["exporter"])
    DossierBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, done=1)
    client = Client()
    client.force_login(record["exporter"])

    fragment = client.get(
        reverse("evaluations:batch_progress", kwargs={"pk": batch.pk})
    ).content.decode()

    assert 'hx-trigger="every 1s"' in fragment and "已生成 1 / 1 份" in fragment

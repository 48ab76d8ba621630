"""Rosters being imported and their marked error files are encrypted at rest, kept through the
storage API (local disk or S3), and re-encrypted by ``experts_rotate_keys``."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from zhiku.accounts.models import Right, User
from zhiku.core import crypto
from zhiku.core.tests.s3 import BUCKET, keys_in, s3_storages
from zhiku.experts.models import Expert, ImportJob
from zhiku.experts.services import imports
from zhiku.experts.tests.factories import roster_file, roster_row

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def importer(make_user: Any) -> User:
    user: User = make_user("staff", username="importer", rights=(Right.REVIEW_APPLICATIONS,))
    return user


@pytest.fixture
def client_in(client: Client, importer: User) -> Client:
    client.force_login(importer)
    return client


@pytest.fixture
def template(client_in: Client) -> bytes:
    return bytes(client_in.get(reverse("experts:import_template")).content)


def rows_with_one_error() -> list[dict[str, Any]]:
    rows = [roster_row(n) for n in range(3)]
    rows[1]["证件号码"] = rows[1]["证件号码"][:-1] + (
        "0" if rows[1]["证件号码"][-1] != "0" else "1"
    )
    return rows


def start(client: Client, content: bytes, capture: Any, *, run: bool) -> ImportJob:
    with capture(execute=run):
        client.post(
            reverse("experts:import_start"),
            {"file": SimpleUploadedFile("名单.xlsx", content), "admit": "on"},
        )
    return ImportJob.objects.get()


def numbers_of(rows: list[dict[str, Any]]) -> list[bytes]:
    return [str(r["证件号码"]).encode() for r in rows] + [str(r["手机号码"]).encode() for r in rows]


def assert_sealed(raw: bytes, rows: list[dict[str, Any]]) -> None:
    assert raw.startswith(crypto.FILE_MAGIC)
    assert not raw.startswith(b"PK") and b"[Content_Types].xml" not in raw
    assert all(number not in raw for number in numbers_of(rows))


def test_a_roster_waiting_for_its_import_is_kept_encrypted(
    client_in: Client, template: bytes, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [roster_row(n) for n in range(3)]

    job = start(
        client_in, roster_file(template, rows), django_capture_on_commit_callbacks, run=False
    )

    assert job.status == ImportJob.Status.QUEUED and job.stored_file.endswith(".xlsx.bin")
    kept = media / job.stored_file
    assert_sealed(kept.read_bytes(), rows)
    assert kept.stat().st_mode & 0o777 == 0o600
    imports.import_job_run(job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMPLETED and Expert.objects.count() == 3
    assert not kept.exists() and job.stored_file == ""


def test_a_marked_error_file_is_kept_encrypted_and_served_decrypted(
    client_in: Client, template: bytes, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    rows = rows_with_one_error()

    job = start(
        client_in, roster_file(template, rows), django_capture_on_commit_callbacks, run=True
    )

    assert job.status == ImportJob.Status.REJECTED and job.error_file.endswith(".xlsx.bin")
    assert [p.name for p in media.rglob("*") if p.is_file()] == [job.error_file.split("/")[-1]]
    assert_sealed((media / job.error_file).read_bytes(), rows)
    download = client_in.get(reverse("experts:import_job_errors", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="import-{job.pk}-errors.xlsx"'
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    assert sheet["E3"].comment is not None  # the wrong number, marked


def test_an_error_file_altered_on_disk_is_not_served(
    client_in: Client, template: bytes, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    job = start(
        client_in,
        roster_file(template, rows_with_one_error()),
        django_capture_on_commit_callbacks,
        run=True,
    )
    path = media / job.error_file
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))

    with pytest.raises(crypto.DecryptionFailed):
        b"".join(imports.kept_chunks(job.error_file))


def test_rotating_the_keys_re_encrypts_kept_rosters_and_error_files(
    client_in: Client,
    template: bytes,
    media: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    rejected = start(
        client_in,
        roster_file(template, rows_with_one_error()),
        django_capture_on_commit_callbacks,
        run=True,
    )
    waiting_rows = [roster_row(n) for n in range(10, 12)]
    with django_capture_on_commit_callbacks(execute=False):
        client_in.post(
            reverse("experts:import_start"),
            {"file": SimpleUploadedFile("二.xlsx", roster_file(template, waiting_rows))},
        )
    waiting = ImportJob.objects.exclude(pk=rejected.pk).get()
    old = settings.ZHIKU_FIELD_KEYS[0]
    settings.ZHIKU_FIELD_KEYS = [Fernet.generate_key().decode(), old]

    call_command("experts_rotate_keys", stdout=io.StringIO())
    settings.ZHIKU_FIELD_KEYS = settings.ZHIKU_FIELD_KEYS[:1]  # the old key dropped

    assert imports.import_files_rotate() == 2  # safe to run again

    load_workbook(io.BytesIO(b"".join(imports.kept_chunks(rejected.error_file))))
    imports.import_job_run(job=waiting)
    waiting.refresh_from_db()
    assert waiting.status == ImportJob.Status.COMPLETED and waiting.created_count == 2


def test_an_error_file_kept_before_encryption_is_still_served(
    client_in: Client, importer: User, media: Path
) -> None:
    (media / "imports" / "errors").mkdir(parents=True)
    (media / "imports" / "errors" / "old.xlsx").write_bytes(b"marked in clear")
    job = ImportJob.objects.create(
        created_by=importer,
        created_at=NOW,
        finished_at=NOW,
        file_name="旧.xlsx",
        status=ImportJob.Status.REJECTED,
        error_file="imports/errors/old.xlsx",
    )

    download = client_in.get(reverse("experts:import_job_errors", args=[job.pk]))

    assert b"".join(download.streaming_content) == b"marked in clear"  # type: ignore[attr-defined]


@pytest.fixture
def s3(settings: Any, monkeypatch: pytest.MonkeyPatch, media: Path) -> Iterator[Any]:
    with s3_storages(settings, monkeypatch) as client:
        yield client
    assert not any(media.iterdir())  # nothing on this server's disk


def test_on_s3_an_import_keeps_its_files_in_the_bucket_encrypted(
    client_in: Client, template: bytes, s3: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = rows_with_one_error()

    job = start(
        client_in, roster_file(template, rows), django_capture_on_commit_callbacks, run=True
    )

    assert job.status == ImportJob.Status.REJECTED
    assert keys_in(s3) == [f"files/{job.error_file}"]
    assert_sealed(s3.get_object(Bucket=BUCKET, Key=f"files/{job.error_file}")["Body"].read(), rows)
    download = client_in.get(reverse("experts:import_job_errors", args=[job.pk]))
    load_workbook(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]

    good = [roster_row(n) for n in range(20, 23)]
    second = start_again(client_in, roster_file(template, good), django_capture_on_commit_callbacks)
    assert second.status == ImportJob.Status.COMPLETED and second.created_count == 3
    assert keys_in(s3) == [f"files/{job.error_file}"]  # the upload is gone with its job


def start_again(client: Client, content: bytes, capture: Any) -> ImportJob:
    with capture(execute=True):
        client.post(
            reverse("experts:import_start"), {"file": SimpleUploadedFile("b.xlsx", content)}
        )
    return ImportJob.objects.latest("pk")

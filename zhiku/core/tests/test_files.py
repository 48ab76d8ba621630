"""The storages every kept file goes through: private local disk, or an S3 bucket (moto)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from zhiku.core import crypto, files, uploads
from zhiku.core.tests.s3 import BUCKET, keys_in, s3_storages
from zhiku.core.tests.uploads import pdf_bytes


@pytest.fixture
def local(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ZHIKU_UPLOAD_ROOT = tmp_path / "uploads"
    return tmp_path


@pytest.fixture
def s3(settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    # Nothing may land on local disk while the files are on S3.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ZHIKU_UPLOAD_ROOT = tmp_path / "uploads"
    with s3_storages(settings, monkeypatch) as client:
        yield client
    assert not (tmp_path / "media").exists() and not (tmp_path / "uploads").exists()


def failing(after: bytes) -> Iterator[bytes]:
    yield after
    raise OSError("disk gone")


# --- local disk -----------------------------------------------------------------------------


def test_a_local_file_is_private_and_replaced_whole(local: Path) -> None:
    files.write(files.WORKING, "imports/a.bin", [b"first ", b"version"])
    files.write(files.WORKING, "imports/a.bin", [b"second"])

    path = local / "media" / "imports" / "a.bin"
    assert path.read_bytes() == b"second"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert b"".join(files.read(files.WORKING, "imports/a.bin")) == b"second"
    assert list(files.walk(files.WORKING)) == ["imports/a.bin"]


def test_a_write_that_fails_leaves_the_old_file_and_no_part(local: Path) -> None:
    files.write(files.WORKING, "imports/a.bin", [b"whole"])

    with pytest.raises(OSError, match="disk gone"):
        files.write(files.WORKING, "imports/a.bin", failing(b"half"))
    with pytest.raises(OSError, match="disk gone"):
        files.write(files.WORKING, "imports/new.bin", failing(b"half"))

    assert b"".join(files.read(files.WORKING, "imports/a.bin")) == b"whole"
    assert list(files.walk(files.WORKING, unfinished=True)) == ["imports/a.bin"]


def test_an_unfinished_write_is_not_listed_as_a_file(local: Path) -> None:
    (local / "media" / "x").mkdir(parents=True)
    (local / "media" / "x" / f"{files.TEMPORARY_PREFIX}1-a.bin").write_bytes(b"part")
    files.write(files.WORKING, "x/b.bin", [b"whole"])

    assert list(files.walk(files.WORKING)) == ["x/b.bin"]
    assert len(list(files.walk(files.WORKING, unfinished=True))) == 2


def test_uploads_go_to_the_upload_root_and_working_files_to_media(local: Path) -> None:
    files.write(files.UPLOADS, "ab/c.bin", [b"u"])
    files.write(files.WORKING, "d/e.bin", [b"w"])

    assert (local / "uploads" / "ab" / "c.bin").read_bytes() == b"u"
    assert (local / "media" / "d" / "e.bin").read_bytes() == b"w"


# --- encrypted files ------------------------------------------------------------------------


def test_an_encrypted_file_holds_no_plaintext_and_is_bound_to_its_id(local: Path) -> None:
    file_id = uuid.uuid4().bytes
    secret = "身份证号码 440101199001011234".encode() * 1000
    files.write_encrypted(files.WORKING, "e/x.bin", [secret], file_id=file_id)

    raw = (local / "media" / "e" / "x.bin").read_bytes()
    assert raw.startswith(crypto.FILE_MAGIC) and b"440101199001011234" not in raw
    assert b"".join(files.read_decrypted(files.WORKING, "e/x.bin", file_id=file_id)) == secret
    with pytest.raises(crypto.DecryptionFailed):
        b"".join(files.read_decrypted(files.WORKING, "e/x.bin", file_id=uuid.uuid4().bytes))
    with files.decrypted_copy(files.WORKING, "e/x.bin", file_id=file_id, suffix=".xlsx") as copy:
        assert copy.read_bytes() == secret and copy.suffix == ".xlsx"
    assert not copy.exists()


def test_rotation_puts_an_encrypted_file_under_the_new_key(local: Path, settings: Any) -> None:
    file_id = uuid.uuid4().bytes
    files.write_encrypted(files.WORKING, "e/x.bin", [b"rows"], file_id=file_id)
    old = settings.ZHIKU_FIELD_KEYS[0]
    new = Fernet.generate_key().decode()

    settings.ZHIKU_FIELD_KEYS = [new, old]
    files.rotate_encrypted(files.WORKING, "e/x.bin")
    settings.ZHIKU_FIELD_KEYS = [new]

    assert b"".join(files.read_decrypted(files.WORKING, "e/x.bin", file_id=file_id)) == b"rows"


def test_older_than_reads_the_stored_time(local: Path) -> None:
    files.write(files.WORKING, "a.bin", [b"x"])
    # The file's time is set, not taken from the disk's clock: the suite also runs with a
    # test clock a year ahead, which moves `now` but not the times the disk writes.
    written = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    os.utime(local / "media" / "a.bin", (written.timestamp(), written.timestamp()))

    assert files.older_than(files.WORKING, "a.bin", written + dt.timedelta(minutes=1))
    assert not files.older_than(files.WORKING, "a.bin", written - dt.timedelta(minutes=1))


# --- S3 -------------------------------------------------------------------------------------


def test_on_s3_files_are_written_read_listed_and_deleted_through_the_bucket(s3: Any) -> None:
    files.write(files.WORKING, "imports/a.bin", [b"first"])
    files.write(files.WORKING, "imports/a.bin", [b"sec", b"ond"])
    files.write(files.UPLOADS, "ab/c.bin", [b"u"])

    assert keys_in(s3) == ["files/imports/a.bin", "uploads/ab/c.bin"]
    assert b"".join(files.read(files.WORKING, "imports/a.bin")) == b"second"
    assert files.exists(files.WORKING, "imports/a.bin")
    assert list(files.walk(files.WORKING)) == ["imports/a.bin"]
    with files.local_path(files.WORKING, "imports/a.bin", suffix=".bin") as copy:
        assert copy.read_bytes() == b"second"
    assert not copy.exists()
    files.delete(files.WORKING, "imports/a.bin")
    files.delete(files.WORKING, "imports/a.bin")  # a missing file is not an error
    assert keys_in(s3) == ["uploads/ab/c.bin"]


def test_on_s3_a_write_that_fails_leaves_the_old_object(s3: Any) -> None:
    files.write(files.WORKING, "a.bin", [b"whole"])

    with pytest.raises(OSError, match="disk gone"):
        files.write(files.WORKING, "a.bin", failing(b"half"))

    assert b"".join(files.read(files.WORKING, "a.bin")) == b"whole"


@pytest.mark.django_db
def test_on_s3_an_upload_is_stored_encrypted_served_and_rotated(s3: Any, settings: Any) -> None:
    pdf = pdf_bytes(text="Zhiku on S3")
    stored = uploads.stored_file_create(name="材料.pdf", content=pdf, actor=None, purpose="test")

    key = f"uploads/{stored.relative_path}"
    assert keys_in(s3) == [key]
    raw = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert raw.startswith(crypto.FILE_MAGIC) and pdf not in raw
    assert uploads.stored_file_bytes(stored) == pdf
    settings.ZHIKU_FIELD_KEYS = [Fernet.generate_key().decode(), *settings.ZHIKU_FIELD_KEYS]
    assert uploads.stored_files_rotate() == 1
    settings.ZHIKU_FIELD_KEYS = settings.ZHIKU_FIELD_KEYS[:1]
    assert uploads.stored_file_bytes(stored) == pdf

"""Uploads: typed by content, bounded, names never trusted, encrypted at rest, served decrypted."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.test import RequestFactory

from zhiku.core import crypto, sms, uploads
from zhiku.core.models import StoredFile
from zhiku.core.tests.uploads import (
    executable_bytes,
    image_bytes,
    multipart,
    pdf_bytes,
    pdf_with_embedded_file,
    pdf_with_escaped_script,
    pdf_with_script,
    pdf_with_script_in_object_stream,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def upload_root(settings: Any, tmp_path: Path) -> Path:
    settings.ZHIKU_UPLOAD_ROOT = tmp_path / "uploads"
    return Path(settings.ZHIKU_UPLOAD_ROOT)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def store(name: str, data: Any, **kwargs: Any) -> StoredFile:
    return uploads.stored_file_create(name=name, content=data, actor=None, purpose="test", **kwargs)


@pytest.mark.parametrize(
    ("name", "data", "kind", "shown"),
    [
        ("简历.pdf", pdf_bytes(), "pdf", "简历.pdf"),
        ("身份证正面.JPG", image_bytes("JPEG"), "jpeg", "身份证正面.jpg"),
        ("证书.png", image_bytes("PNG"), "png", "证书.png"),
        # The type comes from the content: a PNG named .pdf is a PNG.
        ("scan.pdf", image_bytes("PNG"), "png", "scan.png"),
        ("无扩展名", pdf_bytes(), "pdf", "无扩展名.pdf"),
    ],
)
def test_pdf_jpeg_and_png_are_stored_with_their_real_type(
    name: str, data: bytes, kind: str, shown: str
) -> None:
    stored = store(name, data)
    assert (stored.kind, stored.original_name, stored.size) == (kind, shown, len(data))
    assert uploads.stored_file_bytes(stored) == data


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("简历.pdf", executable_bytes(), "可执行程序"),
        ("setup.exe", executable_bytes(), "可执行程序"),
        ("run.pdf", b"#!/bin/sh\nrm -rf /\n", "可执行程序"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "文件内容不是 PDF、JPEG、PNG"),
        ("empty.pdf", b"", "文件是空的"),
        ("cut.pdf", pdf_bytes()[:-40], "PDF 文件不完整"),
        ("broken.jpg", image_bytes("JPEG")[:60], "图片文件已损坏"),
        ("script.pdf", pdf_with_script(), "JS、JavaScript"),
        ("escaped.pdf", pdf_with_escaped_script(), "JavaScript"),
        ("hidden.pdf", pdf_with_script_in_object_stream(), "JavaScript"),
        ("attached.pdf", pdf_with_embedded_file(), "EmbeddedFile"),
        (
            "locked.pdf",
            pdf_bytes().replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 9 0 R"),
            "加密",
        ),
        ("../../etc/cron.d/evil.pdf", pdf_bytes(), "含有路径"),
        ("..\\..\\windows\\evil.pdf", pdf_bytes(), "含有路径"),
        ("C:evil.pdf", pdf_bytes(), "含有路径"),
        ("%2e%2e%2fevil.pdf", pdf_bytes(), "含有路径"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason_and_nothing_is_stored(
    name: str, data: bytes, message: str, upload_root: Path
) -> None:
    with pytest.raises(uploads.UploadRefused, match=message):
        store(name, data)
    assert StoredFile.objects.count() == 0
    assert _files(upload_root) == []


def test_an_oversize_file_is_refused_before_it_is_read_whole(
    settings: Any, upload_root: Path
) -> None:
    settings.ZHIKU_UPLOAD_MAX_FILE_MB = 1
    big = SimpleUploadedFile("big.pdf", pdf_bytes() + b"%" * (1024 * 1024))
    with pytest.raises(uploads.UploadRefused, match="每个文件不超过 1 MB"):
        store("big.pdf", big)
    with pytest.raises(uploads.UploadRefused, match="每个文件不超过 1 MB"):
        store("big.pdf", io.BytesIO(pdf_bytes() + b"%" * (1024 * 1024)))
    assert StoredFile.objects.count() == 0
    assert _files(upload_root) == []


def test_the_storage_directory_holds_no_plaintext(upload_root: Path) -> None:
    secret = "SECRET-440106197005170011-CARD"
    stored = store("身份证.pdf", pdf_bytes(text=secret))
    files = _files(upload_root)
    assert len(files) == 1
    raw = files[0].read_bytes()
    assert secret.encode() not in raw
    assert b"%PDF" not in raw
    # Random name: neither the original name nor the type shows on disk.
    assert files[0].name == f"{stored.id.hex}.bin"
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"
    assert secret in uploads.stored_file_bytes(stored).decode("latin-1")


def test_a_large_file_is_encrypted_and_served_in_chunks() -> None:
    data = pdf_bytes(text="x" * 10) + b"%" + bytes(300_000) + b"\n%%EOF\n"
    stored = store("big.pdf", data)
    chunks = list(uploads.stored_file_chunks(stored))
    assert len(chunks) > 3
    assert b"".join(chunks) == data


def test_a_file_altered_on_disk_is_not_served(upload_root: Path) -> None:
    data = pdf_bytes() + b"%" + bytes(200_000) + b"\n%%EOF\n"
    stored = store("a.pdf", data)
    other = store("b.pdf", data)
    path = upload_root / stored.relative_path
    # Moving another file's chunks into this one is noticed: chunks are bound to their file.
    path.write_bytes((upload_root / other.relative_path).read_bytes())
    with pytest.raises(crypto.DecryptionFailed):
        uploads.stored_file_bytes(stored)
    # So is cutting a file short after a whole chunk.
    raw = (upload_root / other.relative_path).read_bytes()
    first = 4 + 4 + int.from_bytes(raw[4:8], "big")
    (upload_root / other.relative_path).write_bytes(raw[:first])
    with pytest.raises(crypto.DecryptionFailed, match="截断"):
        uploads.stored_file_bytes(other)


def test_inline_response_previews_only_within_this_site() -> None:
    stored = store("照片.png", image_bytes("PNG"))
    response = uploads.stored_file_response(stored, inline=True)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == image_bytes("PNG")  # type: ignore[arg-type]
    download = uploads.stored_file_response(stored, inline=False)
    assert download["Content-Disposition"].startswith("attachment")


def test_rotation_re_encrypts_stored_files_under_the_new_key(settings: Any) -> None:
    data = pdf_bytes(text="rotate me")
    stored = store("a.pdf", data)
    old_key = settings.ZHIKU_FIELD_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.ZHIKU_FIELD_KEYS = [new_key, old_key]
    assert uploads.stored_files_rotate() == 1
    assert uploads.stored_files_rotate() == 1  # safe to run twice
    settings.ZHIKU_FIELD_KEYS = [new_key]
    assert uploads.stored_file_bytes(stored) == data
    settings.ZHIKU_FIELD_KEYS = [old_key]
    with pytest.raises(crypto.DecryptionFailed):
        uploads.stored_file_bytes(stored)


def test_rotate_keys_command_re_encrypts_files_too(settings: Any) -> None:
    from django.core.management import call_command

    data = pdf_bytes(text="command")
    stored = store("a.pdf", data)
    old_key = settings.ZHIKU_FIELD_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.ZHIKU_FIELD_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("experts_rotate_keys", stdout=out)
    assert "1 个上传文件" in out.getvalue()
    settings.ZHIKU_FIELD_KEYS = [new_key]
    assert uploads.stored_file_bytes(stored) == data


@pytest.mark.parametrize(
    "sent",
    [
        "../../etc/passwd.pdf",
        "..\\..\\boot.ini.pdf",
        "C:\\fakepath\\cv.pdf",
        "&#47;etc&#47;x.pdf",
    ],
)
def test_the_name_as_the_browser_sent_it_is_seen_before_django_strips_it(sent: str) -> None:
    body, content_type = multipart({"file": (sent, pdf_bytes(), "application/pdf")}, {"a": "1"})
    request = RequestFactory().generic("POST", "/upload/", data=body, content_type=content_type)
    assert uploads.unsafe_names(request) == [sent]
    # Django itself would have stored it under a shortened name.
    shortened = request.FILES["file"]
    assert isinstance(shortened, SimpleUploadedFile | InMemoryUploadedFile)
    assert "/" not in str(shortened.name)
    assert request.POST["a"] == "1"


def test_ordinary_names_are_not_flagged() -> None:
    body, content_type = multipart({"file": ("身份证 正面(1).pdf", pdf_bytes(), "application/pdf")})
    request = RequestFactory().generic("POST", "/upload/", data=body, content_type=content_type)
    assert uploads.unsafe_names(request) == []
    received = request.FILES["file"]
    assert isinstance(received, InMemoryUploadedFile)
    assert received.read() == pdf_bytes()


def test_a_pdf_this_site_generates_is_accepted() -> None:
    from zhiku.core.documents import render_pdf

    pdf = render_pdf("documents/base.html", {})
    assert store("表.pdf", pdf).kind == "pdf"


def test_sms_backends_send_to_the_log_or_to_the_test_outbox(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="zhiku.sms"):
        sms.send_sms("13812345678", "验证码 123456")
    assert "138****5678" in caplog.text
    assert "验证码 123456" in caplog.text
    assert "13812345678" not in caplog.text

    settings.ZHIKU_SMS_BACKEND = "zhiku.core.sms.LocmemBackend"
    sms.outbox.clear()
    sms.send_sms("13812345678", "验证码 654321")
    assert sms.outbox == [sms.TextMessage("13812345678", "验证码 654321")]
    sms.outbox.clear()


def test_files_left_by_a_rolled_back_transaction_are_purged(upload_root: Path) -> None:
    import os
    import time

    from django.core.management import call_command
    from django.db import transaction

    kept = store("kept.pdf", pdf_bytes())
    with pytest.raises(RuntimeError), transaction.atomic():
        store("lost.pdf", pdf_bytes(text="lost"))
        raise RuntimeError("rolled back after the file was written")
    assert len(_files(upload_root)) == 2
    # Both files were written "just now" by the test's clock (the suite also runs with a clock
    # a year ahead, which the disk's own times do not follow).
    for path in _files(upload_root):
        os.utime(path, (time.time(), time.time()))
    out = io.StringIO()
    call_command("uploads_purge_orphans", stdout=out)
    assert "已删除 0 个" in out.getvalue()  # too recent: it may belong to a transaction still open
    for path in _files(upload_root):
        os.utime(path, (0, 0))
    call_command("uploads_purge_orphans", stdout=out)
    assert "已删除 1 个" in out.getvalue()
    assert [p.name for p in _files(upload_root)] == [f"{kept.id.hex}.bin"]

"""Documents through the pages: what is refused (and that nothing is then stored), who may open
what, and that the storage directory never holds a document in plaintext."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from zhiku.core.models import AuditEntry, StoredFile
from zhiku.core.tests.factories import pdf_embedded_cjk_fonts, pdf_text
from zhiku.core.tests.uploads import (
    executable_bytes,
    image_bytes,
    multipart,
    pdf_bytes,
    pdf_with_script,
)
from zhiku.recruitment.models import Application, ApplicationDocument
from zhiku.recruitment.tests.factories import (
    ID_NUMBER,
    NOW,
    fill,
    make_applicant,
    make_call,
    make_reviewer,
    start,
    submitted,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft() -> Application:
    return fill(start(make_applicant(), make_call()), documents=False)


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(
    client: Client, application: Application, name: str, data: bytes, kind: str = "cv"
) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    with time_machine.travel(NOW, tick=False):
        response = client.post(
            f"/me/applications/{application.pk}/documents/",
            {"kind": kind, "file": SimpleUploadedFile(name, data)},
            follow=True,
        )
    assert response.status_code == 200
    return response.content.decode()


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("简历.pdf", executable_bytes(), "该文件是可执行程序或脚本，不能上传"),
        ("成就.pdf", pdf_with_script(), "PDF 文件含有脚本"),
        ("图片.jpg", b"GIF89a" + bytes(100), "文件内容不是 PDF、JPEG、PNG"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_is_stored(
    draft: Application, upload_root: Path, name: str, data: bytes, message: str
) -> None:
    page = upload(client_of(draft.user), draft, name, data)
    assert message in page
    assert StoredFile.objects.count() == 0
    assert not draft.documents.exists()
    assert files_in(upload_root) == []


def test_an_oversize_file_is_refused(draft: Application, upload_root: Path, settings: Any) -> None:
    settings.ZHIKU_UPLOAD_MAX_FILE_MB = 1
    page = upload(
        client_of(draft.user),
        draft,
        "big.pdf",
        pdf_bytes() + b"%" + bytes(1024 * 1024) + b"\n%%EOF\n",
    )
    assert "文件过大：每个文件不超过 1 MB" in page
    assert StoredFile.objects.count() == 0
    assert files_in(upload_root) == []


@pytest.mark.parametrize(
    "sent", ["../../../etc/cron.d/cv.pdf", "..\\..\\cv.pdf", "C:\\fakepath\\cv.pdf"]
)
def test_a_file_name_with_path_parts_is_refused(
    draft: Application, upload_root: Path, sent: str
) -> None:
    body, content_type = multipart({"file": (sent, pdf_bytes(), "application/pdf")}, {"kind": "cv"})
    client = client_of(draft.user)
    with time_machine.travel(NOW, tick=False):
        response = client.generic(
            "POST", f"/me/applications/{draft.pk}/documents/", data=body, content_type=content_type
        )
        page = client.get(response.headers["Location"]).content.decode()
    assert "含有路径，不能接收" in page
    assert StoredFile.objects.count() == 0
    assert files_in(upload_root) == []


def test_an_accepted_document_is_stored_encrypted_and_served_to_its_applicant(
    draft: Application, upload_root: Path
) -> None:
    secret = f"IDCARD-{ID_NUMBER}"
    page = upload(
        client_of(draft.user), draft, "身份证.pdf", pdf_bytes(text=secret), kind="identity"
    )
    assert "已上传：身份证.pdf" in page
    document = draft.documents.get()
    assert document.file.original_name == "身份证.pdf"
    stored = files_in(upload_root)
    assert len(stored) == 1
    raw = stored[0].read_bytes()
    assert secret.encode() not in raw and ID_NUMBER.encode() not in raw and b"%PDF" not in raw
    response = client_of(draft.user).get(f"/me/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes(text=secret)  # type: ignore[attr-defined]
    assert response["Content-Disposition"].startswith("attachment")


def test_another_applicants_document_answers_404_and_the_attempt_is_recorded(
    draft: Application,
) -> None:
    upload(client_of(draft.user), draft, "身份证.png", image_bytes("PNG"), kind="identity")
    document = draft.documents.get()
    intruder = make_applicant("intruder", "窥探者")
    response = client_of(intruder).get(f"/me/documents/{document.pk}/")
    assert response.status_code == 404
    entry = AuditEntry.objects.get(action="recruitment.document.access_refused")
    assert entry.actor == intruder
    assert entry.data == {"document": document.pk}
    assert entry.object_id == str(draft.pk)
    # A made-up number is recorded too.
    assert client_of(intruder).get("/me/documents/999999/").status_code == 404
    assert AuditEntry.objects.filter(action="recruitment.document.access_refused").count() == 2


def test_reviewers_open_documents_and_every_view_is_recorded(make_user: Any) -> None:
    application = submitted()
    reviewer = make_reviewer()
    document = application.active_documents().get(kind="identity")
    client = client_of(reviewer)
    page = client.get(f"/workspace/recruitment/applications/{application.pk}/").content.decode()
    assert f'<img src="/workspace/recruitment/documents/{document.pk}/?inline=1"' in page
    assert "<iframe" in page  # the PDFs
    preview = client.get(f"/workspace/recruitment/documents/{document.pk}/?inline=1")
    assert preview["Content-Type"] == "image/png"
    assert preview["Content-Disposition"].startswith("inline")
    assert "frame-ancestors 'self'" in preview["Content-Security-Policy"]
    client.get(f"/workspace/recruitment/documents/{document.pk}/")
    views = AuditEntry.objects.filter(action="recruitment.document.viewed", actor=reviewer)
    assert [e.data["inline"] for e in views.order_by("seq")] == [True, False]
    # Staff without the review right are refused; the applicant's own page does not serve them.
    clerk = make_user("staff", username="clerk")
    assert (
        client_of(clerk).get(f"/workspace/recruitment/documents/{document.pk}/").status_code == 403
    )
    assert client_of(reviewer).get(f"/me/documents/{document.pk}/").status_code == 403


def test_a_draft_is_not_shown_to_staff(draft: Application) -> None:
    upload(client_of(draft.user), draft, "cv.pdf", pdf_bytes())
    document = draft.documents.get()
    client = client_of(make_reviewer())
    assert client.get(f"/workspace/recruitment/applications/{draft.pk}/").status_code == 404
    assert client.get(f"/workspace/recruitment/documents/{document.pk}/").status_code == 404


def test_the_application_form_is_a_real_pdf_with_the_applicants_data_and_an_embedded_cjk_font(
    draft: Application,
) -> None:
    with time_machine.travel(NOW, tick=False):
        response = client_of(draft.user).get(f"/me/applications/{draft.pk}/form.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = pdf_text(pdf)
    assert "林申请" in text
    assert "入库申请表" in text
    assert "广东省标准化研究院" in text
    assert ID_NUMBER in text  # the applicant's own form carries their number
    assert pdf_embedded_cjk_fonts(pdf)


def test_the_form_of_someone_else_is_404(draft: Application) -> None:
    other = make_applicant("other", "王他人")
    assert client_of(other).get(f"/me/applications/{draft.pk}/form.pdf").status_code == 404


def test_removing_a_document_from_the_page_keeps_it_on_record(draft: Application) -> None:
    client = client_of(draft.user)
    upload(client, draft, "cv.pdf", pdf_bytes())
    document = draft.documents.get()
    with time_machine.travel(NOW, tick=False):
        client.post(f"/me/applications/{draft.pk}/documents/{document.pk}/remove/")
    document.refresh_from_db()
    assert document.removed_at is not None
    assert isinstance(document, ApplicationDocument)

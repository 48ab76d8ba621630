"""Recruitment's background work: letters and certificates by e-mail, made and sent by the worker."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django_tasks import task

from zhiku.core import uploads
from zhiku.core.models import StoredFile


@task()
def send_documents(*, subject: str, body: str, recipients: list[str], file_ids: list[str]) -> int:
    """Send one plain-text e-mail with stored PDFs attached (decision letters, a certificate)."""
    message = EmailMessage(subject=subject, body=body, to=recipients)
    for stored in StoredFile.objects.filter(pk__in=file_ids).order_by("uploaded_at"):
        message.attach(stored.original_name, uploads.stored_file_bytes(stored), stored.content_type)
    return message.send()


@task()
def certificate_issue(*, certificate_id: int) -> str:
    """Make an admitted expert's certificate (聘书) and e-mail it to them with the news."""
    from zhiku.recruitment.services.admission import certificate_send

    return certificate_send(certificate_id=certificate_id)

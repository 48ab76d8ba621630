"""The exits app's background work: the written notice by e-mail, sent by the worker."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django_tasks import task

from zhiku.core import uploads
from zhiku.core.models import StoredFile


@task()
def exit_notice_email(*, subject: str, body: str, recipients: list[str], file_id: str) -> int:
    """Send the written notice of an exit case (书面告知书), its PDF attached."""
    stored = StoredFile.objects.get(pk=file_id)
    message = EmailMessage(subject=subject, body=body, to=recipients)
    message.attach(stored.original_name, uploads.stored_file_bytes(stored), stored.content_type)
    return message.send()

"""Background work through the django-tasks API (Django 6's built-in tasks, backported)."""

from __future__ import annotations

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(*, subject: str, body: str, recipients: list[str]) -> int:
    """Send one plain-text e-mail; the worker retries nothing, a failure stays on the task record."""
    return send_mail(subject, body, None, recipients)

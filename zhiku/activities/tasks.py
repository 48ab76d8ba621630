"""Background work of activities: the invitation e-mails."""

from __future__ import annotations

import smtplib

from django.core.mail import send_mail
from django_tasks import task

from zhiku.activities.models import Delivery


@task()
def invitation_email_send(*, delivery_id: int) -> str:
    """Send one invitation's e-mail and record how it went on its delivery row.

    Only the row's id travels through the task queue: the personal link is rebuilt here from the
    invitation (see ``services.links``), so no working link is stored with the task.
    """
    from zhiku.activities.services.links import personal_link
    from zhiku.activities.services.sending import email_text, mark_email

    delivery = Delivery.objects.select_related("invitation__activity", "invitation__expert").get(
        pk=delivery_id
    )
    invitation = delivery.invitation
    subject, body = email_text(invitation, personal_link(invitation))
    try:
        send_mail(subject, body, None, [invitation.expert.email])
    except (smtplib.SMTPException, OSError) as exc:
        mark_email(delivery, sent=False, detail=str(exc))
        return "failed"
    mark_email(delivery, sent=True)
    return "sent"

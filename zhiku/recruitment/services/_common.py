"""What every recruitment service shares: the domain error, status changes, notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.errors import AccessDenied, DomainError
from zhiku.core.http import site_url
from zhiku.core.tasks import send_email
from zhiku.core.transitions import transition_record
from zhiku.recruitment.models import Application, ApplicationStatusChange

# The action code of each status an application moves to.
STATUS_ACTIONS: dict[str, str] = {
    Application.Status.SUBMITTED: "recruitment.application.submitted",
    Application.Status.RETURNED: "recruitment.application.returned",
    Application.Status.REJECTED: "recruitment.application.rejected",
    Application.Status.PASSED: "recruitment.application.passed",
    Application.Status.DELIBERATING: "recruitment.application.deliberating",
    Application.Status.APPROVED: "recruitment.application.approved",
    Application.Status.NOT_APPROVED: "recruitment.application.not_approved",
    Application.Status.NOTICE: "recruitment.application.on_notice",
    Application.Status.ADMITTED: "recruitment.application.admitted",
    Application.Status.NOT_ADMITTED: "recruitment.application.not_admitted",
}
# Back to 待审议 when a round missed its quorum.
LAPSED_ACTIONS = {"lapsed": "recruitment.application.deliberation_lapsed"}

# Statuses in which an application is still being decided (or waits for the notice).
OPEN_STATUSES = (
    Application.Status.SUBMITTED,
    Application.Status.RETURNED,
    Application.Status.PASSED,
    Application.Status.DELIBERATING,
    Application.Status.APPROVED,
    Application.Status.NOTICE,
)


class RecruitmentError(DomainError):
    """A recruitment step that cannot be taken, with a message a person can act on."""


def require_own(actor: User, application: Application) -> None:
    """Only the applicant acts on their own application."""
    if not actor.is_active or application.user_id != actor.pk:
        raise AccessDenied(_("只能办理本人的入库申请。"))


def status_label(status: str) -> str:
    return str(Application.Status(status).label)


def record_status(
    application: Application,
    *,
    to: str,
    actor: Any,
    reason: str = "",
    at: dt.datetime | None = None,
    data: dict[str, Any] | None = None,
    action: str = "",
) -> ApplicationStatusChange:
    """Move ``application`` to ``to``: its transition row and audit entry, then the status."""
    change = transition_record(
        ApplicationStatusChange,
        action=action or STATUS_ACTIONS[to],
        subject=application,
        actor=actor,
        from_value=application.status,
        to_value=to,
        reason=reason,
        at=at,
        data={"call": application.call_id, **(data or {})},
        application=application,
    )
    application.status = to
    application.save(update_fields=["status", "updated_at"])
    return change


def recipient(application: Application) -> str:
    return application.email or application.user.email


def notify_applicant(application: Application, event: str, **context: Any) -> None:
    """E-mail the applicant what happened (through the background worker)."""
    to = recipient(application)
    if not to:
        return
    body = render_to_string(
        f"recruitment/email/{event}.txt",
        {
            "application": application,
            "link": site_url(reverse("me:application_detail", kwargs={"pk": application.pk})),
            **context,
        },
    )
    subject, _sep, text = body.partition("\n")
    send_email.enqueue(subject=subject.strip(), body=text.lstrip("\n"), recipients=[to])

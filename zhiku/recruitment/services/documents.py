"""The documents of the notice and after it: the notice as a PDF, the written notices (书面告知)
of an objection's outcome, and the appointment certificate. Letters are kept as stored files
(encrypted, as uploads are) on the record they belong to, and e-mailed where addresses exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from zhiku.core import uploads
from zhiku.core.documents import render_pdf
from zhiku.core.http import site_url
from zhiku.core.models import StoredFile
from zhiku.recruitment import rules
from zhiku.recruitment.models import Certificate, Notice, Objection
from zhiku.recruitment.tasks import send_documents

LETTER_PURPOSE = "recruitment.objection_letter"
CERTIFICATE_PURPOSE = "recruitment.certificate"


def notice_pdf(notice: Notice) -> bytes:
    """The notice as the association prints and posts it (public: no personal identifiers)."""
    return render_pdf(
        "recruitment/documents/notice.html",
        {
            "notice": notice,
            "entries": list(notice.entries.order_by("position")),
            "site_url": site_url(reverse("notices:objection_create", kwargs={"pk": notice.pk})),
        },
        produced_at=notice.updated_at,
    )


def _store(pdf: bytes, *, name: str, actor: Any, purpose: str) -> StoredFile:
    return uploads.stored_file_create(name=name, content=pdf, actor=actor, purpose=purpose)


def _letter_context(objection: Objection) -> dict[str, Any]:
    entry = objection.entry
    return {
        "objection": objection,
        "entry": entry,
        "notice": objection.notice,
        "upheld": objection.status == Objection.Status.UPHELD,
    }


def objection_letters(
    objection: Objection, *, actor: Any, now: dt.datetime
) -> tuple[StoredFile, StoredFile]:
    """Make the two written notices of a decided objection: to the objector and to the expert.

    The expert's letter says what was decided and why, never who objected.
    """
    context = _letter_context(objection)
    to_objector = render_pdf(
        "recruitment/documents/objection_letter_objector.html", context, produced_at=now
    )
    to_expert = render_pdf(
        "recruitment/documents/objection_letter_expert.html", context, produced_at=now
    )
    return (
        _store(
            to_objector,
            name=f"异议处理结果告知书（第{objection.pk}号，致异议人）.pdf",
            actor=actor,
            purpose=LETTER_PURPOSE,
        ),
        _store(
            to_expert,
            name=f"异议处理结果告知书（第{objection.pk}号，致专家本人）.pdf",
            actor=actor,
            purpose=LETTER_PURPOSE,
        ),
    )


def rejection_letter(objection: Objection, *, actor: Any, now: dt.datetime) -> StoredFile:
    """Make the written notice that an objection is not accepted, with the reason."""
    pdf = render_pdf(
        "recruitment/documents/objection_rejection.html",
        _letter_context(objection),
        produced_at=now,
    )
    return _store(
        pdf,
        name=f"异议不予受理告知书（第{objection.pk}号）.pdf",
        actor=actor,
        purpose=LETTER_PURPOSE,
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    issued = dt.datetime.combine(certificate.issued_on, dt.time(9), tzinfo=rules.SHANGHAI)
    return render_pdf(
        "recruitment/documents/certificate.html",
        {"certificate": certificate, "expert": certificate.expert, "entry": certificate.entry},
        produced_at=issued,
    )


def certificate_file(certificate: Certificate) -> StoredFile:
    """Return the certificate's PDF, making and keeping it the first time it is asked for."""
    if certificate.file_id is not None:
        return certificate.file  # type: ignore[return-value]
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("expert", "entry__notice", "file")
            .get(pk=certificate.pk)
        )
        if certificate.file is not None:
            return certificate.file
        certificate.file = _store(
            certificate_pdf(certificate),
            name=f"聘书（{certificate.expert.pool_number}）.pdf",
            actor=None,
            purpose=CERTIFICATE_PURPOSE,
        )
        certificate.save(update_fields=["file"])
    return certificate.file


def email_documents(template: str, *, to: str, files: Iterable[StoredFile], **context: Any) -> None:
    """E-mail ``to`` the letter text of ``template`` (subject on its first line) with ``files``."""
    if not to:
        return
    body = render_to_string(template, {"now": timezone.now(), **context})
    subject, _sep, text = body.partition("\n")
    send_documents.enqueue(
        subject=subject.strip(),
        body=text.lstrip("\n"),
        recipients=[to],
        file_ids=[str(f.pk) for f in files],
    )

"""Public pages of the notice (公示) and of announcements (公告), and the objection form.

The notice and announcement pages and the notice's PDF are cached for anonymous visitors
(``public_cache``); the objection form is never cached (it carries a CSRF token).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from zhiku.core import permissions as perm
from zhiku.core import ratelimits, uploads
from zhiku.core.context import client_ip
from zhiku.core.documents import PDF_CONTENT_TYPE
from zhiku.core.errors import DomainError
from zhiku.recruitment import selectors, services
from zhiku.recruitment.forms import PublicObjectionForm
from zhiku.recruitment.models import Announcement, Notice
from zhiku.recruitment.public_cache import anonymous_cached, cached_bytes, page_key
from zhiku.recruitment.services import documents

SESSION_RECEIPT = "recruitment_objection_receipt"


@perm.policy(perm.PUBLIC)
def notice_list(request: HttpRequest) -> HttpResponse:

    def build(extra: dict[str, Any]) -> HttpResponse:
        now = timezone.now()
        today = timezone.localdate(now)
        current, past = selectors.public_notices(now)
        return render(
            request,
            "recruitment/public/notice_list.html",
            {
                "current": [(n, selectors.workdays_left(n, today)) for n in current],
                "past": past,
                **extra,
            },
        )

    return anonymous_cached(request, page_key("notices", selectors.notices_version()), build)


def notice_context(notice: Notice) -> dict[str, Any]:
    now = timezone.now()
    phase = selectors.notice_phase(notice, now)
    return {
        "notice": notice,
        "entries": list(notice.entries.order_by("position")),
        "phase": phase,
        "days_left": selectors.workdays_left(notice, timezone.localdate(now)),
        "announcements": list(notice.announcements.order_by("published_at")),
    }


@perm.policy(perm.PUBLIC)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.notice_version(pk)
    if version is None:
        raise Http404

    def build(extra: dict[str, Any]) -> HttpResponse:
        notice = get_object_or_404(Notice, pk=pk)
        return render(
            request, "recruitment/public/notice_detail.html", {**notice_context(notice), **extra}
        )

    return anonymous_cached(request, page_key("notice", pk, version), build)


@perm.policy(perm.PUBLIC)
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as a printable PDF with the association's header (the same for everyone)."""
    version = selectors.notice_version(pk)
    if version is None:
        raise Http404
    pdf = cached_bytes(
        page_key("notice-pdf", pk, version, daily=False),
        lambda: documents.notice_pdf(Notice.objects.get(pk=pk)),
    )
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = (
        content_disposition_header(False, _("公示（第%(n)d号）.pdf") % {"n": pk}) or ""
    )
    return response


@perm.policy(perm.PUBLIC)
@ratelimits.limited(ratelimits.OBJECTION)
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The written objection, lodged in the portal during the notice (anyone; real name)."""
    notice = get_object_or_404(Notice, pk=pk)
    closed = services.objection_closed_message(notice, timezone.now())
    error = ""
    form = PublicObjectionForm(request.POST or None, request.FILES or None, notice=notice)
    if request.method == "POST" and closed:
        error = closed
    elif request.method == "POST":
        unsafe = uploads.unsafe_names(request)
        if unsafe:
            form.add_error(
                "letter",
                _("文件名“%(n)s”含有路径，不能接收。请只选择文件本身上传。")
                % {"n": unsafe[0][:80]},
            )
        elif form.is_valid():
            data = form.cleaned_data
            letter = data["letter"]
            try:
                objection = services.objection_lodge(
                    notice=notice,
                    entry=data["entry"],
                    objector_name=data["objector_name"],
                    objector_phone=data["objector_phone"],
                    objector_email=data["objector_email"],
                    objector_address=data["objector_address"],
                    grounds=data["grounds"],
                    letter_name=letter.name if letter else "",
                    letter=letter,
                    ip=client_ip(request),
                    actor=request.user,
                )
            except DomainError as exc:
                error = str(exc)
            else:
                request.session[SESSION_RECEIPT] = objection.pk
                return redirect("notices:objection_received", pk=notice.pk)
    return render(
        request,
        "recruitment/public/objection_form.html",
        {**notice_context(notice), "form": form, "error": error, "closed": closed},
    )


@perm.policy(perm.PUBLIC)
def objection_received(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt of an objection just lodged (only in the session that lodged it)."""
    notice = get_object_or_404(Notice, pk=pk)
    number = request.session.get(SESSION_RECEIPT)
    objection = notice.objections.filter(pk=number).first() if number else None
    if objection is None:
        return redirect("notices:notice_detail", pk=pk)
    return render(
        request,
        "recruitment/public/objection_received.html",
        {"notice": notice, "objection": objection},
    )


@perm.policy(perm.PUBLIC)
def announcement_list(request: HttpRequest) -> HttpResponse:

    def build(extra: dict[str, Any]) -> HttpResponse:
        return render(
            request,
            "recruitment/public/announcement_list.html",
            {"announcements": selectors.public_announcements(), **extra},
        )

    return anonymous_cached(
        request, page_key("announcements", selectors.announcements_version()), build
    )


@perm.policy(perm.PUBLIC)
def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.announcement_version(pk)
    if version is None:
        raise Http404

    def build(extra: dict[str, Any]) -> HttpResponse:
        announcement = get_object_or_404(Announcement.objects.select_related("notice"), pk=pk)
        return render(
            request,
            "recruitment/public/announcement_detail.html",
            {
                "announcement": announcement,
                "entries": selectors.announcement_entries(announcement),
                **extra,
            },
        )

    return anonymous_cached(request, page_key("announcement", pk, version), build)

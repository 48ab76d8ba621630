"""Staff pages of the dossier (综合考核档案): finding an expert's, reading it, its PDF (导出数据,
audited), and producing every dossier of the pool as one archive in the background."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import files
from zhiku.core import permissions as perm
from zhiku.core.documents import PDF_CONTENT_TYPE
from zhiku.evaluations import services
from zhiku.evaluations.errors import DossierError
from zhiku.evaluations.models import DossierBatch
from zhiku.evaluations.selectors.assessments import IN_POOL
from zhiku.evaluations.selectors.dossier import dossier_of
from zhiku.evaluations.services.dossiers import archive_chunks, archive_expires_at
from zhiku.experts.models import Expert
from zhiku.experts.selectors import expert_search

PER_PAGE = 25
RECENT = 10


def _my_batches(request: AuthenticatedHttpRequest) -> Any:
    return DossierBatch.objects.filter(requested_by=request.user).order_by("-requested_at", "-pk")


@perm.policy(perm.STAFF)
def dossier_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Find an expert's dossier (by name, organisation or pool number); the archive of all."""
    q = request.GET.get("q", "").strip()[:100]
    experts = expert_search(today=timezone.localdate(), q=q).exclude(pool_number=None)
    page = Paginator(experts, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/workspace/dossier_list.html",
        {
            "page": page,
            "q": q,
            "pool": Expert.objects.filter(status__in=IN_POOL).count(),
            "batches": _my_batches(request)[:RECENT],
            "hours": services.ARCHIVE_HOURS,
        },
    )


@perm.policy(perm.STAFF)
def dossier_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    return render(request, "evaluations/workspace/dossier_detail.html", {"d": dossier_of(expert)})


@perm.policy(perm.EXPORTER)
def dossier_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expert = get_object_or_404(Expert, pk=pk)
    pdf = services.dossier_pdf(actor=request.user, expert=expert)
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = (
        content_disposition_header(True, services.dossier_file_name(expert)) or ""
    )
    return response


@perm.policy(perm.EXPORTER)
@require_POST
def batch_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        batch = services.dossier_batch_start(actor=request.user)
    except DossierError as exc:
        messages.error(request, str(exc))
        return redirect("evaluations:dossier_list")
    return redirect("evaluations:batch_detail", pk=batch.pk)


def _own_batch(request: AuthenticatedHttpRequest, pk: int) -> DossierBatch:
    """A run belongs to whoever asked for it: anyone else gets 404."""
    return get_object_or_404(_my_batches(request), pk=pk)


def _batch_context(batch: DossierBatch) -> dict[str, Any]:
    now = timezone.now()
    expires = archive_expires_at(batch)
    return {
        "batch": batch,
        "expires": expires,
        "available": batch.status == "done"
        and batch.deleted_at is None
        and (expires is None or now < expires),
        "hours": services.ARCHIVE_HOURS,
    }


@perm.policy(perm.EXPORTER)
def batch_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    template = (
        "evaluations/workspace/_batch_progress.html"
        if request.htmx
        else "evaluations/workspace/batch_detail.html"
    )
    return render(request, template, _batch_context(batch))


@perm.policy(perm.EXPORTER)
def batch_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "evaluations/workspace/_batch_progress.html",
        _batch_context(_own_batch(request, pk)),
    )


class _DeletingArchive:
    """The archive's bytes, decrypted as they stream; the stored file goes once the response is
    closed (served or broken off)."""

    def __init__(self, batch: DossierBatch, name: str) -> None:
        self.name = name
        self.chunks = archive_chunks(batch)

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks

    def close(self) -> None:
        getattr(self.chunks, "close", lambda: None)()
        files.delete(files.WORKING, self.name)


@perm.policy(perm.EXPORTER)
def batch_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The archive, once, to whoever asked for it; it is deleted as it is served."""
    batch = _own_batch(request, pk)
    try:
        stored = services.dossier_batch_take(actor=request.user, batch=batch)
    except DossierError as exc:
        if batch.status != "done":
            raise Http404 from None
        messages.error(request, str(exc))
        return redirect("evaluations:batch_detail", pk=batch.pk)
    name = f"综合考核档案-{timezone.localtime(batch.finished_at or timezone.now()):%Y%m%d-%H%M}.zip"
    response = StreamingHttpResponse(
        _DeletingArchive(batch, stored), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Content-Length"] = str(batch.size)
    response["Cache-Control"] = "private, no-store"
    return response

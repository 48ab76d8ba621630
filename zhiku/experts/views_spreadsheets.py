"""Staff pages for Excel in and out (issue 5): the import template, uploads and their progress,
and the export of the filtered expert list.

Import jobs are private to the member of staff who uploaded them: another user gets 404 for
the job, its progress and its marked file (which holds identity numbers in clear).
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhiku.accounts.models import Right, User
from zhiku.core import permissions as perm
from zhiku.experts import selectors, services, spreadsheets
from zhiku.experts.forms import ExpertFilterForm
from zhiku.experts.models import ExpertiseField, ImportJob, Industry
from zhiku.experts.services.imports import MAX_ROWS

IMPORTER = perm.staff_with(Right.REVIEW_APPLICATIONS)
RECENT = 20


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("专家名单文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    admit = forms.BooleanField(
        label=gettext_lazy("导入后直接入库（按文件顺序授予专家编号）"), required=False, initial=True
    )


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _import_page(request: HttpRequest, form: ImportForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "experts/spreadsheets/import.html",
        {
            "form": form,
            "jobs": selectors.import_jobs_of(_actor(request))[:RECENT],
            "max_rows": MAX_ROWS,
        },
        status=status,
    )


@perm.policy(IMPORTER)
def import_page(request: HttpRequest) -> HttpResponse:
    return _import_page(request, ImportForm())


@perm.policy(IMPORTER)
@require_POST
def import_start(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    try:
        job = services.import_job_create(
            actor=_actor(request),
            upload=form.cleaned_data["file"],
            admit_on=timezone.localdate() if form.cleaned_data["admit"] else None,
            base_url=request.build_absolute_uri("/"),
            request=request,
        )
    except services.ExpertError as exc:
        form.add_error("file", str(exc))
        return _import_page(request, form, status=400)
    return redirect("registry:import_job_detail", pk=job.pk)


@perm.policy(IMPORTER)
def import_template(request: HttpRequest) -> HttpResponse:
    fields = [
        f"{f.code} {f.name}" for f in ExpertiseField.objects.filter(is_active=True).order_by("code")
    ]
    industries = [f"{i.code} {i.name}" for i in Industry.objects.filter(is_active=True)]
    content = spreadsheets.template_workbook(fields=fields, industries=industries)
    return _xlsx(content, "zhiku-expert-import-template.xlsx")


def _own_job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(selectors.import_jobs_of(_actor(request)), pk=pk)


@perm.policy(IMPORTER)
def import_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "experts/spreadsheets/_progress.html", {"job": job})
    return render(request, "experts/spreadsheets/job.html", {"job": job})


@perm.policy(IMPORTER)
def import_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "experts/spreadsheets/_progress.html", {"job": _own_job(request, pk)})


@perm.policy(IMPORTER)
def import_job_errors(request: HttpRequest, pk: int) -> FileResponse:
    job = _own_job(request, pk)
    try:
        path = services.import_error_file_open(
            actor=_actor(request), job=job, now=timezone.now(), request=request
        )
    except services.ExpertError:
        raise Http404 from None
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.xlsx",
        content_type=spreadsheets.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response


# Every member of staff reaches the view, so that a refusal can be recorded before the 403.
@perm.policy(perm.STAFF)
def expert_export(request: HttpRequest) -> HttpResponse:
    """Download the filtered expert list as .xlsx, marked with who exported it and when."""
    actor = _actor(request)
    form = ExpertFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if not actor.has_right(Right.EXPORT_DATA):
        services.expert_list_export_refused(actor=actor, filters=filters, request=request)
        raise PermissionDenied
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，未导出：%(e)s") % {"e": form.errors.as_text()})
        return redirect("registry:expert_list")
    now = timezone.now()
    export = services.expert_list_export(
        actor=actor, filters=filters, today=timezone.localdate(now), now=now, request=request
    )
    return _xlsx(export.content, f"experts-{timezone.localtime(now):%Y%m%d-%H%M%S}.xlsx")

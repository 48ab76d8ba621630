"""Staff pages for Excel in and out: the import template, uploads and their progress,
and the export of the filtered expert list.

Import jobs are private to the member of staff who uploaded them: another user gets 404 for
the job, its progress and its marked file (which holds identity numbers in clear).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import permissions as perm
from zhiku.core.http import act
from zhiku.core.spreadsheets import XLSX_CONTENT_TYPE
from zhiku.experts import selectors, services, spreadsheets
from zhiku.experts.forms import ExpertFilterForm
from zhiku.experts.models import ImportJob
from zhiku.experts.services.imports import MAX_ROWS, catalogue_labels
from zhiku.experts.spreadsheets import rows as row_checks

IMPORTER = perm.REVIEWER
RECENT = 20


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("专家名单文件（.xlsx）"),
        help_text=gettext_lazy("也接受启用宏的 .xlsm 文件：只读取单元格的值，宏不会运行。"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.xlsm,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
                "application/vnd.ms-excel.sheet.macroEnabled.12"
            }
        ),
    )
    admit = forms.BooleanField(
        label=gettext_lazy("导入后直接入库（按文件顺序授予专家编号）"), required=False, initial=True
    )
    skip_existing = forms.BooleanField(
        label=gettext_lazy("跳过专家库中已有的人员（按证件号码），只导入其余各行"),
        help_text=gettext_lazy(
            "适用于再次导入补充过的名单。跳过的人员会在导入结果中逐一列出；"
            "不勾选时，只要有一人已在库中，整份文件都不导入。"
        ),
        required=False,
        initial=False,
    )


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _import_page(
    request: AuthenticatedHttpRequest, form: ImportForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "experts/spreadsheets/import.html",
        {
            "form": form,
            "jobs": selectors.import_jobs_of(request.user)[:RECENT],
            "max_rows": MAX_ROWS,
        },
        status=status,
    )


@perm.policy(IMPORTER)
def import_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _import_page(request, ImportForm())


@perm.policy(IMPORTER)
@require_POST
def import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    try:
        job = services.import_job_create(
            actor=request.user,
            upload=form.cleaned_data["file"],
            admit_on=timezone.localdate() if form.cleaned_data["admit"] else None,
            skip_existing=form.cleaned_data["skip_existing"],
        )
    except services.ExpertError as exc:
        form.add_error("file", str(exc))
        return _import_page(request, form, status=400)
    return redirect("experts:import_job_detail", pk=job.pk)


@perm.policy(IMPORTER)
def import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    fields, industries = catalogue_labels()
    # The notes sheet lists the forms the import accepts, from the tables the import reads.
    accepted = row_checks.Lookups.load(timezone.localdate()).accepted_forms()
    content = spreadsheets.template_workbook(
        fields=fields, industries=industries, accepted=accepted
    )
    return _xlsx(content, "zhiku-expert-import-template.xlsx")


def _own_job(request: AuthenticatedHttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(selectors.import_jobs_of(request.user), pk=pk)


def _job_context(job: ImportJob) -> dict[str, Any]:
    return {"job": job, "emails": selectors.import_job_emails(job, now=timezone.now())}


@perm.policy(IMPORTER)
def import_job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if request.htmx:
        return render(request, "experts/spreadsheets/_progress.html", _job_context(job))
    return render(request, "experts/spreadsheets/job.html", _job_context(job))


@perm.policy(IMPORTER)
def import_job_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return render(
        request, "experts/spreadsheets/_progress.html", _job_context(_own_job(request, pk))
    )


@perm.policy(IMPORTER)
@require_POST
def import_job_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send the activation e-mails again to the accounts of a job that did not get one."""
    job = _own_job(request, pk)
    return act(
        request,
        lambda: services.import_job_activations_resend(
            actor=request.user, job=job, now=timezone.now()
        ),
        back=reverse("experts:import_job_detail", args=[job.pk]),
        success=_("已安排重新发送设置密码的邮件。"),
    )


@perm.policy(IMPORTER)
@require_POST
def import_job_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Queue again an import whose background worker died (its upload was kept)."""
    job = _own_job(request, pk)
    return act(
        request,
        lambda: services.import_job_retry(actor=request.user, job=job),
        back=reverse("experts:import_job_detail", args=[job.pk]),
        success=_("已重新排队导入，本页将显示进度。"),
    )


@perm.policy(IMPORTER)
def import_job_errors(request: AuthenticatedHttpRequest, pk: int) -> StreamingHttpResponse:
    job = _own_job(request, pk)
    try:
        chunks = services.import_error_file_open(actor=request.user, job=job, now=timezone.now())
    except services.ExpertError:
        raise Http404 from None
    response = StreamingHttpResponse(chunks, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        content_disposition_header(True, f"import-{job.pk}-errors.xlsx") or ""
    )
    response["Cache-Control"] = "no-store"
    return response


# A refusal (no export right) is recorded like every refusal of a signed-in user.
@perm.policy(perm.EXPORTER)
def expert_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download the filtered expert list as .xlsx, marked with who exported it and when."""
    actor = request.user
    form = ExpertFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，未导出：%(e)s") % {"e": form.errors.as_text()})
        return redirect("experts:expert_list")
    now = timezone.now()
    export = services.expert_list_export(
        actor=actor, filters=filters, today=timezone.localdate(now), now=now
    )
    return _xlsx(export.content, f"experts-{timezone.localtime(now):%Y%m%d-%H%M%S}.xlsx")

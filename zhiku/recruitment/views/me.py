"""The applicant's pages in the expert area (me/): the application, its documents, its status."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import crypto, uploads
from zhiku.core import permissions as perm
from zhiku.core.documents import PDF_CONTENT_TYPE, render_pdf
from zhiku.core.errors import DomainError
from zhiku.core.http import act
from zhiku.recruitment import rules, selectors, services
from zhiku.recruitment.forms import (
    ApplicationForm,
    DocumentForm,
    EmploymentForm,
    SubmitForm,
    form_errors,
)
from zhiku.recruitment.models import (
    Application,
    ApplicationDocument,
    ApplicationEmployment,
    Call,
    NoticeEntry,
)


def _own(request: AuthenticatedHttpRequest, pk: int) -> Application:
    return get_object_or_404(
        Application.objects.select_related("call", "primary_field"), pk=pk, user=request.user
    )


@perm.policy(perm.EXPERT)
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    mine = list(
        Application.objects.filter(user=request.user).select_related("call").order_by("-created_at")
    )
    current, _past = selectors.public_calls(now)
    applied = {a.call_id for a in mine}
    return render(
        request,
        "recruitment/me/application_list.html",
        {
            "applications": mine,
            "calls": [c for c in current if c.pk not in applied],
            "histories": {a.pk: list(selectors.history(a)) for a in mine},
        },
    )


@perm.policy(perm.EXPERT)
def application_start(request: AuthenticatedHttpRequest, call: int) -> HttpResponse:
    the_call = get_object_or_404(Call, pk=call, status=Call.Status.PUBLISHED)
    existing = Application.objects.filter(call=the_call, user=request.user).first()
    if existing is not None:
        return redirect("me:application_edit", pk=existing.pk)
    error = ""
    if request.method == "POST":
        try:
            application = services.application_start(
                actor=request.user, call=the_call, privacy_agreed=bool(request.POST.get("privacy"))
            )
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, _("已创建入库申请草稿，填写的内容会自动保存。"))
            return redirect("me:application_edit", pk=application.pk)
    return render(
        request,
        "recruitment/me/application_start.html",
        {
            "call": the_call,
            "phase": selectors.call_phase(the_call, timezone.now()),
            "error": error,
            "version": services.PRIVACY_NOTICE_VERSION,
        },
    )


def _edit_context(
    request: AuthenticatedHttpRequest, application: Application, form: ApplicationForm
) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "application": application,
        "form": form,
        "employment_form": EmploymentForm(prefix="employment"),
        "slots": selectors.document_slots(application),
        "document_form": DocumentForm(),
        "submit_form": SubmitForm(),
        "result": selectors.eligibility_of(application, today),
        "missing": selectors.missing_items(application),
        "changes": selectors.changes_since_submitted(application)
        if application.status == Application.Status.RETURNED
        else None,
        "deadline": rules.call_deadline(application.call.closes_on),
        "phase": selectors.call_phase(application.call, timezone.now()),
        "limit": uploads.megabytes(services.application_limit_bytes()),
        "file_limit": uploads.megabytes(uploads.max_file_bytes()),
        "used": uploads.megabytes(sum(d.file.size for d in application.active_documents())),
        "employments": application.employments.order_by("start", "pk"),
    }


def _save(
    request: AuthenticatedHttpRequest, application: Application, form: ApplicationForm
) -> str:
    """Save what is valid in the form; return the error text (empty when all was saved)."""
    form.is_valid()
    try:
        services.application_save(
            actor=request.user,
            application=application,
            profile=form.profile(),
            id_number="" if "id_number" in form.errors else form.cleaned_data.get("id_number", ""),
            mobile="" if "mobile" in form.errors else form.cleaned_data.get("mobile", ""),
            other_fields=None
            if "other_fields" in form.errors
            else form.cleaned_data.get("other_fields", []),
            industries=None
            if "industries" in form.errors
            else form.cleaned_data.get("industries", []),
        )
    except DomainError as exc:
        return str(exc)
    return form_errors(form) if form.errors else ""


@perm.policy(perm.EXPERT)
def application_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    if not application.is_editable:
        return redirect("me:application_detail", pk=pk)
    if request.method == "POST":
        form = ApplicationForm(request.POST, instance=application)
        error = _save(request, application, form)
        if not error:
            messages.success(request, _("已保存。"))
            return redirect(reverse("me:application_edit", kwargs={"pk": pk}) + "#profile")
        messages.error(request, _("部分内容未能保存：%(e)s") % {"e": error})
        application.refresh_from_db()
        return render(
            request,
            "recruitment/me/application_edit.html",
            _edit_context(request, application, form),
        )
    form = ApplicationForm(instance=application)
    return render(
        request, "recruitment/me/application_edit.html", _edit_context(request, application, form)
    )


@perm.policy(perm.EXPERT)
@require_POST
def application_autosave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save the draft as the applicant types (htmx) and answer with the art. 6 check."""
    application = _own(request, pk)
    form = ApplicationForm(request.POST, instance=application)
    error = _save(request, application, form)
    application = _own(request, pk)
    return render(
        request,
        "recruitment/me/_autosave.html",
        {
            "application": application,
            "result": selectors.eligibility_of(application, timezone.localdate()),
            "missing": selectors.missing_items(application),
            "error": error,
            "saved_at": timezone.localtime(),
        },
    )


def _back(pk: int, anchor: str) -> str:
    return reverse("me:application_edit", kwargs={"pk": pk}) + anchor


@perm.policy(perm.EXPERT)
@require_POST
def employment_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    form = EmploymentForm(request.POST, prefix="employment")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "#employment"))
    return act(
        request,
        lambda: services.application_employment_add(
            actor=request.user, application=application, **form.cleaned_data
        ),
        back=_back(pk, "#employment"),
        success=_("已添加工作经历。"),
    )


@perm.policy(perm.EXPERT)
@require_POST
def employment_remove(request: AuthenticatedHttpRequest, pk: int, item: int) -> HttpResponse:
    application = _own(request, pk)
    employment = get_object_or_404(ApplicationEmployment, pk=item, application=application)
    return act(
        request,
        lambda: services.application_employment_remove(actor=request.user, item=employment),
        back=_back(pk, "#employment"),
        success=_("已删除该段工作经历。"),
    )


@perm.policy(perm.EXPERT)
@require_POST
def document_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    back = _back(pk, "#documents")
    unsafe = uploads.unsafe_names(request)
    if unsafe:
        messages.error(
            request,
            _("文件名“%(n)s”含有路径，不能接收。请只选择文件本身上传。") % {"n": unsafe[0][:80]},
        )
        return redirect(back)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    upload = form.cleaned_data["file"]
    return act(
        request,
        lambda: services.application_document_add(
            actor=request.user,
            application=application,
            kind=form.cleaned_data["kind"],
            name=upload.name or "",
            content=upload,
        ),
        back=back,
        success=_("已上传：%(n)s。") % {"n": upload.name},
    )


@perm.policy(perm.EXPERT)
@require_POST
def document_remove(request: AuthenticatedHttpRequest, pk: int, document: int) -> HttpResponse:
    application = _own(request, pk)
    doc = get_object_or_404(
        ApplicationDocument, pk=document, application=application, removed_at__isnull=True
    )
    return act(
        request,
        lambda: services.application_document_remove(actor=request.user, document=doc),
        back=_back(pk, "#documents"),
        success=_("已删除该文件。"),
    )


@perm.policy(perm.EXPERT)
def document(request: AuthenticatedHttpRequest, document: int) -> HttpResponseBase:
    """Serve an applicant their own document; anyone else's is 404, and the attempt is recorded."""
    stored = services.document_for_applicant(actor=request.user, document_id=document)
    if stored is None:
        raise Http404
    return uploads.stored_file_response(stored, inline=request.GET.get("inline") == "1")


@perm.policy(perm.EXPERT)
def form_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The application form (入库申请表) filled with the applicant's data, to print and sign."""
    application = _own(request, pk)
    today = timezone.localdate()
    pdf = render_pdf(
        "recruitment/documents/application_form.html",
        {
            "application": application,
            "id_number": crypto.decrypt(application.id_number_token),
            "mobile": crypto.decrypt(application.mobile_token),
            "employments": application.employments.order_by("start", "pk"),
            "other_fields": application.other_fields.select_related("parent"),
            "industries": application.industries.all(),
            "result": selectors.eligibility_of(application, today),
            "special_categories": application.special_categories,
        },
    )
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="application-{application.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@perm.policy(perm.EXPERT)
@require_POST
def submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(_back(pk, "#submit"))
    try:
        services.application_submit(actor=request.user, application=application, commitment=True)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(_back(pk, "#submit"))
    messages.success(request, _("申请已提交。质促会审核后将通过电子邮件和本页告知您结果。"))
    return redirect("me:application_detail", pk=pk)


@perm.policy(perm.EXPERT)
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _own(request, pk)
    return render(
        request,
        "recruitment/me/application_detail.html",
        {
            "application": application,
            "history": selectors.history(application),
            "documents": application.active_documents(),
            "snapshot": selectors.application_snapshot(application),
            "result": selectors.eligibility_of(application, timezone.localdate()),
            "entry": NoticeEntry.objects.select_related("notice", "certificate", "announcement")
            .filter(application=application)
            .first(),
        },
    )


@perm.policy(perm.EXPERT)
def certificate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The expert's own appointment certificate (聘书); anyone else's is 404."""
    stored = services.certificate_for_expert(actor=request.user, certificate_id=pk)
    if stored is None:
        raise Http404
    return uploads.stored_file_response(stored, inline=False)

"""URLs of recruitment, by audience.

- ``urlpatterns``: staff and council pages, mounted under workspace/recruitment/ (namespace
  ``recruitment``);
- ``public_urls.urlpatterns``: the calls, their feed, the privacy notice and registration,
  mounted under calls/ (namespace ``calls``);
- ``notice_urls`` and ``announcement_urls``: the public notices (公示, with the objection form)
  under notices/ and the announcements (公告) under announcements/;
- ``me_urlpatterns``: the applicant's pages, gathered under me/ (namespace ``me``).
"""

from django.urls import path

from zhiku.recruitment.views import council, me, workspace, workspace_notices

app_name = "recruitment"

urlpatterns = [
    path("calls/", workspace.call_admin_list, name="call_admin_list"),
    path("calls/new/", workspace.call_create, name="call_create"),
    path("calls/<int:pk>/", workspace.call_admin_detail, name="call_admin_detail"),
    path("calls/<int:pk>/edit/", workspace.call_edit, name="call_edit"),
    path("calls/<int:pk>/publish/", workspace.call_publish, name="call_publish"),
    path("applications/", workspace.application_list, name="application_list"),
    path("applications/<int:pk>/", workspace.application_detail, name="application_detail"),
    path("applications/<int:pk>/decide/", workspace.application_decide, name="application_decide"),
    path("documents/<int:pk>/", workspace.document, name="document"),
    path("documents/<int:pk>/verify/", workspace.document_verify, name="document_verify"),
    path("rounds/", workspace.round_list, name="round_list"),
    path("rounds/new/", workspace.round_create, name="round_create"),
    path("rounds/<int:pk>/", workspace.round_detail, name="round_detail"),
    path("rounds/<int:pk>/close/", workspace.round_close, name="round_close"),
    path("rounds/<int:pk>/meeting/", workspace.round_meeting, name="round_meeting"),
    path("rounds/<int:pk>/minutes/", workspace.round_minutes, name="round_minutes"),
    path("proposed/", workspace.proposed_list, name="proposed_list"),
    path("notices/", workspace_notices.notice_admin_list, name="notice_admin_list"),
    path("notices/new/", workspace_notices.notice_create, name="notice_create"),
    path("notices/<int:pk>/", workspace_notices.notice_admin_detail, name="notice_admin_detail"),
    path("notices/<int:pk>/admit/", workspace_notices.notice_admit, name="notice_admit"),
    path(
        "notices/<int:pk>/objections/new/",
        workspace_notices.objection_enter,
        name="objection_enter",
    ),
    path("objections/", workspace_notices.objection_list, name="objection_list"),
    path("objections/<int:pk>/", workspace_notices.objection_detail, name="objection_detail"),
    path(
        "objections/<int:pk>/accept/", workspace_notices.objection_accept, name="objection_accept"
    ),
    path(
        "objections/<int:pk>/reject/", workspace_notices.objection_reject, name="objection_reject"
    ),
    path(
        "objections/<int:pk>/verify/", workspace_notices.objection_verify, name="objection_verify"
    ),
    path(
        "objections/<int:pk>/decide/", workspace_notices.objection_decide, name="objection_decide"
    ),
    path(
        "objections/<int:pk>/files/<uuid:file>/",
        workspace_notices.objection_file,
        name="objection_file",
    ),
    path("certificates/<int:pk>/", workspace_notices.certificate, name="certificate"),
    path("council/", council.council_home, name="council_home"),
    path("council/rounds/<int:pk>/", council.council_round, name="council_round"),
    path("council/rounds/<int:pk>/vote/", council.council_vote, name="council_vote"),
]

me_urlpatterns = [
    path("applications/", me.application_list, name="application_list"),
    path("applications/start/<int:call>/", me.application_start, name="application_start"),
    path("applications/<int:pk>/", me.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", me.application_edit, name="application_edit"),
    path("applications/<int:pk>/autosave/", me.application_autosave, name="application_autosave"),
    path("applications/<int:pk>/employment/", me.employment_add, name="application_employment_add"),
    path(
        "applications/<int:pk>/employment/<int:item>/remove/",
        me.employment_remove,
        name="application_employment_remove",
    ),
    path(
        "applications/<int:pk>/documents/", me.document_upload, name="application_document_upload"
    ),
    path(
        "applications/<int:pk>/documents/<int:document>/remove/",
        me.document_remove,
        name="application_document_remove",
    ),
    path("applications/<int:pk>/form.pdf", me.form_pdf, name="application_form_pdf"),
    path("applications/<int:pk>/submit/", me.submit, name="application_submit"),
    path("documents/<int:document>/", me.document, name="application_document"),
    path("certificates/<int:pk>/", me.certificate, name="certificate"),
]

"""URLs of the registry: staff pages under workspace/experts/ (namespace ``experts``) and the
expert's own pages, which ``zhiku/urls.py`` mounts in the expert area under me/ (namespace
``me``, shared by every app's ``me_urlpatterns``)."""

from django.urls import path

from zhiku.core.views import legacy_redirect
from zhiku.experts.views import admission, aliases, me, spreadsheets, workspace

app_name = "experts"

urlpatterns = [
    path("", workspace.expert_list, name="expert_list"),
    path("new/", workspace.expert_create, name="expert_create"),
    path("<int:pk>/", workspace.expert_detail, name="expert_detail"),
    path("<int:pk>/edit/", workspace.expert_edit, name="expert_edit"),
    path("<int:pk>/reveal/<str:what>/", workspace.expert_reveal, name="expert_reveal"),
    path("<int:pk>/status/", workspace.expert_status, name="expert_status"),
    path("<int:pk>/age-override/", workspace.expert_age_override, name="expert_age_override"),
    path("<int:pk>/admit/", admission.expert_admit, name="expert_admit"),
    path("<int:pk>/legacy-review/", admission.expert_legacy_review, name="expert_legacy_review"),
    path("<int:pk>/invite/", admission.expert_invite, name="expert_invite"),
    path("<int:pk>/employment/", workspace.employment_add, name="employment_add"),
    path(
        "<int:pk>/employment/<int:item>/remove/",
        workspace.employment_remove,
        name="employment_remove",
    ),
    path("changes/", workspace.change_request_list, name="change_request_list"),
    path("changes/<int:pk>/decide/", workspace.change_request_decide, name="change_request_decide"),
    # Exit requests are exit cases now (the exits app); the old address kept for one release.
    path(
        "exit-requests/",
        legacy_redirect("/workspace/exits/"),
        name="exit_request_list",
    ),
    path("catalogue/", workspace.catalogue, name="catalogue"),
    path("catalogue/fields/", workspace.catalogue_field_save, name="catalogue_field_save"),
    path(
        "catalogue/industries/<int:pk>/",
        workspace.catalogue_industry_rename,
        name="catalogue_industry_rename",
    ),
    path("aliases/", aliases.value_alias_list, name="value_alias_list"),
    path("aliases/add/", aliases.value_alias_create, name="value_alias_create"),
    path("aliases/<int:pk>/delete/", aliases.value_alias_delete, name="value_alias_delete"),
    path("export/", spreadsheets.expert_export, name="expert_export"),
    path("import/", spreadsheets.import_page, name="import_page"),
    path("import/start/", spreadsheets.import_start, name="import_start"),
    path("import/template/", spreadsheets.import_template, name="import_template"),
    path("import/<int:pk>/", spreadsheets.import_job_detail, name="import_job_detail"),
    path(
        "import/<int:pk>/progress/",
        spreadsheets.import_job_progress,
        name="import_job_progress",
    ),
    path("import/<int:pk>/errors/", spreadsheets.import_job_errors, name="import_job_errors"),
    path("import/<int:pk>/resend/", spreadsheets.import_job_resend, name="import_job_resend"),
    path("import/<int:pk>/retry/", spreadsheets.import_job_retry, name="import_job_retry"),
]

me_urlpatterns = [
    path("", me.home, name="home"),
    path("change/", me.change, name="change"),
    path("personal-data/", me.personal_data, name="personal_data"),
    path("declarations/", me.declarations, name="declarations"),
    path("declarations/conflicts/", me.conflict_add, name="conflict_add"),
    path(
        "declarations/conflicts/<int:pk>/withdraw/",
        me.conflict_withdraw,
        name="conflict_withdraw",
    ),
    path("declarations/unfamiliar/", me.unfamiliar_set, name="unfamiliar_set"),
    path("declarations/unavailable/", me.unavailability_add, name="unavailability_add"),
    path(
        "declarations/unavailable/<int:pk>/remove/",
        me.unavailability_remove,
        name="unavailability_remove",
    ),
]

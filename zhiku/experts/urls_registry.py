"""Staff pages of the registry, mounted under workspace/experts/ as the ``registry`` namespace."""

from django.urls import path

from zhiku.experts import views, views_spreadsheets

app_name = "registry"

urlpatterns = [
    path("", views.expert_list, name="expert_list"),
    path("new/", views.expert_create, name="expert_create"),
    path("<int:pk>/", views.expert_detail, name="expert_detail"),
    path("<int:pk>/edit/", views.expert_edit, name="expert_edit"),
    path("<int:pk>/reveal/<str:what>/", views.expert_reveal, name="expert_reveal"),
    path("<int:pk>/status/", views.expert_status, name="expert_status"),
    path("<int:pk>/age-override/", views.expert_age_override, name="expert_age_override"),
    path("<int:pk>/employment/", views.employment_add, name="employment_add"),
    path(
        "<int:pk>/employment/<int:item>/remove/",
        views.employment_remove,
        name="employment_remove",
    ),
    path("changes/", views.change_request_list, name="change_request_list"),
    path("changes/<int:pk>/decide/", views.change_request_decide, name="change_request_decide"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/fields/", views.catalogue_field_save, name="catalogue_field_save"),
    path(
        "catalogue/industries/<int:pk>/",
        views.catalogue_industry_rename,
        name="catalogue_industry_rename",
    ),
    # --- Excel import and export (issue 5) ---
    path("export/", views_spreadsheets.expert_export, name="expert_export"),
    path("import/", views_spreadsheets.import_page, name="import_page"),
    path("import/start/", views_spreadsheets.import_start, name="import_start"),
    path("import/template/", views_spreadsheets.import_template, name="import_template"),
    path("import/<int:pk>/", views_spreadsheets.import_job_detail, name="import_job_detail"),
    path(
        "import/<int:pk>/progress/",
        views_spreadsheets.import_job_progress,
        name="import_job_progress",
    ),
    path("import/<int:pk>/errors/", views_spreadsheets.import_job_errors, name="import_job_errors"),
]

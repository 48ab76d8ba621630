"""URLs of training, evaluation, assessment and the dossier: staff pages under
workspace/evaluations/ (namespace ``evaluations``) and the expert's pages (``me_urlpatterns``,
mounted under me/ in the namespace ``me``)."""

from django.urls import path

from zhiku.evaluations.views import assessments, dossiers, evaluations, me, training

app_name = "evaluations"

urlpatterns = [
    # training (art. 10)
    path("training/", training.training_list, name="training_list"),
    path("training/new/", training.training_create, name="training_create"),
    path("training/<int:pk>/", training.training_detail, name="training_detail"),
    path("training/<int:pk>/edit/", training.training_edit, name="training_edit"),
    path("training/<int:pk>/cancel/", training.training_cancel, name="training_cancel"),
    path("training/<int:pk>/invite/", training.training_invite, name="training_invite"),
    path("training/<int:pk>/attendance/", training.training_attendance, name="training_attendance"),
    path("training/<int:pk>/materials/", training.material_upload, name="material_upload"),
    path(
        "training/<int:pk>/materials/<int:material>/",
        training.material_download,
        name="material_download",
    ),
    path(
        "training/<int:pk>/materials/<int:material>/remove/",
        training.material_remove,
        name="material_remove",
    ),
    # evaluation of each service (art. 11)
    path("activities/", evaluations.evaluation_list, name="evaluation_list"),
    path("activities/<int:pk>/", evaluations.evaluation_activity, name="evaluation_activity"),
    # periodic assessment (考核)
    path("assessments/", assessments.assessment_list, name="assessment_list"),
    path("assessments/new/", assessments.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", assessments.assessment_detail, name="assessment_detail"),
    path(
        "assessments/<int:pk>/recompute/",
        assessments.assessment_recompute,
        name="assessment_recompute",
    ),
    path("assessments/<int:pk>/accept/", assessments.assessment_accept, name="assessment_accept"),
    path(
        "assessments/<int:pk>/confirm/", assessments.assessment_confirm, name="assessment_confirm"
    ),
    path(
        "assessments/<int:pk>/withdraw/",
        assessments.assessment_withdraw,
        name="assessment_withdraw",
    ),
    path(
        "assessments/<int:pk>/results.xlsx",
        assessments.assessment_download,
        name="assessment_download",
    ),
    path("results/<int:pk>/grade/", assessments.result_grade, name="result_grade"),
    path("exit-reviews/", assessments.exit_review_list, name="exit_review_list"),
    path("results/<int:pk>/exit-review/", assessments.exit_review, name="exit_review"),
    # the dossier (综合考核档案)
    path("dossiers/", dossiers.dossier_list, name="dossier_list"),
    path("dossiers/<int:pk>/", dossiers.dossier_detail, name="dossier_detail"),
    path("dossiers/<int:pk>/dossier.pdf", dossiers.dossier_pdf, name="dossier_pdf"),
    path("dossiers/all/", dossiers.batch_start, name="batch_start"),
    path("dossiers/all/<int:pk>/", dossiers.batch_detail, name="batch_detail"),
    path("dossiers/all/<int:pk>/progress/", dossiers.batch_progress, name="batch_progress"),
    path("dossiers/all/<int:pk>/download/", dossiers.batch_download, name="batch_download"),
]

me_urlpatterns = [
    path("training/", me.training_list, name="training_list"),
    path("training/materials/<int:pk>/", me.training_material, name="training_material"),
    path("evaluations/", me.evaluation_list, name="evaluation_list"),
    path("evaluations/results/<int:pk>/respond/", me.assessment_respond, name="assessment_respond"),
]

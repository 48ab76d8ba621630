"""Every write of evaluations (a service per step, keyword-only, atomic)."""

from zhiku.evaluations.services.assessments import (
    assessment_confirm,
    assessment_grades_accept,
    assessment_recompute,
    assessment_run,
    assessment_withdraw,
    default_period,
    exit_review_record,
    result_grade,
    result_respond,
)
from zhiku.evaluations.services.dossiers import (
    ARCHIVE_HOURS,
    dossier_archives_purge,
    dossier_batch_run,
    dossier_batch_start,
    dossier_batch_take,
    dossier_file_name,
    dossier_pdf,
    dossier_render,
)
from zhiku.evaluations.services.evaluations import evaluation_record, scale_on
from zhiku.evaluations.services.training import (
    TrainingData,
    material_add,
    material_remove,
    training_attendance_record,
    training_cancel,
    training_create,
    training_invite,
    training_update,
)

__all__ = [
    "ARCHIVE_HOURS",
    "TrainingData",
    "assessment_confirm",
    "assessment_grades_accept",
    "assessment_recompute",
    "assessment_run",
    "assessment_withdraw",
    "default_period",
    "dossier_archives_purge",
    "dossier_batch_run",
    "dossier_batch_start",
    "dossier_batch_take",
    "dossier_file_name",
    "dossier_pdf",
    "dossier_render",
    "evaluation_record",
    "exit_review_record",
    "material_add",
    "material_remove",
    "result_grade",
    "result_respond",
    "scale_on",
    "training_attendance_record",
    "training_cancel",
    "training_create",
    "training_invite",
    "training_update",
]

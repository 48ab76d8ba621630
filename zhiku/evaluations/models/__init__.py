"""The models of training, evaluation, assessment and the dossier runs, by entity."""

from zhiku.evaluations.models.assessments import (
    Assessment,
    AssessmentChange,
    AssessmentResponse,
    AssessmentResult,
)
from zhiku.evaluations.models.dossiers import DossierBatch
from zhiku.evaluations.models.evaluations import Evaluation
from zhiku.evaluations.models.training import (
    TrainingChange,
    TrainingInvitee,
    TrainingMaterial,
    TrainingSession,
)

__all__ = [
    "Assessment",
    "AssessmentChange",
    "AssessmentResponse",
    "AssessmentResult",
    "DossierBatch",
    "Evaluation",
    "TrainingChange",
    "TrainingInvitee",
    "TrainingMaterial",
    "TrainingSession",
]

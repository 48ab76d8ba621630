"""The errors of training, evaluation, assessment and the dossier: each says what to do."""

from __future__ import annotations

from zhiku.core.errors import DomainError


class EvaluationsError(DomainError):
    """A change that cannot be made. ``field`` names the form field the message is about."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TrainingError(EvaluationsError):
    """A training session that cannot be planned, changed, cancelled or recorded."""


class EvaluationError(EvaluationsError):
    """Scores that cannot be recorded."""


class AssessmentError(EvaluationsError):
    """An assessment step that cannot be taken (its message names the current state)."""


class DossierError(EvaluationsError):
    """A dossier or an archive of dossiers that cannot be produced or served."""

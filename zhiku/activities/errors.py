"""The errors of activities and draws: each says what went wrong and what to do."""

from __future__ import annotations

from zhiku.core.errors import DomainError


class ActivityError(DomainError):
    """An activity change that cannot be made.

    ``field`` names the form field the message is about, so a form can show it there.
    """

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DrawError(DomainError):
    """A draw step that cannot be taken (its message names the current state)."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvitationError(DomainError):
    """An invitation that cannot be sent, answered or withdrawn from (the message says why)."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DesignationError(DomainError):
    """A designation that cannot be made, approved, refused or withdrawn."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AttendanceError(DomainError):
    """Attendance, a fee or a recommendation that cannot be recorded."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

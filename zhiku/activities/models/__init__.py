"""The models of activities and draws, by entity: activities, draws, designations,
invitations, and what is recorded after an activity (attendance, fees, recommendations)."""

from zhiku.activities.models.activities import (
    Activity,
    ActivityChange,
    InvolvedOrganisation,
    OrganisationAlias,
)
from zhiku.activities.models.attendance import Attendance, AttendanceChange, Fee, Recommendation
from zhiku.activities.models.designations import DesignatedExpert, Designation, DesignationChange
from zhiku.activities.models.draws import (
    Candidate,
    CandidateChange,
    Draw,
    DrawChange,
    Exclusion,
    Round,
    outcome_label,
    reason_label,
)
from zhiku.activities.models.invitations import Delivery, Invitation, InvitationChange, LinkMiss

__all__ = [
    "Activity",
    "ActivityChange",
    "Attendance",
    "AttendanceChange",
    "Candidate",
    "CandidateChange",
    "Delivery",
    "DesignatedExpert",
    "Designation",
    "DesignationChange",
    "Draw",
    "DrawChange",
    "Exclusion",
    "Fee",
    "Invitation",
    "InvitationChange",
    "InvolvedOrganisation",
    "LinkMiss",
    "OrganisationAlias",
    "Recommendation",
    "Round",
    "outcome_label",
    "reason_label",
]

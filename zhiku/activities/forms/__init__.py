"""Forms of activities, draws, invitations, designations and what follows an activity."""

from zhiku.activities.forms.attendance import (
    AttendanceForm,
    FeeForm,
    FeeRemoveForm,
    RecommendationForm,
)
from zhiku.activities.forms.designations import ApproveForm, DesignationForm, RefuseForm
from zhiku.activities.forms.draws import (
    STRATUM_PREFIX,
    ActivityFilterForm,
    ActivityForm,
    AliasForm,
    CloseForm,
    DrawSetupForm,
    LotteryForm,
    ReasonForm,
    TopupForm,
    WitnessForm,
)
from zhiku.activities.forms.invitations import AcceptForm, DeclineForm, WithdrawForm

__all__ = [
    "STRATUM_PREFIX",
    "AcceptForm",
    "ActivityFilterForm",
    "ActivityForm",
    "AliasForm",
    "ApproveForm",
    "AttendanceForm",
    "CloseForm",
    "DeclineForm",
    "DesignationForm",
    "DrawSetupForm",
    "FeeForm",
    "FeeRemoveForm",
    "LotteryForm",
    "ReasonForm",
    "RecommendationForm",
    "RefuseForm",
    "TopupForm",
    "WithdrawForm",
    "WitnessForm",
]

"""The activities' section of an expert's own download (PIPL): the draws they were drawn in,
their designations, invitations and answers, attendance and fees."""

from __future__ import annotations

from typing import Any

from zhiku.activities.models import Attendance, Candidate, DesignatedExpert, Fee, Invitation
from zhiku.core.personal_data import record
from zhiku.experts.models import Expert


def section(expert: Expert) -> dict[str, Any] | None:
    out = {
        "draws": [
            record(c, exclude=("expert", "round", "position"), draw=str(c.draw))
            for c in Candidate.objects.filter(expert=expert).select_related("draw").order_by("pk")
        ],
        "designations": [
            record(d, exclude=("expert",))
            for d in DesignatedExpert.objects.filter(expert=expert).order_by("pk")
        ],
        "invitations": [
            record(i, exclude=("expert", "token_nonce", "candidate", "designee"))
            for i in Invitation.objects.filter(expert=expert).order_by("sent_at", "pk")
        ],
        "attendance": [
            record(a, exclude=("expert",))
            for a in Attendance.objects.filter(expert=expert).order_by("recorded_at", "pk")
        ],
        "fees": [
            record(f, exclude=("expert",))
            for f in Fee.objects.filter(expert=expert).order_by("paid_on", "pk")
        ],
    }
    return out if any(out.values()) else None


# What the plugin adds to core for personal-data rights.
HOOKS: dict[str, Any] = {"personal_data": section}

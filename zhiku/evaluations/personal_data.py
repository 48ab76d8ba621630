"""The evaluations' part of an expert's own download (PIPL): their scores, assessments and
responses, training, and their dossier as a PDF; and the dossier export as a disclosure of an
expert's data to staff (shown on the expert's page)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from zhiku.core.personal_data import record
from zhiku.evaluations.models import AssessmentResult, Evaluation, TrainingInvitee
from zhiku.experts.models import Expert


def section(expert: Expert) -> dict[str, Any] | None:
    results = AssessmentResult.objects.filter(expert=expert).select_related("assessment")
    out = {
        "scores": [
            record(e, exclude=("expert",))
            for e in Evaluation.objects.filter(expert=expert).order_by("scored_at", "pk")
        ],
        "assessments": [
            {
                **record(r, exclude=("expert",)),
                "responses": [
                    record(x, exclude=("result",)) for x in r.responses.order_by("submitted_at")
                ],
            }
            for r in results.order_by("pk")
        ],
        "training": [
            record(t, exclude=("expert",))
            for t in TrainingInvitee.objects.filter(expert=expert).order_by("invited_at", "pk")
        ],
    }
    return out if any(out.values()) else None


def files(expert: Expert) -> list[tuple[str, bytes]]:
    """The expert's dossier (综合考核档案) as the PDF staff export."""
    from zhiku.evaluations.services.dossiers import dossier_file_name, dossier_render

    return [(dossier_file_name(expert), dossier_render(expert))]


# What the plugin adds to core for personal-data rights.
HOOKS: dict[str, Any] = {
    "personal_data": section,
    "personal_files": files,
    "disclosures": {"evaluations.dossier.exported": _("综合考核档案（PDF）")},
}

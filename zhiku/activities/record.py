"""The draw record (抽取记录): everything a checker needs, experts only as pool numbers.

Its format is specified in docs/draws.md; ``python -m zhiku.verify RECORD.json`` checks it.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from zhiku import verify
from zhiku.activities.choices import Outcome, SourceKind
from zhiku.activities.models import Draw
from zhiku.activities.pool import Conditions
from zhiku.activities.services.invitations import answered_by


def _iso(moment: Any) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def draw_record(draw: Draw) -> dict[str, Any]:
    """Return the record of ``draw``; the secret is in it once revealed (the activity closed)."""
    activity = draw.activity
    sources: list[dict[str, Any]] = [
        {
            "kind": SourceKind.WITNESS.value,
            "name": str(SourceKind.WITNESS.label),
            "value": draw.witness_value or None,
            "encoded": verify.encode_source(SourceKind.WITNESS, draw.witness_value)
            if draw.witness_value
            else None,
        }
    ]
    if draw.lottery_name:
        sources.append(
            {
                "kind": SourceKind.LOTTERY.value,
                "name": draw.lottery_name,
                "date": draw.lottery_date.isoformat() if draw.lottery_date else None,
                "value": draw.lottery_value or None,
                "encoded": verify.encode_source(SourceKind.LOTTERY, draw.lottery_value)
                if draw.lottery_value
                else None,
            }
        )
    rounds = []
    candidates = list(
        draw.candidates.select_related("round", "invitation").order_by("round__number", "rank")
    )
    for rnd in draw.rounds.order_by("number"):
        rounds.append(
            {
                "round": rnd.number,
                "at": _iso(rnd.at),
                "one_time_code": rnd.one_time_code,
                "confirmed": rnd.confirmed,
                "left": rnd.left,
                "disqualified": rnd.disqualified,
                "shortfall": rnd.shortfall,
                "candidates": [
                    {"label": c.label, "stratum": c.stratum, "position": c.position}
                    for c in candidates
                    if c.round_id == rnd.pk
                ],
                "unfilled": rnd.unfilled,
            }
        )
    record: dict[str, Any] = {
        "format": verify.FORMAT_WEIGHTED if draw.weights else verify.FORMAT,
        "algorithm": verify.ALGORITHM,
        "draw": draw.code,
        "status": draw.status,
        "activity": {
            "kind": activity.get_kind_display(),
            "title": activity.title,
            "start": activity.start_date.isoformat(),
            "end": activity.end_date.isoformat(),
        },
        "opened_at": _iso(draw.opened_at),
        "places": draw.places,
        "conditions": {**draw.conditions, "text": Conditions.from_json(draw.conditions).describe()},
        "recusal": {
            "organisations": draw.recusal.get("organisations", []),
            "years": draw.recusal.get("years"),
            "on": draw.recusal.get("on"),
        },
        "excluded": {
            "not_meeting_conditions": draw.counts.get("not_meeting", 0),
            "reasons": draw.counts.get("reasons", {}),
        },
        "strata": [
            {
                "key": s["key"],
                "name": s["name"],
                "places": s["places"],
                "labels": draw.labels.get(s["key"], []),
            }
            for s in draw.strata
        ],
        "label_count": draw.label_count,
        "labels_hash": draw.labels_hash,
        "weights": {
            "rule": verify.WEIGHT_RULE,
            "denominator": verify.WEIGHT_DENOMINATOR,
            "hash": draw.weights_hash,
            "basis": draw.weighting,
            "values": dict(sorted(draw.weights.items())),
        }
        if draw.weights
        else None,
        "one_time_code": {
            "hash": "SHA-256",
            "n": draw.chain_length,
            "commitment": draw.commitment,
            "secret": draw.secret or None,
        },
        "randomness": {"sources": sources, "encoded": draw.randomness or None},
        "rounds": rounds,
        "outcomes": [
            {
                "label": c.label,
                "round": c.round.number,
                "outcome": c.outcome,
                "reason": c.outcome_reason,
                "answered_by": answered_by(getattr(c, "invitation", None))
                if c.outcome != Outcome.PENDING
                else None,
            }
            for c in candidates
        ],
        "cancellation": {"at": _iso(draw.finished_at), "reason": draw.cancel_reason}
        if draw.cancel_reason
        else None,
    }
    if not draw.weights:
        del record["weights"]  # format 1 has no weights
    return record


def record_json(draw: Draw) -> str:
    return json.dumps(draw_record(draw), ensure_ascii=False, indent=2) + "\n"


def record_filename(draw: Draw) -> str:
    return f"{draw.code}.json"

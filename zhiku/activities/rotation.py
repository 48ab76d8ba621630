"""Fair rotation (公平轮换): weights from each expert's deficit, and the spread of participation.

Pure functions, no database and no clock: the selectors gather the history, these compute.

Art. 17 reads most plainly as an equal chance for everyone eligible, so weighting is off by
default (parameter ``rotation_weighting``). When it is on, an expert's weight comes from their
deficit: their fair share of the past draws they were eligible for (in each, the places of their
stratum divided by its eligible labels) minus the draws they served (confirmed). The weight is
``2 ** deficit`` with the deficit clipped to ±2, as an integer numerator of 256 — so from 1/4 to
4, and no expert's chance is more than 16 times another's. ``zhiku.verify`` then orders the
labels by Efraimidis–Spirakis keys (see docs/draws.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from zhiku import verify

DEFICIT_LIMIT = 2.0  # 2 ** ±2: weights from 1/4 to 4


@dataclass
class History:
    """What past draws say about each label: the fair share and the draws served."""

    share: dict[str, float] = field(default_factory=dict)
    served: dict[str, int] = field(default_factory=dict)
    draws: int = 0

    def add_draw(
        self, strata: Iterable[tuple[int, Sequence[str]]], confirmed: Iterable[str]
    ) -> None:
        """Count one past draw: ``strata`` as (places, eligible labels), and who served."""
        for places, labels in strata:
            if not labels:
                continue
            each = places / len(labels)
            for label in labels:
                self.share[label] = self.share.get(label, 0.0) + each
        for label in confirmed:
            self.served[label] = self.served.get(label, 0) + 1
        self.draws += 1

    def deficit(self, label: str) -> float:
        return self.share.get(label, 0.0) - self.served.get(label, 0)


def weight_numerator(deficit: float) -> int:
    """The weight of a deficit as a numerator of 256: round(256 * 2 ** clip(deficit, ±2))."""
    clipped = max(-DEFICIT_LIMIT, min(DEFICIT_LIMIT, deficit))
    n = round(verify.WEIGHT_DENOMINATOR * 2.0**clipped)
    return max(verify.WEIGHT_MIN, min(verify.WEIGHT_MAX, n))


def weights_for(labels: Iterable[str], history: History) -> dict[str, int]:
    """Each label's weight numerator from the history (no history: all equal, 256)."""
    return {label: weight_numerator(history.deficit(label)) for label in labels}


def gini(values: Sequence[float]) -> float:
    """The Gini coefficient of ``values`` (0: all equal; near 1: one has everything)."""
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return 0.0
    ordered = sorted(values)
    weighted = sum(i * x for i, x in enumerate(ordered, start=1))
    return (2 * weighted) / (n * total) - (n + 1) / n


def spread(counts: Mapping[int, int]) -> list[tuple[int, int]]:
    """(number of participations, how many experts) pairs, fewest first."""
    tally: dict[int, int] = {}
    for c in counts.values():
        tally[c] = tally.get(c, 0) + 1
    return sorted(tally.items())

"""The arithmetic of evaluation and assessment, as pure functions: no database, no clock.

- **The scale.** Each dimension is scored from 1 to ``scale_max`` (parameter
  ``evaluation_scale_max``, default 5), each level with an anchored description. The anchors are
  written for five levels; on another scale a level reads the anchor of the five-level position
  nearest to it (1 and ``scale_max`` are always the lowest and the highest anchor).
- **Aggregation.** An evaluation keeps the scale it was scored on. An assessment freezes a scale
  and the dimensions' weights when it is run; a score on another scale is placed on the
  assessment's by its position (``1 + (s - 1) × (N - 1) / (n - 1)``). Per dimension the mean of
  the period's scores; overall the weighted mean of the four dimension means (Σ wᵢ·mᵢ / Σ wᵢ),
  which equals the mean of the evaluations' weighted scores. Exact fractions throughout; stored
  values are rounded half up to two decimals at the end.
- **The grade suggested.** The overall mean as a percentage of full marks (overall ÷ N × 100),
  against the thresholds frozen with the assessment: 优秀 from ``excellent``, 合格 from ``pass``,
  基本合格 from ``basic``, 不合格 below. An expert without evaluations gets no suggestion: staff
  judge, and may leave such an expert without a grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from zhiku.evaluations.choices import DIMENSIONS, Dimension, Grade

ANCHOR_LEVELS = 5

# One sentence for each level of each dimension (art. 11), lowest first.
ANCHORS: dict[str, tuple[object, ...]] = {
    Dimension.ATTITUDE: (
        _("敷衍应付，迟到早退，或未完成承担的工作。"),
        _("态度一般，经多次督促才完成工作。"),
        _("按要求完成工作，守时守约。"),
        _("认真负责，主动投入，按时保质完成工作。"),
        _("高度负责、严谨细致，主动承担并带动他人，成果超出预期。"),
    ),
    Dimension.PROFESSIONAL: (
        _("专业判断多有错误，不能胜任所承担的工作。"),
        _("专业判断基本可用，但深度不足或有明显疏漏。"),
        _("专业判断准确，能解决一般问题。"),
        _("专业判断准确深入，能解决复杂问题。"),
        _("专业造诣深厚、见解权威，能解决重大疑难问题并提出创新思路。"),
    ),
    Dimension.KNOWLEDGE: (
        _("知识局限于单一方面，难以理解相关领域的问题。"),
        _("了解少量相关领域知识，跨领域问题把握不足。"),
        _("熟悉本领域及相关法规政策，能兼顾相关领域。"),
        _("知识面较宽，能综合运用法规、政策、技术和管理知识。"),
        _("知识广博、融会贯通，能从全局提出系统性意见。"),
    ),
    Dimension.EXPRESSION: (
        _("表达不清，意见难以理解，或未提交书面意见。"),
        _("表达基本清楚，但条理或书面质量不足。"),
        _("表达清楚，意见有条理，书面材料规范。"),
        _("表达准确简练，论证充分，书面材料质量较高。"),
        _("表达精准、有说服力，意见和报告可直接采用。"),
    ),
}

TWO_PLACES = Decimal("0.01")
ONE_PLACE = Decimal("0.1")


def anchor_position(level: int, scale_max: int) -> int:
    """The five-level anchor (1–5) nearest to ``level`` on a scale of 1 to ``scale_max``."""
    if not 1 <= level <= scale_max:
        raise ValueError(f"level {level} is not on the scale 1–{scale_max}")
    if scale_max == 1:
        return ANCHOR_LEVELS
    exact = Fraction(1) + Fraction((level - 1) * (ANCHOR_LEVELS - 1), scale_max - 1)
    return int(exact + Fraction(1, 2))  # half up


def anchor(dimension: str, level: int, scale_max: int) -> str:
    """The anchored description of ``level`` of ``dimension`` on a scale of 1 to ``scale_max``."""
    return str(ANCHORS[dimension][anchor_position(level, scale_max) - 1])


def scale_levels(dimension: str, scale_max: int) -> list[tuple[int, str]]:
    """Every level of the scale with its anchored description, lowest first."""
    return [(level, anchor(dimension, level, scale_max)) for level in range(1, scale_max + 1)]


def on_scale(score: int, scale_max: int, target_max: int) -> Fraction:
    """``score`` (1–``scale_max``) placed on a scale of 1 to ``target_max`` by its position."""
    if scale_max == target_max:
        return Fraction(score)
    if scale_max == 1:
        return Fraction(target_max)
    return 1 + Fraction((score - 1) * (target_max - 1), scale_max - 1)


@dataclass(frozen=True)
class Scored:
    """One evaluation as the arithmetic needs it: the four scores and the scale they are on."""

    scores: Mapping[str, int]
    scale_max: int


@dataclass(frozen=True)
class Means:
    """The exact means of a period: per dimension and overall; None without evaluations."""

    count: int
    by_dimension: dict[str, Fraction | None]
    overall: Fraction | None


def weighted_means(
    evaluations: Iterable[Scored], *, scale_max: int, weights: Mapping[str, int]
) -> Means:
    """The mean of each dimension on the scale ``scale_max`` and their weighted mean."""
    items = list(evaluations)
    if not items:
        return Means(0, {d: None for d in DIMENSIONS}, None)
    by_dimension: dict[str, Fraction | None] = {}
    for d in DIMENSIONS:
        total = sum((on_scale(e.scores[d], e.scale_max, scale_max) for e in items), Fraction(0))
        by_dimension[d] = total / len(items)
    weight_sum = sum(int(weights[d]) for d in DIMENSIONS)
    if weight_sum <= 0:
        raise ValueError("the dimensions' weights must not all be zero")
    overall = (
        sum((int(weights[d]) * (by_dimension[d] or Fraction(0)) for d in DIMENSIONS), Fraction(0))
        / weight_sum
    )
    return Means(len(items), by_dimension, overall)


def to_decimal(value: Fraction | None, places: Decimal = TWO_PLACES) -> Decimal | None:
    """An exact fraction rounded half up (2.345 → 2.35), as it is stored and shown."""
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        places, rounding=ROUND_HALF_UP
    )


def percent_of_full_marks(overall: Fraction | None, scale_max: int) -> Fraction | None:
    """The overall mean as a percentage of full marks (4.5 of 5 → 90)."""
    if overall is None:
        return None
    return overall * 100 / scale_max


def thresholds_problem(thresholds: Mapping[str, int]) -> str:
    """Why a set of grade thresholds cannot be used (empty when it can)."""
    excellent, passing, basic = (int(thresholds[k]) for k in ("excellent", "pass", "basic"))
    if not excellent >= passing >= basic:
        return str(
            _(
                "考核等次的分数线须从高到低：优秀（%(e)d）≥ 合格（%(p)d）≥ 基本合格（%(b)d）。"
                "请在“政策参数”页调整后再进行考核。"
            )
            % {"e": excellent, "p": passing, "b": basic}
        )
    return ""


def suggested_grade(percent: Fraction | None, thresholds: Mapping[str, int]) -> str:
    """The grade the thresholds give a percentage of full marks ('' without evaluations)."""
    if percent is None:
        return ""
    if percent >= int(thresholds["excellent"]):
        return Grade.EXCELLENT
    if percent >= int(thresholds["pass"]):
        return Grade.PASS
    if percent >= int(thresholds["basic"]):
        return Grade.BASIC
    return Grade.FAIL


def rate(part: int, whole: int) -> Fraction | None:
    """``part`` of ``whole`` as a percentage (None when there is nothing to count)."""
    if whole <= 0:
        return None
    return Fraction(part * 100, whole)


def scores_problem(scores: Mapping[str, object], scale_max: int) -> tuple[str, str]:
    """The first score that is not a whole number on the scale: (dimension, message)."""
    for d in DIMENSIONS:
        value = scores.get(d)
        label = Dimension(d).label
        if value in (None, ""):
            return d, str(_("请为“%(d)s”打分。") % {"d": label})
        try:
            number = int(str(value))
        except ValueError:
            number = 0
        if str(number) != str(value).strip() or not 1 <= number <= scale_max:
            return d, str(
                _("“%(d)s”的分数须为 1 至 %(n)d 之间的整数。") % {"d": label, "n": scale_max}
            )
    return "", ""

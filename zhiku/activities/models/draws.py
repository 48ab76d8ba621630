"""Verifiable random draws (随机抽取): the draw, its exclusions, rounds, candidates and changes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiku.activities.choices import ACTIVE_DRAW_STATUSES, DrawStatus, Outcome, Reason
from zhiku.activities.models.activities import Activity
from zhiku.core.models import Transition
from zhiku.experts.models import Expert


class Draw(models.Model):
    """A random draw (随机抽取) for an activity, verifiable from its record by anyone.

    Opening freezes the labels (the eligible experts' pool numbers, by stratum) and commits to
    a one-time-code chain before any randomness exists; rounds then follow
    draft-thomson-elegy-vrs (see docs/draws.md). Every opened draw ends completed or cancelled.
    """

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="draws")
    code = models.CharField(_("抽取编号"), max_length=24, unique=True)
    public_token = models.CharField(max_length=32, unique=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=DrawStatus.choices, default=DrawStatus.OPENED
    )
    places = models.PositiveSmallIntegerField(_("抽取人数"))
    # {"fields": [codes], "field_match": "any", "title_levels": [], "org_types": [],
    #  "regions": [], "out_of_province": true}
    conditions = models.JSONField(_("抽取条件"))
    # [{"key": "university", "name": "高校", "places": 2}] (one stratum "all" when none is set)
    strata = models.JSONField(_("分层"))
    # The recusal rules applied: organisations and their keys, years, rotation parameters.
    recusal = models.JSONField(_("回避规则"))
    # The frozen labels: {stratum key: [pool numbers in ascending order]}.
    labels = models.JSONField(_("冻结的标签"), default=dict)
    label_count = models.PositiveIntegerField(_("候选池人数"), default=0)
    labels_hash = models.CharField(_("标签哈希"), max_length=64)
    # Fair rotation (parameter rotation_weighting): each label's weight numerator n (the weight
    # is n / 256), frozen with the labels; empty for a draw of equal chances.
    weights = models.JSONField(_("轮换权重"), default=dict, blank=True)
    weights_hash = models.CharField(_("权重哈希"), max_length=64, blank=True)
    # How the weights were made: the window of past draws counted and how many there were.
    weighting = models.JSONField(_("权重依据"), default=dict, blank=True)
    # Counts shown beside the labels: {"meeting": n, "not_meeting": m, "reasons": {code: k}}.
    counts = models.JSONField(_("计数"), default=dict)
    chain_length = models.PositiveSmallIntegerField(_("一次性码链长度 n"))
    commitment = models.CharField(_("承诺值 H^n(秘密值)"), max_length=64)
    secret_token = models.TextField(editable=False)  # the secret, encrypted until revealed
    secret = models.CharField(_("秘密值"), max_length=64, blank=True)  # set when revealed
    lottery_name = models.CharField(_("公开彩票"), max_length=200, blank=True)
    lottery_date = models.DateField(_("开奖日期"), null=True, blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="witnessed_draws",
        verbose_name=_("监督人"),
    )
    witness_value = models.CharField(_("见证值"), max_length=40, blank=True)
    witness_at = models.DateTimeField(_("见证值录入时间"), null=True, blank=True)
    lottery_value = models.CharField(_("开奖结果"), max_length=200, blank=True)
    lottery_at = models.DateTimeField(_("开奖结果录入时间"), null=True, blank=True)
    lottery_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    randomness = models.CharField(_("随机数（RFC 3797 编码）"), max_length=400, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    opened_at = models.DateTimeField(_("冻结时间"))
    opened_on = models.DateField(_("规则适用日期"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("随机抽取")
        verbose_name_plural = _("随机抽取")
        constraints = [
            # At most one draw of an activity is under way; another needs this one to end.
            models.UniqueConstraint(
                fields=["activity"],
                condition=models.Q(status__in=ACTIVE_DRAW_STATUSES),
                name="one_active_draw_per_activity",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_DRAW_STATUSES

    @property
    def needs_lottery(self) -> bool:
        return bool(self.lottery_name)

    @property
    def is_weighted(self) -> bool:
        return bool(self.weights)

    @property
    def randomness_complete(self) -> bool:
        return bool(self.witness_value) and (not self.needs_lottery or bool(self.lottery_value))

    def stratum_names(self) -> dict[str, str]:
        return {s["key"]: s["name"] for s in self.strata}


class Exclusion(models.Model):
    """An expert who met the conditions but was excluded when the draw was opened, and why."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="exclusions")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(_("原因"))  # [Reason codes]

    class Meta:
        ordering = ["pk"]
        verbose_name = _("排除记录")

    def __str__(self) -> str:
        return f"{self.draw} {self.expert_id} {self.reasons}"

    def reason_labels(self) -> list[str]:
        return [str(Reason(r).label) for r in self.reasons]


class Round(models.Model):
    """One iteration of the draw: round 1 is the draw, rounds 2, 3, … are top-ups (补充抽取)."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    one_time_code = models.CharField(_("一次性码"), max_length=64)
    at = models.DateTimeField(_("抽取时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    shortfall = models.JSONField(_("应抽取人数"))  # {stratum: n}
    unfilled = models.JSONField(_("未补足名额"))  # {stratum: n}
    confirmed = models.JSONField(default=list)  # [labels] still serving
    left = models.JSONField(default=list)  # [{"label", "outcome", "reason"}]
    disqualified = models.JSONField(default=list)  # [{"label", "reasons"}]

    class Meta:
        ordering = ["draw", "number"]
        verbose_name = _("抽取轮次")
        constraints = [
            models.UniqueConstraint(fields=["draw", "number"], name="round_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.draw} #{self.number}"

    @property
    def unfilled_total(self) -> int:
        return sum(int(v) for v in self.unfilled.values())

    @property
    def shortfall_total(self) -> int:
        return sum(int(v) for v in self.shortfall.values())


class Candidate(models.Model):
    """An expert drawn in a round, and what became of them."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="candidates")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="candidates")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="draw_candidacies")
    label = models.CharField(_("专家编号"), max_length=16)
    stratum = models.CharField(_("层"), max_length=32)
    position = models.CharField(_("位置值"), max_length=64)
    rank = models.PositiveIntegerField(_("序位"))
    outcome = models.CharField(
        _("结果"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_reason = models.CharField(_("原因"), max_length=300, blank=True)
    outcome_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    class Meta:
        ordering = ["round__number", "rank"]
        verbose_name = _("候选专家")
        constraints = [
            models.UniqueConstraint(fields=["draw", "expert"], name="candidate_once_per_draw"),
        ]
        # Recusal asks which experts confirmed other activities (overlap, rotation).
        indexes = [models.Index(fields=["expert", "outcome"], name="candidate_expert_outcome")]

    def __str__(self) -> str:
        return f"{self.draw} {self.label}"

    @property
    def has_left(self) -> bool:
        return self.outcome in (Outcome.DECLINED, Outcome.NO_ANSWER, Outcome.WITHDREW)


class DrawChange(Transition):
    """A step of a draw: opened, witness value, lottery result, a round, cancelled, completed,
    published. The operator's and the supervisor's steps alike."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("冻结名单并公布承诺")
        WITNESSED = "witnessed", _("监督人录入见证值")
        LOTTERY = "lottery", _("录入开奖结果")
        ROUND = "round", _("抽取")
        CANCELLED = "cancelled", _("取消抽取")
        COMPLETED = "completed", _("抽取完成，公开秘密值")
        PUBLISHED = "published", _("在门户公布抽取记录")

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("步骤"), max_length=16, choices=Kind.choices)

    audit_field = "status"

    class Meta(Transition.Meta):
        verbose_name = _("抽取步骤记录")

    def __str__(self) -> str:
        return f"{self.draw} {self.kind}"


class CandidateChange(Transition):
    """A candidate's outcome recorded or corrected."""

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="changes")

    audit_field = "outcome"

    class Meta(Transition.Meta):
        verbose_name = _("候选专家结果记录")

    def __str__(self) -> str:
        return f"{self.candidate} {self.from_value}→{self.to_value}"


def reason_label(code: str) -> str:
    return str(Reason(code).label)


def outcome_label(code: Any) -> str:
    return str(Outcome(code).label)

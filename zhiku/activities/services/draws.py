"""Writes of draws: open (freeze and commit), randomness in, rounds, outcomes, cancel, publish.

The algorithm is draft-thomson-elegy-vrs, computed with the functions of ``zhiku.verify`` (the
standard-library checker anyone can run), so the draw and its check are the same arithmetic:

1. ``draw_open`` freezes the labels (eligible pool numbers, by stratum), takes a fresh secret of
   32 random bytes and publishes ``H^n(secret)`` and ``n`` with the labels' hash, the strata and
   the randomness sources announced, in the draw row and the audit trail, before any randomness
   exists.
2. The randomness comes in: the supervisor types the witness value (``draw_witness``), staff
   enter the announced lottery result (``draw_lottery_enter``). With all of it, round 1 runs.
3. Round i uses the one-time code ``H^(n-i)(secret)``: ``PRK = HKDF-Extract(code, randomness)``,
   each label's position ``HKDF-Expand(PRK, label, 32)``; lowest positions first, per stratum,
   exactly the number wanted. Top-up rounds (``draw_topup``) note who left and why, skip them
   and everyone already drawn, and take exactly the shortfall. With fair rotation on, the
   labels' weights are frozen at step 1 and each round walks Efraimidis–Spirakis keys instead.
4. Each round's candidates are invited at once (``services.invitations``); their answers are
   the outcomes a top-up round reads.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku import verify
from zhiku.accounts.models import Role, User
from zhiku.activities import pool as pools
from zhiku.activities import rotation
from zhiku.activities.choices import (
    LEFT_OUTCOMES,
    ActivityStatus,
    DrawStatus,
    InvitationStatus,
    Outcome,
    Reason,
    SourceKind,
)
from zhiku.activities.errors import DrawError
from zhiku.activities.models import (
    Activity,
    Candidate,
    Draw,
    DrawChange,
    Exclusion,
    Invitation,
    Round,
)
from zhiku.activities.selectors import remaining_labels, rotation_history, wanted_by_stratum
from zhiku.activities.services.invitations import (
    answered_by,
    invitations_cancel,
    invitations_lapse,
)
from zhiku.activities.services.sending import invite_at_once
from zhiku.core.audit import log_action
from zhiku.core.crashpoints import checkpoint
from zhiku.core.errors import AccessDenied
from zhiku.core.parameters import parameter_snapshot
from zhiku.core.permissions import DRAW_RUNNER, STAFF, SUPERVISOR
from zhiku.core.transitions import transition_record
from zhiku.experts import crypto
from zhiku.experts.choices import Status
from zhiku.experts.models import Expert

# H^n(secret): many more links than top-up rounds will ever need (round i uses H^(n-i)).
CHAIN_LENGTH = 100
SECRET_BYTES = 32
WITNESS_DIGITS = (6, 30)


@dataclass
class DrawSetup:
    """What staff set before opening a draw (设定条件)."""

    places: int
    conditions: pools.Conditions
    strata: dict[str, int]  # organisation type -> places; empty: no strata
    supervisor: User
    lottery_name: str = ""
    lottery_date: dt.date | None = None


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _locked(draw: Draw) -> Draw:
    return Draw.objects.select_for_update().select_related("activity", "supervisor").get(pk=draw.pk)


def _state_error(draw: Draw, doing: str) -> DrawError:
    return DrawError(
        _("抽取 %(code)s 当前状态为“%(s)s”，不能%(doing)s。")
        % {"code": draw.code, "s": draw.get_status_display(), "doing": doing}
    )


# --- preview and opening -----------------------------------------------------------------------


def recusal_for(activity: Activity, on: dt.date) -> pools.Recusal:
    """The recusal rules for a draw of ``activity`` opened on ``on`` (parameters of that day)."""
    values = parameter_snapshot(on)
    names = [o.name for o in activity.organisations.all()]
    return pools.Recusal(
        activity_id=activity.pk,
        start=activity.start_date,
        end=activity.end_date,
        on=on,
        organisations=tuple(names),
        keys=pools.organisation_keys(names),
        years=int(values["recusal_years"]),
        rest_days=int(values["rotation_rest_days"]),
        yearly_cap=int(values["rotation_yearly_cap"]),
    )


def _check_setup(activity: Activity, setup: DrawSetup, today: dt.date) -> list[pools.Stratum]:
    if not 1 <= setup.places <= 200:
        raise DrawError(_("抽取人数须在 1 至 200 之间。"), field="places")
    strata = pools.strata_from(setup.places, setup.strata)
    if setup.strata:
        total = sum(s.places for s in strata)
        if total != setup.places:
            raise DrawError(
                _("各层名额之和（%(t)d）须等于抽取人数（%(p)d）。")
                % {"t": total, "p": setup.places},
                field="strata",
            )
        wanted_types = set(setup.conditions.org_types)
        outside = [s.name for s in strata if wanted_types and s.key not in wanted_types]
        if outside:
            raise DrawError(
                _("分层“%(s)s”不在所选单位类型之内。") % {"s": "、".join(outside)}, field="strata"
            )
    supervisor = setup.supervisor
    if supervisor.role != Role.SUPERVISOR or not supervisor.is_active:
        raise DrawError(_("请选择一位在职的监督人。"), field="supervisor")
    if setup.lottery_name.strip():
        if setup.lottery_date is None:
            raise DrawError(_("请填写所选彩票的开奖日期。"), field="lottery_date")
        if setup.lottery_date < today:
            raise DrawError(
                _("开奖日期 %(d)s 已过：随机数来源须在冻结名单之后才产生，请选择今后的一期。")
                % {"d": setup.lottery_date.isoformat()},
                field="lottery_date",
            )
    elif setup.lottery_date is not None:
        raise DrawError(_("填写了开奖日期，但没有填写彩票名称和期号。"), field="lottery_name")
    return strata


def draw_preview(
    *, actor: User, activity: Activity, setup: DrawSetup, today: dt.date
) -> pools.Pool:
    """What opening would freeze today: eligible counts per stratum and the excluded, by reason."""
    DRAW_RUNNER.require(actor)
    strata = _check_setup(activity, setup, today)
    return pools.compute_pool(setup.conditions, strata, recusal_for(activity, today))


def _weights(
    activity: Activity, pool: pools.Pool, today: dt.date
) -> tuple[dict[str, int], dict[str, Any]]:
    """Fair-rotation weights of the eligible labels, when the parameter is on (else none)."""
    values = parameter_snapshot(today)
    if not int(values["rotation_weighting"]):
        return {}, {}
    days = int(values["rotation_weighting_days"])
    history = rotation_history(today=today, window_days=days, exclude_activity=activity.pk)
    labels = [label for labels in pool.labels.values() for label in labels]
    weighting = {
        "rule": verify.WEIGHT_RULE,
        "window_days": days,
        "from": (today - dt.timedelta(days=days)).isoformat(),
        "to": today.isoformat(),
        "draws": history.draws,
    }
    return rotation.weights_for(labels, history), weighting


def _sources(draw: Draw) -> list[dict[str, Any]]:
    sources: list[dict[str, Any]] = [
        {"kind": SourceKind.WITNESS, "name": str(SourceKind.WITNESS.label)}
    ]
    if draw.lottery_name:
        sources.append(
            {
                "kind": SourceKind.LOTTERY,
                "name": draw.lottery_name,
                "date": draw.lottery_date.isoformat() if draw.lottery_date else None,
            }
        )
    return sources


@transaction.atomic
def draw_open(
    *, actor: User, activity: Activity, setup: DrawSetup, now: dt.datetime | None = None
) -> Draw:
    """Freeze the eligible labels and commit to the one-time-code chain (冻结名单、公布承诺值)."""
    DRAW_RUNNER.require(actor)
    now = now or timezone.now()
    today = timezone.localdate(now)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status != ActivityStatus.OPEN:
        raise DrawError(_("活动已结束，不能再抽取。"))
    under_way = activity.draws.filter(status__in=(DrawStatus.OPENED, DrawStatus.DRAWN)).first()
    if under_way is not None:
        raise DrawError(
            _(
                "本活动的抽取 %(code)s 尚未结束（%(s)s）：一次只能进行一项抽取；如需重新抽取，请先说明原因取消它。"
            )
            % {"code": under_way.code, "s": under_way.get_status_display()}
        )
    strata = _check_setup(activity, setup, today)
    recusal = recusal_for(activity, today)
    pool = pools.compute_pool(setup.conditions, strata, recusal)
    if pool.label_count == 0:
        raise DrawError(
            _(
                "没有符合条件且无需回避的专家（符合条件 %(m)d 人，均须回避或不在库）：请调整抽取条件。"
            )
            % {"m": pool.meeting}
        )
    weights, weighting = _weights(activity, pool, today)
    secret = secrets.token_bytes(SECRET_BYTES)
    strata_json = [{**s.as_json(), "eligible": len(pool.labels[s.key])} for s in strata]
    record_strata = [{"key": s.key, "labels": pool.labels[s.key]} for s in strata]
    draw = Draw.objects.create(
        activity=activity,
        code=f"pending-{secrets.token_hex(8)}",
        public_token=secrets.token_urlsafe(12),
        status=DrawStatus.OPENED,
        places=setup.places,
        conditions=setup.conditions.as_json(),
        strata=strata_json,
        recusal=recusal.as_json(),
        labels=pool.labels,
        label_count=pool.label_count,
        labels_hash=verify.labels_hash(record_strata),
        weights=weights,
        weights_hash=verify.weights_hash(weights) if weights else "",
        weighting=weighting,
        counts=pool.counts_json(),
        chain_length=CHAIN_LENGTH,
        commitment=verify.hash_times(secret, CHAIN_LENGTH).hex(),
        secret_token=crypto.encrypt(secret.hex()),
        lottery_name=setup.lottery_name.strip(),
        lottery_date=setup.lottery_date if setup.lottery_name.strip() else None,
        supervisor=setup.supervisor,
        opened_by=actor,
        opened_at=now,
        opened_on=today,
    )
    draw.code = f"CQ-{today.year}-{draw.pk:04d}"
    draw.save(update_fields=["code"])
    Exclusion.objects.bulk_create(
        [
            Exclusion(draw=draw, expert_id=e.expert_id, reasons=list(e.reasons))
            for e in pool.excluded
        ],
        batch_size=2000,
    )
    transition_record(
        DrawChange,
        action="activities.draw.opened",
        subject=draw,
        actor=actor,
        from_value="",
        to_value=DrawStatus.OPENED,
        at=now,
        draw=draw,
        kind=DrawChange.Kind.OPENED,
        data={
            "activity": activity.pk,
            "labels_hash": draw.labels_hash,
            "label_count": draw.label_count,
            "weights_hash": draw.weights_hash,
            "strata": [s.as_json() for s in strata],
            "commitment": draw.commitment,
            "n": draw.chain_length,
            "sources": _sources(draw),
            "supervisor": setup.supervisor.username,
            "excluded": pool.reason_counts(),
        },
    )
    return draw


# --- randomness --------------------------------------------------------------------------------


def normalize_witness(value: str) -> str:
    """The witness value as recorded: its digits, spaces removed; refused unless 6–30 digits."""
    digits = "".join(value.split())
    low, high = WITNESS_DIGITS
    if not digits.isascii() or not digits.isdigit() or not low <= len(digits) <= high:
        raise DrawError(
            _("见证值须为 %(low)d 至 %(high)d 位数字（可由监督人临场任意写下，例如掷骰子所得）。")
            % {"low": low, "high": high},
            field="value",
        )
    return digits


def normalize_lottery(value: str) -> str:
    """The lottery result as recorded: numbers separated by spaces, groups by " + "."""
    try:
        groups = verify.parse_groups(value)
    except ValueError:
        raise DrawError(
            _(
                "请按开奖公告填写号码，号码之间用空格分隔；有多组号码（如红球、蓝球）时用“+”分隔各组。"
            ),
            field="value",
        ) from None
    if sum(len(g) for g in groups) > 40:
        raise DrawError(_("开奖号码过多：请只填写所公布的那一期开奖号码。"), field="value")
    return " + ".join(" ".join(f"{n:02d}" for n in g) for g in groups)


def encoded_randomness(draw: Draw) -> str:
    """The randomness of ``draw`` as RFC 3797 section 4 writes it: sources in announced order."""
    text = verify.encode_source(SourceKind.WITNESS, draw.witness_value)
    if draw.needs_lottery:
        text += verify.encode_source(SourceKind.LOTTERY, draw.lottery_value)
    return text


@transaction.atomic
def draw_witness(*, actor: User, draw: Draw, value: str, now: dt.datetime | None = None) -> Draw:
    """The supervisor, present in person and signed in as themselves, types the witness value."""
    SUPERVISOR.require(actor)
    draw = _locked(draw)
    if draw.supervisor_id != actor.pk:
        raise AccessDenied(
            _("本次抽取的监督人是 %(p)s，只有其本人可以录入见证值。")
            % {"p": draw.supervisor.full_name}
        )
    if draw.status != DrawStatus.OPENED:
        raise _state_error(draw, _("录入见证值"))
    if draw.witness_value:
        raise DrawError(_("见证值已于 %(at)s 录入，不能更改。") % {"at": _local(draw.witness_at)})
    now = now or timezone.now()
    draw.witness_value = normalize_witness(value)
    draw.witness_at = now
    draw.save(update_fields=["witness_value", "witness_at"])
    transition_record(
        DrawChange,
        action="activities.draw.witnessed",
        subject=draw,
        actor=actor,
        from_value=DrawStatus.OPENED,
        to_value=DrawStatus.OPENED,
        at=now,
        draw=draw,
        kind=DrawChange.Kind.WITNESSED,
        changes={},
        data={"witness_value": draw.witness_value},
    )
    if draw.randomness_complete:
        _start(draw, actor=actor, now=now)
    return draw


@transaction.atomic
def draw_lottery_enter(
    *, actor: User, draw: Draw, value: str, now: dt.datetime | None = None
) -> Draw:
    """Staff enter the announced lottery's result once it is out."""
    DRAW_RUNNER.require(actor)
    draw = _locked(draw)
    if not draw.needs_lottery:
        raise DrawError(_("本次抽取没有预先公布彩票来源，无需录入开奖结果。"))
    if draw.status != DrawStatus.OPENED:
        raise _state_error(draw, _("录入开奖结果"))
    if draw.lottery_value:
        raise DrawError(_("开奖结果已于 %(at)s 录入，不能更改。") % {"at": _local(draw.lottery_at)})
    now = now or timezone.now()
    if draw.lottery_date and timezone.localdate(now) < draw.lottery_date:
        raise DrawError(
            _("“%(n)s”的开奖日期为 %(d)s，尚未开奖。")
            % {"n": draw.lottery_name, "d": draw.lottery_date.isoformat()},
            field="value",
        )
    draw.lottery_value = normalize_lottery(value)
    draw.lottery_at = now
    draw.lottery_by = actor
    draw.save(update_fields=["lottery_value", "lottery_at", "lottery_by"])
    transition_record(
        DrawChange,
        action="activities.draw.lottery_entered",
        subject=draw,
        actor=actor,
        from_value=DrawStatus.OPENED,
        to_value=DrawStatus.OPENED,
        at=now,
        draw=draw,
        kind=DrawChange.Kind.LOTTERY,
        changes={},
        data={"lottery": draw.lottery_name, "lottery_value": draw.lottery_value},
    )
    if draw.randomness_complete:
        _start(draw, actor=actor, now=now)
    return draw


def _start(draw: Draw, *, actor: User, now: dt.datetime) -> None:
    draw.randomness = encoded_randomness(draw)
    draw.status = DrawStatus.DRAWN
    draw.save(update_fields=["randomness", "status"])
    _run_round(draw, number=1, actor=actor, now=now)


# --- rounds ------------------------------------------------------------------------------------


def stratum_of(draw: Draw) -> dict[str, str]:
    return {label: key for key, labels in draw.labels.items() for label in labels}


def _disqualified(draw: Draw, skip: set[str]) -> list[dict[str, Any]]:
    """Frozen labels (not drawn yet) whose expert must now be excluded, with the reasons.

    A top-up round may come days after the labels were frozen: an expert suspended, or who
    declared a conflict, since then is noted publicly and skipped (the draft's disqualification).
    The conditions stay as frozen; the recusal rules are those of the opening day.
    """
    conditions = pools.Conditions.from_json(draw.conditions)
    strata = [pools.Stratum(s["key"], s["name"], int(s["places"])) for s in draw.strata]
    recusal = pools.Recusal.from_json(draw.recusal)
    now = pools.compute_pool(conditions, strata, recusal)
    found = {e.label: e.reasons for e in now.excluded}
    eligible = {label for labels in now.labels.values() for label in labels}
    frozen = [label for labels in draw.labels.values() for label in labels if label not in skip]
    out = []
    missing = []
    for label in frozen:
        if label in found:
            # Labels not drawn yet that are "already named" for this activity were designated
            # (art. 19) since the freeze: they are disqualified like any other new reason.
            out.append({"label": label, "reasons": list(found[label])})
        elif label not in eligible:
            missing.append(label)
    # No longer meeting the frozen conditions is not a reason; leaving the pool is.
    for start in range(0, len(missing), 900):
        chunk = missing[start : start + 900]
        for label, status in (
            Expert.objects.filter(pool_number__in=chunk)
            .exclude(status=Status.ACTIVE)
            .values_list("pool_number", "status")
        ):
            reason = pools.STATUS_REASON.get(Status(status), Reason.EXITED)
            out.append({"label": label, "reasons": [reason]})
    out.sort(key=lambda d: d["label"])
    return out


def _run_round(draw: Draw, *, number: int, actor: User, now: dt.datetime) -> Round:
    if number >= draw.chain_length:
        raise DrawError(
            _("一次性码已用尽（n = %(n)d），不能再补充抽取。") % {"n": draw.chain_length}
        )
    previous = list(draw.candidates.select_related("invitation").order_by("round__number", "rank"))
    confirmed = [c for c in previous if c.outcome == Outcome.CONFIRMED]
    left = [c for c in previous if c.outcome in LEFT_OUTCOMES]
    drawn = {c.label for c in previous}
    disqualified = _disqualified(draw, drawn) if number > 1 else []
    wanted = wanted_by_stratum(draw, confirmed)
    secret = bytes.fromhex(crypto.decrypt(draw.secret_token))
    code = verify.hash_times(secret, draw.chain_length - number)
    labels_by_stratum = stratum_of(draw)
    ranked = verify.positions(code, draw.randomness.encode("utf-8"), list(labels_by_stratum))
    if draw.weights:
        ranked = verify.weighted_order(ranked, draw.weights)
    taken = verify.select(
        ranked, labels_by_stratum, wanted, skip=drawn | {d["label"] for d in disqualified}
    )
    unfilled = dict(wanted)
    for _position, label in taken:
        unfilled[labels_by_stratum[label]] -= 1
    rnd = Round.objects.create(
        draw=draw,
        number=number,
        one_time_code=code.hex(),
        at=now,
        actor=actor,
        shortfall=wanted,
        unfilled=unfilled,
        confirmed=[c.label for c in confirmed],
        left=[
            {
                "label": c.label,
                "outcome": c.outcome,
                "reason": c.outcome_reason,
                "answered_by": answered_by(getattr(c, "invitation", None)),
            }
            for c in left
        ],
        disqualified=disqualified,
    )
    experts = dict(
        Expert.objects.filter(pool_number__in=[label for _p, label in taken]).values_list(
            "pool_number", "pk"
        )
    )
    Candidate.objects.bulk_create(
        [
            Candidate(
                draw=draw,
                round=rnd,
                expert_id=experts[label],
                label=label,
                stratum=labels_by_stratum[label],
                position=position.hex(),
                rank=rank,
            )
            for rank, (position, label) in enumerate(taken, start=1)
        ]
    )
    transition_record(
        DrawChange,
        action="activities.draw.round_drawn",
        subject=draw,
        actor=actor,
        from_value=DrawStatus.DRAWN,
        to_value=DrawStatus.DRAWN,
        at=now,
        draw=draw,
        kind=DrawChange.Kind.ROUND,
        changes={},
        data={
            "round": number,
            "one_time_code": rnd.one_time_code,
            "randomness": draw.randomness,
            "candidates": [label for _p, label in taken],
            "shortfall": wanted,
            "unfilled": unfilled,
            "left": rnd.left,
            "disqualified": disqualified,
        },
    )
    # The new candidates are invited at once (by the system); if that cannot be done now (a
    # working-day calendar not entered), the round stands and the pages offer to send later.
    invite_at_once(draw.activity, now=now)
    checkpoint("activities.draw.round_drawn")
    return rnd


@transaction.atomic
def draw_topup(
    *, actor: User, draw: Draw, expected_round: int, now: dt.datetime | None = None
) -> Round:
    """Start top-up round ``expected_round`` (补充抽取, art. 18(3)): the next iteration.

    ``expected_round`` is the round the person saw was next: when two people start it at once,
    the second finds it done and is told so, so an activity never gets two rounds for one gap.
    """
    DRAW_RUNNER.require(actor)
    draw = _locked(draw)
    if draw.status != DrawStatus.DRAWN:
        raise _state_error(draw, _("补充抽取"))
    if draw.activity.status != ActivityStatus.OPEN:
        raise DrawError(_("活动已结束，不能再补充抽取。"))
    last = draw.rounds.order_by("-number").select_related("actor").first()
    number = (last.number if last else 0) + 1
    if expected_round != number:
        if last is not None and expected_round <= last.number:
            done = draw.rounds.select_related("actor").get(number=expected_round)
            raise DrawError(
                _("第 %(n)d 轮已由 %(who)s 于 %(at)s 抽取，请查看其结果，不要重复抽取。")
                % {
                    "n": expected_round,
                    "who": done.actor.full_name if done.actor else "—",
                    "at": _local(done.at),
                }
            )
        raise DrawError(_("下一轮应为第 %(n)d 轮，请刷新页面后再试。") % {"n": number})
    now = now or timezone.now()
    invitations_lapse(now=now, activity=draw.activity)
    candidates = list(draw.candidates.all())
    pending = [c for c in candidates if c.outcome == Outcome.PENDING]
    if pending:
        raise DrawError(
            _(
                "仍有 %(n)d 位候选专家尚未答复邀请：补充抽取须等每一位接受、拒绝或答复期限届满（逾期视为拒绝）后进行。"
            )
            % {"n": len(pending)}
        )
    wanted = wanted_by_stratum(draw, [c for c in candidates if c.outcome == Outcome.CONFIRMED])
    if not any(wanted.values()):
        raise DrawError(_("已确认人数达到抽取人数，无需补充抽取。"))
    if remaining_labels(draw, wanted) == 0:
        raise DrawError(
            _(
                "候选池已用尽：尚缺 %(n)d 人，但冻结名单中已没有未被抽取的专家。如仍需专家，请取消本次抽取后放宽条件重新抽取，或按第十九条指定。"
            )
            % {"n": sum(wanted.values())}
        )
    try:
        with transaction.atomic():
            return _run_round(draw, number=number, actor=actor, now=now)
    except IntegrityError:  # the unique (draw, number) constraint: someone was first after all
        raise DrawError(
            _("第 %(n)d 轮已由他人抽取，请刷新页面查看结果。") % {"n": number}
        ) from None


# --- cancellation, publication ---------------------------------------------------------------


@transaction.atomic
def draw_cancel(*, actor: User, draw: Draw, reason: str, now: dt.datetime | None = None) -> Draw:
    """Cancel a draw with its reason: it stays on record, on the activity and in statistics."""
    DRAW_RUNNER.require(actor)
    draw = _locked(draw)
    if draw.status not in (DrawStatus.OPENED, DrawStatus.DRAWN):
        raise _state_error(draw, _("取消"))
    reason = reason.strip()
    if not reason:
        raise DrawError(_("请填写取消原因：取消将显示在活动页面和统计中。"), field="reason")
    before = draw.status
    draw.status = DrawStatus.CANCELLED
    draw.cancel_reason = reason
    draw.finished_at = now or timezone.now()
    draw.save(update_fields=["status", "cancel_reason", "finished_at"])
    invitations_cancel(
        Invitation.objects.filter(
            candidate__draw=draw,
            status__in=(InvitationStatus.SENT, InvitationStatus.ACCEPTED),
        ),
        actor=actor,
        reason=_("抽取已取消：%(r)s") % {"r": reason},
        now=draw.finished_at,
    )
    transition_record(
        DrawChange,
        action="activities.draw.cancelled",
        subject=draw,
        actor=actor,
        from_value=before,
        to_value=DrawStatus.CANCELLED,
        reason=reason,
        at=draw.finished_at,
        draw=draw,
        kind=DrawChange.Kind.CANCELLED,
        data={"rounds": draw.rounds.count()},
    )
    return draw


@transaction.atomic
def draw_publish(*, actor: User, draw: Draw, now: dt.datetime | None = None) -> Draw:
    """Publish the record of a finished draw of a closed activity on the portal."""
    DRAW_RUNNER.require(actor)
    draw = _locked(draw)
    if draw.activity.status != ActivityStatus.CLOSED:
        raise DrawError(_("活动结束、秘密值公开后才能公布抽取记录。"))
    if draw.status not in (DrawStatus.COMPLETED, DrawStatus.CANCELLED):
        raise _state_error(draw, _("公布"))
    if draw.published_at is not None:
        raise DrawError(_("抽取记录已于 %(at)s 公布。") % {"at": _local(draw.published_at)})
    draw.published_at = now or timezone.now()
    draw.save(update_fields=["published_at"])
    transition_record(
        DrawChange,
        action="activities.draw.published",
        subject=draw,
        actor=actor,
        from_value=draw.status,
        to_value=draw.status,
        at=draw.published_at,
        draw=draw,
        kind=DrawChange.Kind.PUBLISHED,
        changes={},
    )
    return draw


def draw_record_given(*, actor: User, draw: Draw) -> None:
    """Note in the audit trail that staff took the record (e.g. for the commissioning unit)."""
    STAFF.require(actor)
    log_action(
        "activities.record.downloaded",
        actor=actor,
        obj=draw,
        data={"secret_revealed": bool(draw.secret), "status": draw.status},
    )


def draw_sheet_printed(*, actor: User, draw: Draw) -> None:
    log_action("activities.sheet.printed", actor=actor, obj=draw, data={"status": draw.status})


def outcome_counts(draw: Draw) -> Counter[str]:
    return Counter(draw.candidates.values_list("outcome", flat=True))

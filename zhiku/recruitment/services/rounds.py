"""Council deliberation (理事会审议, art. 7(3)): rounds, secret votes, the rule that closes them.

A round holds passed applications and the council members of the day it opened. Online, each
member casts one ballot (同意 / 不同意 / 弃权 for every application); the round closes by itself
as soon as the quorum of members has voted, or at 24:00 of its last voting day, or when staff
end it. Offline, staff record a meeting's outcome per application with its minutes. The rule
(``council_quorum_*``, ``council_majority_percent``) is the one in force on the opening day and
is kept with the round. Without quorum nobody passes: the applications go back to 待审议 for a
later round, and the round says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import Role, User
from zhiku.core import uploads
from zhiku.core.audit import log_action
from zhiku.core.errors import AccessDenied
from zhiku.core.permissions import COUNCIL, REVIEWER
from zhiku.core.transitions import transition_record
from zhiku.recruitment import rules, selectors
from zhiku.recruitment.models import (
    Application,
    DeliberationRound,
    RoundChange,
    RoundItem,
    Vote,
)
from zhiku.recruitment.services._common import (
    LAPSED_ACTIONS,
    RecruitmentError,
    notify_applicant,
    record_status,
)


def _rule(round_: DeliberationRound) -> rules.RoundRule:
    return rules.RoundRule(
        quorum_numerator=round_.quorum_numerator,
        quorum_denominator=round_.quorum_denominator,
        majority_percent=round_.majority_percent,
    )


@transaction.atomic
def round_open(
    *,
    actor: User,
    applications: Iterable[Application],
    mode: str,
    title: str,
    votes_close_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> DeliberationRound:
    """Put passed applications before the council, online or at a meeting."""
    REVIEWER.require(actor)
    now = now or timezone.now()
    today = timezone.localdate(now)
    pks = sorted({a.pk for a in applications})
    chosen = list(
        Application.objects.select_for_update()
        .filter(pk__in=pks)
        .select_related("call")
        .order_by("pk")
    )
    if not chosen:
        raise RecruitmentError(_("请选择提交理事会审议的申请。"))
    waiting = [a for a in chosen if a.status != Application.Status.PASSED]
    if waiting:
        raise RecruitmentError(
            _("只有资格审核通过、待审议的申请可以提交理事会：%(list)s。")
            % {"list": "、".join(f"{a.name}（{a.get_status_display()}）" for a in waiting)}
        )
    if mode not in DeliberationRound.Mode.values:
        raise RecruitmentError(_("请选择审议方式。"))
    if not title.strip():
        raise RecruitmentError(_("请填写本轮审议的名称。"))
    members = list(User.objects.filter(role=Role.COUNCIL, is_active=True).order_by("pk"))
    if not members:
        raise RecruitmentError(
            _("系统中没有在用的理事会成员账户。请安全管理员开设理事会成员账户后再发起审议。")
        )
    if mode == DeliberationRound.Mode.ONLINE:
        if votes_close_on is None or votes_close_on < today:
            raise RecruitmentError(_("请填写投票截止日期，不能早于今天。"))
    else:
        votes_close_on = None
    rule = selectors.rules_on(today)
    round_ = DeliberationRound.objects.create(
        title=title.strip(),
        mode=mode,
        opened_by=actor,
        opened_at=now,
        votes_close_on=votes_close_on,
        quorum_numerator=rule.quorum_numerator,
        quorum_denominator=rule.quorum_denominator,
        majority_percent=rule.majority_percent,
    )
    round_.members.set(members)
    for application in chosen:
        RoundItem.objects.create(round=round_, application=application)
    transition_record(
        RoundChange,
        action="recruitment.round.opened",
        subject=round_,
        actor=actor,
        from_value="",
        to_value=DeliberationRound.Status.OPEN,
        at=now,
        data={
            "mode": mode,
            "applications": [a.pk for a in chosen],
            "members": len(members),
            "rule": round_.rule_text(),
        },
        round=round_,
    )
    for application in chosen:
        record_status(
            application,
            to=Application.Status.DELIBERATING,
            actor=actor,
            at=now,
            data={"round": round_.pk},
        )
    return round_


def _tallies(round_: DeliberationRound) -> dict[int, rules.Tally]:
    counts: dict[int, dict[str, int]] = {item.pk: {} for item in round_.items.all()}
    for vote in Vote.objects.filter(item__round=round_):
        counts[vote.item_id][vote.choice] = counts[vote.item_id].get(vote.choice, 0) + 1
    return {
        pk: rules.Tally(
            agree=c.get(Vote.Choice.AGREE, 0),
            disagree=c.get(Vote.Choice.DISAGREE, 0),
            abstain=c.get(Vote.Choice.ABSTAIN, 0),
        )
        for pk, c in counts.items()
    }


def _close(
    round_: DeliberationRound,
    *,
    actor: Any,
    now: dt.datetime,
    reason: str,
    taking_part: int,
    tallies: Mapping[int, rules.Tally],
    passed: frozenset[int] | None = None,
) -> DeliberationRound:
    """Decide every application of an open round and close it (in the caller's transaction)."""
    rule = _rule(round_)
    members = round_.members.count()
    quorum_met = rule.quorum_met(members=members, taking_part=taking_part)
    if passed is None:
        passed = rules.round_result(
            rule, members=members, voters=taking_part, tallies=tallies
        ).passed
    elif not quorum_met:
        passed = frozenset()
    for item in round_.items.select_related("application__call", "application__user"):
        tally = tallies.get(item.pk, rules.Tally())
        item.agree, item.disagree, item.abstain = tally.agree, tally.disagree, tally.abstain
        application = item.application
        data = {
            "round": round_.pk,
            "agree": tally.agree,
            "disagree": tally.disagree,
            "abstain": tally.abstain,
        }
        if not quorum_met:
            item.outcome = RoundItem.Outcome.NO_QUORUM
            record_status(
                application,
                to=Application.Status.PASSED,
                actor=actor,
                at=now,
                reason=_("理事会审议未达法定人数，待重新审议"),
                data=data,
                action=LAPSED_ACTIONS["lapsed"],
            )
        elif item.pk in passed:
            item.outcome = RoundItem.Outcome.APPROVED
            application.decided_at = now
            application.save(update_fields=["decided_at"])
            record_status(
                application, to=Application.Status.APPROVED, actor=actor, at=now, data=data
            )
            notify_applicant(application, "approved")
        else:
            item.outcome = RoundItem.Outcome.NOT_APPROVED
            application.decided_at = now
            application.save(update_fields=["decided_at"])
            record_status(
                application, to=Application.Status.NOT_APPROVED, actor=actor, at=now, data=data
            )
            notify_applicant(application, "not_approved")
        item.save(update_fields=["agree", "disagree", "abstain", "outcome"])
    round_.status = DeliberationRound.Status.CLOSED
    round_.outcome = (
        DeliberationRound.Outcome.DECIDED if quorum_met else DeliberationRound.Outcome.NO_QUORUM
    )
    round_.closed_at = now
    round_.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    round_.close_note = reason
    round_.save()
    transition_record(
        RoundChange,
        action="recruitment.round.closed",
        subject=round_,
        actor=actor,
        from_value=DeliberationRound.Status.OPEN,
        to_value=DeliberationRound.Status.CLOSED,
        reason=reason,
        at=now,
        data={
            "outcome": round_.outcome,
            "members": members,
            "taking_part": taking_part,
            "quorum": rule.quorum(members),
            "approved": len(passed),
        },
        round=round_,
    )
    return round_


def _lock_open(round_: DeliberationRound, mode: str) -> DeliberationRound:
    round_ = DeliberationRound.objects.select_for_update().get(pk=round_.pk)
    if round_.status != DeliberationRound.Status.OPEN:
        raise RecruitmentError(
            _("本轮审议已于 %(at)s 结束。")
            % {"at": timezone.localtime(round_.closed_at).strftime("%Y-%m-%d %H:%M")}
            if round_.closed_at
            else _("本轮审议已结束。")
        )
    if round_.mode != mode:
        raise RecruitmentError(
            _("本轮为线下会议审议，不在线投票。")
            if mode == DeliberationRound.Mode.ONLINE
            else _("本轮为线上投票，不记录会议结果。")
        )
    return round_


def round_close_if_due(*, round_: DeliberationRound, now: dt.datetime | None = None) -> bool:
    """Close an online round whose last voting day has ended; return whether it closed now."""
    now = now or timezone.now()
    if (
        round_.status != DeliberationRound.Status.OPEN
        or round_.mode != DeliberationRound.Mode.ONLINE
        or round_.votes_close_on is None
        or now < rules.votes_deadline(round_.votes_close_on)
    ):
        return False
    with transaction.atomic():
        round_ = DeliberationRound.objects.select_for_update().get(pk=round_.pk)
        if round_.status != DeliberationRound.Status.OPEN:
            return False
        _close(
            round_,
            actor=None,
            now=now,
            reason=_("投票截止"),
            taking_part=len(selectors.voters_of(round_)),
            tallies=_tallies(round_),
        )
    return True


def rounds_close_due(now: dt.datetime | None = None) -> int:
    """Close every online round past its last voting day (pages call this as they open)."""
    now = now or timezone.now()
    return sum(
        round_close_if_due(round_=r, now=now)
        for r in selectors.open_rounds().filter(mode=DeliberationRound.Mode.ONLINE)
    )


def round_vote(
    *,
    actor: User,
    round_: DeliberationRound,
    choices: Mapping[int, tuple[str, str]],
    now: dt.datetime | None = None,
) -> DeliberationRound:
    """Cast a member's ballot: one choice (and an optional comment) per application, once.

    The round closes as soon as the quorum of its members has voted.
    """
    COUNCIL.require(actor)
    now = now or timezone.now()
    round_close_if_due(round_=round_, now=now)
    with transaction.atomic():
        round_ = _lock_open(round_, DeliberationRound.Mode.ONLINE)
        if not round_.members.filter(pk=actor.pk).exists():
            raise AccessDenied(_("您不是本轮审议的理事会成员。"))
        if Vote.objects.filter(item__round=round_, member=actor).exists():
            raise RecruitmentError(_("您已投票。投票提交后不能更改。"))
        items = list(round_.items.select_related("application"))
        missing = [i.application.name for i in items if i.pk not in choices]
        if missing:
            raise RecruitmentError(
                _("请对每一位申请人作出表决（同意、不同意或弃权）：尚未表决：%(n)s。")
                % {"n": "、".join(missing)}
            )
        for item in items:
            choice, comment = choices[item.pk]
            if choice not in Vote.Choice.values:
                raise RecruitmentError(_("表决意见只能是同意、不同意或弃权。"))
            Vote.objects.create(
                item=item, member=actor, choice=choice, comment=comment.strip()[:500], cast_at=now
            )
        # The choices stay out of the trail: votes are secret until the round closes.
        log_action("recruitment.round.voted", actor=actor, obj=round_, data={"items": len(items)})
        voters = len(selectors.voters_of(round_))
        members = round_.members.count()
        if _rule(round_).quorum_met(members=members, taking_part=voters):
            _close(
                round_,
                actor=actor,
                now=now,
                reason=_("已达法定人数，投票自动结束"),
                taking_part=voters,
                tallies=_tallies(round_),
            )
    return round_


@transaction.atomic
def round_close(
    *, actor: User, round_: DeliberationRound, note: str = "", now: dt.datetime | None = None
) -> DeliberationRound:
    """End an online round now (staff); without quorum nobody passes."""
    REVIEWER.require(actor)
    now = now or timezone.now()
    round_ = _lock_open(round_, DeliberationRound.Mode.ONLINE)
    if not note.strip():
        raise RecruitmentError(_("请写明提前结束投票的原因。"))
    return _close(
        round_,
        actor=actor,
        now=now,
        reason=note.strip(),
        taking_part=len(selectors.voters_of(round_)),
        tallies=_tallies(round_),
    )


@transaction.atomic
def round_record_meeting(
    *,
    actor: User,
    round_: DeliberationRound,
    meeting_on: dt.date,
    members_present: int,
    outcomes: Mapping[int, str],
    minutes_name: str,
    minutes: Any,
    note: str = "",
    now: dt.datetime | None = None,
) -> DeliberationRound:
    """Record a council meeting held offline: who attended, the outcome per application, minutes."""
    REVIEWER.require(actor)
    now = now or timezone.now()
    round_ = _lock_open(round_, DeliberationRound.Mode.MEETING)
    if meeting_on > timezone.localdate(now):
        raise RecruitmentError(_("会议日期不能晚于今天。"))
    members = round_.members.count()
    if not 0 <= members_present <= members:
        raise RecruitmentError(
            _("出席人数应在 0 至 %(n)d（本轮理事会成员数）之间。") % {"n": members}
        )
    items = list(round_.items.select_related("application"))
    missing = [
        i.application.name for i in items if outcomes.get(i.pk) not in ("approved", "not_approved")
    ]
    if missing:
        raise RecruitmentError(
            _("请逐一填写会议对每位申请人的审议结论：尚未填写：%(n)s。") % {"n": "、".join(missing)}
        )
    if minutes is None:
        raise RecruitmentError(_("请上传会议纪要（PDF 或图片）。"))
    round_.minutes = uploads.stored_file_create(
        name=minutes_name, content=minutes, actor=actor, purpose="recruitment.minutes"
    )
    round_.meeting_on = meeting_on
    round_.members_present = members_present
    round_.save(update_fields=["minutes", "meeting_on", "members_present"])
    passed = frozenset(i.pk for i in items if outcomes[i.pk] == "approved")
    return _close(
        round_,
        actor=actor,
        now=now,
        reason=note.strip() or _("按线下会议结果记录"),
        taking_part=members_present,
        tallies={},
        passed=passed,
    )

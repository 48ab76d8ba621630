"""After an activity: attendance and opinions (art. 12(1), 13(1)), fees paid (art. 12(2)) and
their finance export, and a seminar's recommendations (art. 5(3)).

Attendance and fees are recorded once the activity is closed (its names are then no longer
confidential) and has begun, for the experts confirmed to serve it. Unexcused absences after
accepting count towards exit ground 6 (art. 8(6); ``selectors.unexcused_absences``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.activities import selectors
from zhiku.activities.choices import ActivityKind, AttendanceStatus, Source
from zhiku.activities.errors import AttendanceError
from zhiku.activities.models import Activity, Attendance, AttendanceChange, Fee, Recommendation
from zhiku.activities.services.activities import require_in_charge
from zhiku.activities.services.invitations import require_roster_staff
from zhiku.core.audit import diff, log_action
from zhiku.core.permissions import EXPORTER
from zhiku.core.spreadsheets import ExportWriter, export_stamp
from zhiku.core.transitions import transition_record
from zhiku.experts.models import Expert

MAX_FEE = Decimal("1000000")


def _after(activity: Activity, today: dt.date, what: str) -> None:
    if activity.is_open:
        raise AttendanceError(
            _("活动结束后才能登记%(what)s：请先在活动页面结束活动（名单在活动结束前保密）。")
            % {"what": what}
        )
    if today < activity.start_date:
        raise AttendanceError(
            _("活动尚未开始（%(d)s），不能登记%(what)s。")
            % {"d": activity.start_date.isoformat(), "what": what}
        )


def _source(activity: Activity, expert: Expert) -> str:
    sources = selectors.confirmed_experts(activity)
    if expert.pk not in sources:
        raise AttendanceError(
            _("%(e)s 不是本活动已确认参加的专家。") % {"e": expert}, field="expert"
        )
    return sources[expert.pk]


@transaction.atomic
def attendance_record(
    *,
    actor: User,
    activity: Activity,
    expert: Expert,
    status: str,
    opinion: str = "",
    now: dt.datetime | None = None,
) -> Attendance:
    """Record (or correct) whether a confirmed expert attended, and their opinion or report."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_in_charge(actor, activity)
    now = now or timezone.now()
    _after(activity, timezone.localdate(now), _("出席情况"))
    if status not in AttendanceStatus.values:
        raise AttendanceError(_("请选择出席情况。"), field="status")
    source = _source(activity, expert)
    opinion = opinion.strip()
    row = Attendance.objects.select_for_update().filter(activity=activity, expert=expert).first()
    before_status = row.status if row else ""
    before = {"status": before_status, "opinion": row.opinion if row else ""}
    if row is None:
        row = Attendance(activity=activity, expert=expert, source=source)
    elif row.status == status and row.opinion == opinion:
        raise AttendanceError(_("出席情况没有变化。"))
    if (
        status == AttendanceStatus.UNEXCUSED
        and activity.fees.filter(expert=expert, removed_at__isnull=True).exists()
    ):
        raise AttendanceError(
            _("已为 %(e)s 登记了劳动报酬：请先撤销报酬记录，再登记为无故缺席。") % {"e": expert},
            field="status",
        )
    row.status = status
    row.opinion = opinion
    row.recorded_by = actor
    row.recorded_at = now
    row.save()
    transition_record(
        AttendanceChange,
        action="activities.attendance.recorded",
        subject=activity,
        actor=actor,
        from_value=before_status,
        to_value=status,
        at=now,
        attendance=row,
        changes=diff(before, {"status": status, "opinion": opinion}),
        data={"expert": str(expert), "source": source},
    )
    return row


def parse_amount(text: str) -> Decimal:
    """An amount in yuan with at most two decimals, positive and below a million."""
    cleaned = text.strip().replace(",", "").replace("，", "").replace("元", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise AttendanceError(_("金额须为数字，如 1500 或 1500.00。"), field="amount") from None
    if not amount.is_finite() or amount <= 0:
        raise AttendanceError(_("金额须大于 0。"), field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise AttendanceError(_("金额最多保留两位小数（分）。"), field="amount")
    if amount >= MAX_FEE:
        raise AttendanceError(_("金额须小于 100 万元；请核对。"), field="amount")
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def fee_record(
    *,
    actor: User,
    activity: Activity,
    expert: Expert,
    amount: Decimal,
    paid_on: dt.date,
    note: str = "",
    now: dt.datetime | None = None,
) -> Fee:
    """Record a fee paid to a confirmed expert who took part (attended, or excused with work
    delivered); never to one absent without leave."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_in_charge(actor, activity)
    now = now or timezone.now()
    today = timezone.localdate(now)
    _after(activity, today, _("劳动报酬"))
    _source(activity, expert)
    attendance = Attendance.objects.filter(activity=activity, expert=expert).first()
    if attendance is None:
        raise AttendanceError(
            _("请先登记 %(e)s 的出席情况，再登记劳动报酬。") % {"e": expert}, field="expert"
        )
    if attendance.status == AttendanceStatus.UNEXCUSED:
        raise AttendanceError(
            _("%(e)s 无故缺席，不能登记劳动报酬。") % {"e": expert}, field="expert"
        )
    amount = parse_amount(str(amount))
    if paid_on > today:
        raise AttendanceError(_("支付日期不能晚于今天。"), field="paid_on")
    if paid_on < activity.start_date:
        raise AttendanceError(_("支付日期不能早于活动开始日期。"), field="paid_on")
    fee = Fee.objects.create(
        activity=activity,
        expert=expert,
        amount=amount,
        paid_on=paid_on,
        note=note.strip(),
        recorded_by=actor,
        recorded_at=now,
    )
    log_action(
        "activities.fee.recorded",
        actor=actor,
        obj=activity,
        data={
            "expert": str(expert),
            "amount": str(amount),
            "paid_on": paid_on.isoformat(),
            "note": fee.note,
        },
    )
    return fee


@transaction.atomic
def fee_remove(*, actor: User, fee: Fee, reason: str, now: dt.datetime | None = None) -> Fee:
    """Mark a mistaken fee entry removed, with the reason (the row stays on record)."""
    fee = Fee.objects.select_for_update().select_related("activity", "expert").get(pk=fee.pk)
    require_in_charge(actor, fee.activity)
    if fee.is_removed:
        raise AttendanceError(_("该笔报酬记录已撤销。"))
    reason = reason.strip()
    if not reason:
        raise AttendanceError(_("请写明撤销的原因。"), field="reason")
    fee.removed_at = now or timezone.now()
    fee.removed_by = actor
    fee.removed_reason = reason
    fee.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    log_action(
        "activities.fee.removed",
        actor=actor,
        obj=fee.activity,
        data={
            "expert": str(fee.expert),
            "amount": str(fee.amount),
            "paid_on": fee.paid_on.isoformat(),
            "reason": reason,
        },
    )
    return fee


@transaction.atomic
def recommendation_add(
    *,
    actor: User,
    activity: Activity,
    text: str,
    experts: Sequence[Expert] = (),
    now: dt.datetime | None = None,
) -> Recommendation:
    """Record a seminar's recommendation (art. 5(3)) and the experts who made it."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_in_charge(actor, activity)
    if activity.kind != ActivityKind.SEMINAR:
        raise AttendanceError(_("只有座谈研讨活动登记研讨建议（第五条第（三）项）。"))
    if experts and activity.is_open:
        require_roster_staff(actor, activity)  # naming the experts needs the names
    text = text.strip()
    if not text:
        raise AttendanceError(_("请填写建议的内容。"), field="text")
    confirmed = selectors.confirmed_experts(activity)
    strangers = [str(e) for e in experts if e.pk not in confirmed]
    if strangers:
        raise AttendanceError(
            _("%(e)s 不是本活动已确认参加的专家。") % {"e": "、".join(strangers)},
            field="experts",
        )
    item = Recommendation.objects.create(
        activity=activity, text=text, recorded_by=actor, recorded_at=now or timezone.now()
    )
    item.experts.set(list(experts))
    log_action(
        "activities.recommendation.added",
        actor=actor,
        obj=activity,
        data={"text": text, "experts": [str(e) for e in experts]},
    )
    return item


def fees_export(*, actor: User, year: int, now: dt.datetime | None = None) -> bytes:
    """The year's fees as .xlsx for finance: each payment, then each expert's total."""
    EXPORTER.require(actor)
    now = now or timezone.now()
    fees = list(selectors.fees_of_year(year))
    totals = selectors.fee_totals(year)
    total = sum((f.amount for f in fees), Decimal("0"))
    with transaction.atomic():
        log_action(
            "activities.fee.exported",
            actor=actor,
            data={"year": year, "count": len(fees), "amount": str(total)},
        )
    stamp = export_stamp(str(actor), now)
    title = _("%(y)d 年专家劳动报酬") % {"y": year}
    writer = ExportWriter(
        title=title,
        stamp=stamp,
        description=_("共 %(n)d 笔，合计 %(t)s 元。") % {"n": len(fees), "t": f"{total:.2f}"},
        creator=str(actor),
    )
    writer.widths([12, 16, 10, 28, 36, 12, 10, 12, 10])
    writer.row(stamp, bold=True)
    writer.row(
        _("广东省质量发展智库 %(t)s　共 %(n)d 笔，合计 %(s)s 元。未经授权不得复制、传播。")
        % {"t": title, "n": len(fees), "s": f"{total:.2f}"}
    )
    writer.row(
        _("支付日期"),
        _("专家编号"),
        _("姓名"),
        _("工作单位"),
        _("活动"),
        _("活动类型"),
        _("产生方式"),
        _("金额（元）"),
        _("登记人"),
        bold=True,
    )
    designated = selectors.designated_pairs({f.activity_id for f in fees})
    for fee in fees:
        source = (
            Source.DESIGNATED if (fee.activity_id, fee.expert_id) in designated else Source.DRAWN
        )
        writer.row(
            fee.paid_on.isoformat(),
            fee.expert.pool_number or "",
            fee.expert.name,
            fee.expert.organisation,
            fee.activity.title,
            fee.activity.get_kind_display(),
            str(Source(source).label),
            float(fee.amount),
            fee.recorded_by.full_name,
        )
    writer.row()
    writer.row(_("每位专家年度合计"), bold=True)
    writer.row(_("专家编号"), _("姓名"), _("笔数"), _("合计（元）"), bold=True)
    for t in totals:
        writer.row(t.expert.pool_number or "", t.expert.name, t.count, float(t.total))
    return writer.save()

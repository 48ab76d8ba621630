"""The public notice (公示, art. 7(4)): the proposed list published for 7 working days.

Publishing fixes the end date by the working-day rule (``notice_workdays`` working days after the
publication day, which is not counted) with the parameter in force on the publication day. The
notice ends at 24:00 Asia/Shanghai of that day by itself (``rules.notice_phase``); the deadline
step only records it (``notices_end_due``), so no page waits for a job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.parameters import parameter_value
from zhiku.core.permissions import REVIEWER
from zhiku.core.transitions import transition_record
from zhiku.core.workdays import add_workdays
from zhiku.recruitment import rules
from zhiku.recruitment.models import Application, Notice, NoticeChange, NoticeEntry
from zhiku.recruitment.services._common import RecruitmentError, notify_applicant, record_status

LONGEST_BACKDATE = dt.timedelta(days=30)


def touch(notice: Notice) -> None:
    """Mark that what the public pages of ``notice`` show has changed (their cache keys move)."""
    Notice.objects.filter(pk=notice.pk).update(updated_at=timezone.now())


def fields_text(application: Application) -> str:
    """The applicant's fields as the public list shows them: the primary one first."""
    names = []
    if application.primary_field is not None:
        names.append(application.primary_field.name)
    names += [
        f.name
        for f in application.other_fields.order_by("code")
        if f.pk != application.primary_field_id
    ]
    return "、".join(names)


def _title_of(application: Application) -> str:
    return application.title or str(application.get_title_level_display())


@transaction.atomic
def notice_publish(
    *,
    actor: User,
    applications: Iterable[Application],
    title: str,
    postal_address: str,
    visit_address: str,
    contact: str,
    intro: str = "",
    published_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Notice:
    """Publish approved applications as a notice; its end date follows the working-day rule.

    ``published_on`` may be an earlier day on which the association posted the same list
    elsewhere (its website, WeChat), but not a future day, nor one whose notice has ended.
    """
    REVIEWER.require(actor)
    now = now or timezone.now()
    today = timezone.localdate(now)
    published_on = published_on or today
    if published_on > today:
        raise RecruitmentError(_("公示发布日期不能晚于今天。"))
    if published_on < today - LONGEST_BACKDATE:
        raise RecruitmentError(
            _("公示发布日期不能早于 %(d)s（30 天以前）。") % {"d": today - LONGEST_BACKDATE}
        )
    if not title.strip():
        raise RecruitmentError(_("请填写公示标题。"))
    if not (postal_address.strip() and visit_address.strip() and contact.strip()):
        raise RecruitmentError(
            _("请填写书面异议的邮寄地址、现场递交地址和联系人及电话，公众据此提出异议。")
        )
    chosen = list(
        Application.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted({a.pk for a in applications}))
        .select_related("call", "user", "primary_field")
        .order_by("decided_at", "pk")
    )
    if not chosen:
        raise RecruitmentError(_("请选择要公示的拟入库专家。"))
    not_listed = [a for a in chosen if a.status != Application.Status.APPROVED]
    if not_listed:
        raise RecruitmentError(
            _("只有拟入库名单中的申请人可以公示：%(list)s。")
            % {"list": "、".join(f"{a.name}（{a.get_status_display()}）" for a in not_listed)}
        )
    workdays = parameter_value("notice_workdays", published_on)
    ends_on = add_workdays(published_on, workdays)
    if now >= rules.notice_deadline(ends_on):
        raise RecruitmentError(
            _(
                "按发布日期 %(p)s 计算，公示期已于 %(e)s 24:00 结束，不能再发布。"
                "请填写该名单实际发布的日期。"
            )
            % {"p": published_on.isoformat(), "e": ends_on.isoformat()}
        )
    notice = Notice.objects.create(
        title=title.strip(),
        intro=intro.strip(),
        published_on=published_on,
        ends_on=ends_on,
        workdays=workdays,
        postal_address=postal_address.strip(),
        visit_address=visit_address.strip(),
        contact=contact.strip(),
        published_by=actor,
        published_at=now,
    )
    for position, application in enumerate(chosen, start=1):
        NoticeEntry.objects.create(
            notice=notice,
            application=application,
            position=position,
            name=application.name,
            organisation=application.organisation,
            title=_title_of(application),
            fields_text=fields_text(application),
        )
    transition_record(
        NoticeChange,
        action="recruitment.notice.published",
        subject=notice,
        actor=actor,
        from_value="",
        to_value=Notice.Status.PUBLISHED,
        at=now,
        data={
            "published_on": published_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "workdays": workdays,
            "applications": [a.pk for a in chosen],
        },
        notice=notice,
    )
    for application in chosen:
        record_status(
            application,
            to=Application.Status.NOTICE,
            actor=actor,
            at=now,
            data={"notice": notice.pk},
        )
        notify_applicant(application, "on_notice", notice=notice)
    return notice


def record_end(notice: Notice, *, actor: User | None, now: dt.datetime) -> None:
    """Record that a locked, published notice has run its course (in the caller's transaction)."""
    transition_record(
        NoticeChange,
        action="recruitment.notice.ended",
        subject=notice,
        actor=actor,
        from_value=Notice.Status.PUBLISHED,
        to_value=Notice.Status.ENDED,
        reason=_("公示期满（%(d)s 24:00）") % {"d": notice.ends_on.isoformat()},
        at=now,
        data={"ends_on": notice.ends_on.isoformat()},
        notice=notice,
    )
    notice.status = Notice.Status.ENDED
    notice.ended_at = now
    notice.save(update_fields=["status", "ended_at", "updated_at"])


def notice_phase(notice: Notice, now: dt.datetime) -> str:
    return rules.notice_phase(published_on=notice.published_on, ends_on=notice.ends_on, now=now)


def notice_end_if_due(
    notice: Notice, *, actor: User | None = None, now: dt.datetime | None = None
) -> bool:
    """Record a notice's end once its last day is over; return whether it was recorded now."""
    now = now or timezone.now()
    if notice.status != Notice.Status.PUBLISHED or notice_phase(notice, now) != rules.ENDED:
        return False
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.status != Notice.Status.PUBLISHED:
            return False
        record_end(notice, actor=actor, now=now)
    return True


def notices_end_due(now: dt.datetime | None = None) -> list[Notice]:
    """Record the end of every notice whose last day is over (the deadline step); safe to repeat."""
    now = now or timezone.now()
    due = Notice.objects.filter(
        status=Notice.Status.PUBLISHED, ends_on__lt=timezone.localdate(now)
    ).order_by("ends_on", "pk")
    return [n for n in due if notice_end_if_due(n, now=now)]

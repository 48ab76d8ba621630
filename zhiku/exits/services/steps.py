"""The written notice (书面告知, art. 9(2)) and the exit itself (出库, art. 9(3)): announced on
the portal, and the expert marked 已出库 through the registry's one status service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core import uploads
from zhiku.core.documents import render_pdf
from zhiku.core.http import site_url
from zhiku.core.masking import mask
from zhiku.core.parameters import parameter_value
from zhiku.core.permissions import STAFF
from zhiku.exits import rules
from zhiku.exits.choices import CaseStatus
from zhiku.exits.models import ExitCase
from zhiku.exits.services._common import NOTICE_PURPOSE, ExitError, lock, move
from zhiku.exits.tasks import exit_notice_email
from zhiku.experts import services as registry
from zhiku.experts.choices import Status
from zhiku.recruitment.models import Announcement
from zhiku.recruitment.services import AnnouncementLine, announcement_publish


def bar_years_on(day: dt.date) -> int:
    return int(parameter_value("reapplication_bar_years", day))


def notice_pdf(case: ExitCase, *, on: dt.date, now: dt.datetime) -> bytes:
    """The written notice of a verified case, to the expert (PDF, in Chinese)."""
    years = bar_years_on(on) if case.bars_reapplication else None
    return render_pdf(
        "exits/documents/exit_notice.html",
        {
            "case": case,
            "expert": case.expert,
            "on": on,
            "bar_years": years,
            "announcements_url": site_url(reverse("announcements:announcement_list")),
        },
        produced_at=now,
    )


@transaction.atomic
def exit_case_notify(*, actor: User, case: ExitCase, now: dt.datetime | None = None) -> ExitCase:
    """Tell the expert in writing (书面告知): make the notice (PDF), keep it on the case, and
    e-mail it where the profile has an address (otherwise the page says to post it)."""
    STAFF.require(actor)
    now = now or timezone.now()
    case = lock(case, CaseStatus.VERIFIED)
    today = timezone.localdate(now)
    pdf = notice_pdf(case, on=today, now=now)
    case.notice_file = uploads.stored_file_create(
        name=_("出库书面告知书（第%(n)d号，%(e)s）.pdf") % {"n": case.pk, "e": case.expert.name},
        content=pdf,
        actor=actor,
        purpose=NOTICE_PURPOSE,
    )
    case.notified_on = today
    address = case.expert.email
    case.notice_emailed = bool(address)
    move(
        case,
        to=CaseStatus.NOTIFIED,
        action="exits.case.notified",
        actor=actor,
        now=now,
        data={"notified_on": today.isoformat(), "to": mask(address) if address else ""},
    )
    if address:
        _email(case, address)
    return case


def _email(case: ExitCase, address: str) -> None:
    assert case.notice_file is not None
    body = render_to_string(
        "exits/email/exit_notice.txt",
        {"case": case, "expert": case.expert, "link": site_url(reverse("me:exit_home"))},
    )
    subject, _sep, text = body.partition("\n")
    exit_notice_email.enqueue(
        subject=subject.strip(),
        body=text.lstrip("\n"),
        recipients=[address],
        file_id=str(case.notice_file.pk),
    )


def _title(today: dt.date) -> str:
    earlier = Announcement.objects.filter(
        kind=Announcement.Kind.EXIT, published_on__year=today.year
    ).count()
    title = _("%(y)d 年广东省质量发展智库专家出库公告") % {"y": today.year}
    if earlier:
        title += _("（第%(n)d号）") % {"n": earlier + 1}
    return title


@transaction.atomic
def exit_cases_announce(
    *,
    actor: User,
    cases: Sequence[ExitCase],
    published_grounds: Collection[int] = (),
    now: dt.datetime | None = None,
) -> Announcement:
    """Announce the exit of the notified ``cases`` on the portal (name, organisation, date; the
    ground only for the cases in ``published_grounds``) and mark each expert 已出库 through the
    registry. A case that bars re-application keeps the day the bar ends."""
    STAFF.require(actor)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not cases:
        raise ExitError(_("请选择要公告出库的专家（已书面告知的案件）。"), field="cases")
    locked = [lock(case) for case in sorted(cases, key=lambda c: c.pk)]
    for case in locked:
        if case.status != CaseStatus.NOTIFIED:
            raise ExitError(
                _("出库案件第 %(n)d 号（%(e)s）当前为“%(s)s”：须书面告知本人后才能公告出库。")
                % {"n": case.pk, "e": case.expert, "s": case.get_status_display()},
                field="cases",
            )
    lines = [
        AnnouncementLine(
            name=case.expert.name,
            pool_number=case.expert.pool_number or "",
            organisation=case.expert.organisation,
            date=today,
            note=_("出库情形：%(g)s") % {"g": case.ground_text}
            if case.pk in published_grounds
            else "",
        )
        for case in locked
    ]
    body = _(
        "根据《广东省质量发展智库管理办法》第八条、第九条，经核实并书面告知本人，"
        "以下 %(n)d 位专家自 %(d)s 起出库，不再担任广东省质量发展智库专家，现予公告。"
    ) % {"n": len(locked), "d": today.isoformat()}
    announcement = announcement_publish(
        actor=actor,
        kind=Announcement.Kind.EXIT,
        title=_title(today),
        body=body,
        lines=lines,
        now=now,
    )
    years = bar_years_on(today)
    for case in locked:
        registry.expert_status_change(
            actor=actor,
            expert=case.expert,
            to_status=Status.EXITED,
            on=today,
            reason=_("出库案件第 %(n)d 号：%(g)s；已于 %(d)s 公告")
            % {"n": case.pk, "g": case.ground_text, "d": today.isoformat()},
            exit_case=case.pk,
        )
        case.announcement = announcement
        case.ground_published = case.pk in published_grounds
        case.exited_on = today
        if case.bars_reapplication:
            case.bar_years = years
            case.barred_until = rules.bar_ends(today, years)
        move(
            case,
            to=CaseStatus.EXITED,
            action="exits.case.exited",
            actor=actor,
            now=now,
            data={
                "announcement": announcement.pk,
                "ground_published": case.ground_published,
                **({"barred_until": case.barred_until.isoformat()} if case.barred_until else {}),
            },
        )
    return announcement

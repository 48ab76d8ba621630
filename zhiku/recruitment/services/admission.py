"""Admission and announcement (入库 / 公告, art. 7(5)).

After a notice has ended, one step settles every listed applicant: those with an objection not
yet decided wait; those with an upheld objection are not admitted and are told why; the rest are
admitted through the registry's ``expert_admit`` (pool number, status 在库, its art. 6 check),
get their certificate (聘书) and are named in an announcement (公告) on the portal. Running it
again admits nobody twice; a waiting applicant is settled when their objection is decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import log_action
from zhiku.core.errors import DomainError
from zhiku.core.models import StoredFile
from zhiku.core.permissions import REVIEWER, STAFF
from zhiku.experts import services as registry
from zhiku.experts.choices import Status as ExpertStatus
from zhiku.experts.models import Expert
from zhiku.recruitment import rules
from zhiku.recruitment.models import (
    OPEN_OBJECTION_STATUSES,
    Announcement,
    Application,
    Certificate,
    Notice,
    NoticeEntry,
    Objection,
)
from zhiku.recruitment.services import documents
from zhiku.recruitment.services._common import RecruitmentError, notify_applicant, record_status
from zhiku.recruitment.services.notices import record_end, touch
from zhiku.recruitment.tasks import certificate_issue


@dataclass
class AdmissionResult:
    """What one run of the admission did, entry by entry."""

    admitted: list[NoticeEntry] = field(default_factory=list)
    not_admitted: list[NoticeEntry] = field(default_factory=list)
    waiting: list[NoticeEntry] = field(default_factory=list)
    # Entries the registry refused, with its reason (an art. 6 failure without a reason, say).
    refused: list[tuple[NoticeEntry, str]] = field(default_factory=list)
    announcement: Announcement | None = None

    @property
    def changed(self) -> bool:
        return bool(self.admitted or self.not_admitted)


def _pass_note(application: Application) -> str:
    """The reason the reviewer gave when passing an application that failed an art. 6 check."""
    note = (
        application.status_changes.filter(to_value=Application.Status.PASSED)
        .order_by("-at", "-pk")
        .values_list("reason", flat=True)
        .first()
    )
    return note or ""


def _certificate_number(pool_number: str) -> str:
    _prefix, year, serial = pool_number.split("-")
    return _("粤质智聘〔%(y)s〕%(s)s号") % {"y": year, "s": serial}


def _admit(entry: NoticeEntry, *, actor: User, now: dt.datetime) -> None:
    application = entry.application
    assert application.expert_id is not None  # written into the registry when it passed review
    expert = Expert.objects.select_for_update().get(pk=application.expert_id)
    today = timezone.localdate(now)
    if expert.status != ExpertStatus.ACTIVE:
        with transaction.atomic():
            expert = registry.expert_admit(
                actor=actor,
                expert=expert,
                on=today,
                reason=_("经公示无异议，批准入库（%(t)s）") % {"t": entry.notice.title},
                exception_reason=_pass_note(application),
            )
    entry.outcome = NoticeEntry.Outcome.ADMITTED
    entry.outcome_at = now
    entry.pool_number = expert.pool_number or ""
    entry.save(update_fields=["outcome", "outcome_at", "pool_number"])
    record_status(
        application,
        to=Application.Status.ADMITTED,
        actor=actor,
        at=now,
        data={"notice": entry.notice_id, "pool_number": entry.pool_number},
    )
    certificate = Certificate.objects.create(
        entry=entry,
        expert=expert,
        number=_certificate_number(entry.pool_number),
        issued_on=today,
    )
    certificate_issue.enqueue(certificate_id=certificate.pk)


def _not_admit(
    entry: NoticeEntry, upheld: list[Objection], *, actor: User, now: dt.datetime
) -> None:
    reasons = "；".join(f"{o.decision_reason}" for o in upheld)
    note = _("公示期间对其提出的异议经核实成立：%(r)s") % {"r": reasons}
    entry.outcome = NoticeEntry.Outcome.NOT_ADMITTED
    entry.outcome_at = now
    entry.outcome_note = note
    entry.save(update_fields=["outcome", "outcome_at", "outcome_note"])
    application = entry.application
    application.decision_note = note
    application.decided_at = now
    application.save(update_fields=["decision_note", "decided_at"])
    record_status(
        application,
        to=Application.Status.NOT_ADMITTED,
        actor=actor,
        at=now,
        reason=note,
        data={"notice": entry.notice_id, "objections": [o.pk for o in upheld]},
    )
    notify_applicant(application, "not_admitted", reason=note)


def settle(
    notice: Notice, entries: Iterable[NoticeEntry], *, actor: User, now: dt.datetime
) -> AdmissionResult:
    """Settle the pending ``entries`` of an ended notice (in the caller's transaction)."""
    result = AdmissionResult()
    pks = [e.pk for e in entries]
    locked = (
        NoticeEntry.objects.select_for_update(of=("self",))
        .filter(pk__in=pks, outcome=NoticeEntry.Outcome.PENDING)
        .select_related("notice", "application__user", "application__call")
        .order_by("position")
    )
    for entry in locked:
        objections = list(entry.objections.all())
        if any(o.status in OPEN_OBJECTION_STATUSES for o in objections):
            result.waiting.append(entry)
            continue
        upheld = [o for o in objections if o.status == Objection.Status.UPHELD]
        if upheld:
            _not_admit(entry, upheld, actor=actor, now=now)
            result.not_admitted.append(entry)
            continue
        try:
            _admit(entry, actor=actor, now=now)
        except DomainError as exc:
            result.refused.append((entry, str(exc)))
            continue
        result.admitted.append(entry)
    if result.admitted:
        result.announcement = _announce(notice, result.admitted, actor=actor, now=now)
    if result.changed:
        log_action(
            "recruitment.notice.admission_run",
            actor=actor,
            obj=notice,
            data={
                "admitted": [e.name for e in result.admitted],
                "not_admitted": [e.name for e in result.not_admitted],
                "waiting": [e.name for e in result.waiting],
            },
        )
        touch(notice)
    return result


def _announce(
    notice: Notice, admitted: list[NoticeEntry], *, actor: User, now: dt.datetime
) -> Announcement:
    earlier = notice.announcements.count()
    # "2026 年第二批拟入库专家名单公示" is announced as "2026 年第二批专家入库公告".
    title = notice.title.replace(_("拟入库"), "").replace(_("名单公示"), _("入库公告"))
    if _("入库公告") not in title:
        title = _("%(t)s：入库公告") % {"t": notice.title}
    if earlier:
        title += _("（补充公告之%(n)d）") % {"n": earlier}
    body = _(
        "根据《广东省质量发展智库管理办法》第七条第（五）项，%(t)s已于 %(e)s 期满。"
        "经公示无异议（或异议经核实不成立），质促会批准以下 %(n)d 位专家入库，现予公告。"
    ) % {"t": notice.title, "e": notice.ends_on.isoformat(), "n": len(admitted)}
    announcement = Announcement.objects.create(
        notice=notice,
        title=title,
        body=body,
        published_on=timezone.localdate(now),
        published_at=now,
        published_by=actor,
    )
    NoticeEntry.objects.filter(pk__in=[e.pk for e in admitted]).update(announcement=announcement)
    log_action(
        "recruitment.announcement.published",
        actor=actor,
        obj=announcement,
        data={"notice": notice.pk, "experts": [f"{e.name}（{e.pool_number}）" for e in admitted]},
    )
    return announcement


@dataclass(frozen=True)
class AnnouncementLine:
    """One person an announcement lists without a notice entry (an exit, say), as published."""

    name: str
    pool_number: str
    organisation: str
    date: dt.date
    note: str = ""


@transaction.atomic
def announcement_publish(
    *,
    actor: User,
    kind: str,
    title: str,
    body: str,
    lines: Iterable[AnnouncementLine],
    now: dt.datetime | None = None,
) -> Announcement:
    """Publish an announcement (公告) on the portal listing ``lines`` (frozen as given).

    The one announcement list of the portal serves other apps too: the exits app announces the
    experts leaving the pool (art. 9(3)) here, having checked its own rules first.
    """
    STAFF.require(actor)
    now = now or timezone.now()
    listed = list(lines)
    if kind not in Announcement.Kind.values or kind == Announcement.Kind.ADMISSION:
        raise RecruitmentError(_("入库公告随公示期满后的批准入库发布，不能单独发布。"))
    if not listed:
        raise RecruitmentError(_("公告名单是空的：请至少选择一位专家。"))
    if not title.strip() or not body.strip():
        raise RecruitmentError(_("请填写公告的标题和正文。"))
    announcement = Announcement.objects.create(
        kind=kind,
        title=title.strip()[:120],
        body=body.strip(),
        lines=[
            {
                "name": line.name,
                "pool_number": line.pool_number,
                "organisation": line.organisation,
                "date": line.date.isoformat(),
                "note": line.note,
            }
            for line in listed
        ],
        published_on=timezone.localdate(now),
        published_at=now,
        published_by=actor,
    )
    log_action(
        "recruitment.announcement.published",
        actor=actor,
        obj=announcement,
        data={
            "kind": kind,
            "experts": [f"{line.name}（{line.pool_number}）" for line in listed],
        },
    )
    return announcement


@transaction.atomic
def notice_admit(*, actor: User, notice: Notice, now: dt.datetime | None = None) -> AdmissionResult:
    """Admit, after the notice, every listed applicant with no open or upheld objection."""
    REVIEWER.require(actor)
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    phase = rules.notice_phase(published_on=notice.published_on, ends_on=notice.ends_on, now=now)
    if phase != rules.ENDED:
        raise RecruitmentError(
            _("公示期至 %(d)s 24:00（北京时间）结束，期满后方可批准入库。")
            % {"d": notice.ends_on.isoformat()}
        )
    if notice.status == Notice.Status.PUBLISHED:
        record_end(notice, actor=actor, now=now)
    result = settle(notice, notice.entries.all(), actor=actor, now=now)
    if notice.admitted_at is None:
        notice.admitted_at = now
        notice.save(update_fields=["admitted_at", "updated_at"])
    return result


def certificate_send(*, certificate_id: int) -> str:
    """Make the certificate's PDF (once) and e-mail it to the admitted expert."""
    certificate = Certificate.objects.select_related(
        "expert", "entry__application__user", "entry__notice"
    ).get(pk=certificate_id)
    stored = documents.certificate_file(certificate)
    application = certificate.entry.application
    to = application.email or application.user.email
    documents.email_documents(
        "recruitment/email/admitted.txt",
        to=to,
        files=[stored],
        application=application,
        entry=certificate.entry,
        certificate=certificate,
    )
    return certificate.number


def certificate_for_staff(*, actor: User, certificate: Certificate) -> StoredFile:
    """Return a certificate's PDF to staff holding the review right; the download is recorded."""
    REVIEWER.require(actor)
    stored = documents.certificate_file(certificate)
    with transaction.atomic():
        log_action(
            "recruitment.certificate.downloaded",
            actor=actor,
            obj=certificate.expert,
            data={"certificate": certificate.number},
        )
    return stored


def certificate_for_expert(*, actor: User, certificate_id: int) -> StoredFile | None:
    """Return the expert's own certificate (None for anyone else's)."""
    found = (
        Certificate.objects.select_related("expert", "entry__application")
        .filter(pk=certificate_id, entry__application__user=actor)
        .first()
    )
    return documents.certificate_file(found) if found is not None else None

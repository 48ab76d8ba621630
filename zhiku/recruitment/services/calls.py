"""Calls for experts (征集通知, art. 7(1)): written, then published by staff holding the review right."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import diff, log_action
from zhiku.core.permissions import REVIEWER
from zhiku.core.transitions import transition_record
from zhiku.experts.models import ExpertiseField
from zhiku.recruitment import rules
from zhiku.recruitment.models import ART6_PROOFS, ART7_DOCUMENTS, Application, Call, CallChange
from zhiku.recruitment.services._common import RecruitmentError

CALL_FIELDS = ("title", "body", "fields_note", "opens_on", "closes_on", "contact")


def _snapshot(call: Call) -> dict[str, Any]:
    out: dict[str, Any] = {f: getattr(call, f) for f in CALL_FIELDS}
    out["required_documents"] = list(call.required_documents)
    if call.pk is not None:
        out["fields_sought"] = sorted(call.fields_sought.values_list("code", flat=True))
    return out


def _check(call: Call) -> None:
    if not call.title.strip() or not call.body.strip():
        raise RecruitmentError(_("请填写征集通知的标题和正文。"))
    if call.opens_on > call.closes_on:
        raise RecruitmentError(_("截止日期不能早于开始日期。"))


@transaction.atomic
def call_save(
    *,
    actor: User,
    data: Mapping[str, Any],
    proofs: Iterable[str] = (),
    fields_sought: Iterable[ExpertiseField] = (),
    call: Call | None = None,
) -> Call:
    """Create a call, or change one still in draft. Art. 7(2)'s documents are always required;
    ``proofs`` adds the art. 6(1) proofs the call asks for."""
    REVIEWER.require(actor)
    if call is not None:
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.status != Call.Status.DRAFT:
            raise RecruitmentError(_("征集通知已发布，不能再修改。"))
        before = _snapshot(call)
    else:
        call = Call(created_by=actor)
        before = {}
    for name in CALL_FIELDS:
        if name in data:
            setattr(call, name, data[name])
    unknown = set(proofs) - set(ART6_PROOFS)
    if unknown:
        raise RecruitmentError(_("未知的材料类型。"))
    call.required_documents = [*ART7_DOCUMENTS, *(p for p in ART6_PROOFS if p in set(proofs))]
    _check(call)
    call.save()
    call.fields_sought.set(list(fields_sought))
    log_action(
        "recruitment.call.created" if not before else "recruitment.call.updated",
        actor=actor,
        obj=call,
        changes=diff(before, _snapshot(call)),
    )
    return call


@transaction.atomic
def call_publish(*, actor: User, call: Call, now: dt.datetime | None = None) -> Call:
    """Publish a draft call on the public portal; it cannot be changed afterwards."""
    REVIEWER.require(actor)
    now = now or timezone.now()
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status != Call.Status.DRAFT:
        raise RecruitmentError(_("该征集通知已发布。"))
    _check(call)
    if call.closes_on < timezone.localdate(now):
        raise RecruitmentError(
            _("截止日期（%(d)s）已过，请修改截止日期后再发布。") % {"d": call.closes_on.isoformat()}
        )
    transition_record(
        CallChange,
        action="recruitment.call.published",
        subject=call,
        actor=actor,
        from_value=call.status,
        to_value=Call.Status.PUBLISHED,
        at=now,
        call=call,
    )
    call.status = Call.Status.PUBLISHED
    call.published_by = actor
    call.published_at = now
    call.save(update_fields=["status", "published_by", "published_at", "updated_at"])
    return call


def calls_close_due(now: dt.datetime | None = None) -> list[Call]:
    """Record in the trail that each published call past its close date has closed (the deadline
    step). The call's phase never depends on this: it closes at 24:00 of its date by itself."""
    now = now or timezone.now()
    closed = []
    due = Call.objects.filter(
        status=Call.Status.PUBLISHED,
        closed_at__isnull=True,
        closes_on__lt=timezone.localdate(now),
    ).order_by("closes_on", "pk")
    for call in due:
        with transaction.atomic():
            call = Call.objects.select_for_update().get(pk=call.pk)
            if call.closed_at is not None or now < rules.call_deadline(call.closes_on):
                continue
            call.closed_at = now
            call.save(update_fields=["closed_at", "updated_at"])
            log_action(
                "recruitment.call.closed",
                obj=call,
                data={
                    "closes_on": call.closes_on.isoformat(),
                    "submitted_applications": call.applications.exclude(
                        status=Application.Status.DRAFT
                    ).count(),
                },
            )
        closed.append(call)
    return closed

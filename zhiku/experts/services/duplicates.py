"""Checking numbers against the pool without making the check an oracle (art. 20).

The registry must refuse a second record of one person, so it answers, in effect, whether a
number is already in the pool. Each answer is therefore counted and recorded:

- every save by hand that checks a new identity number, mobile or e-mail address is one
  lookup; an account makes at most ``HAND_LOOKUPS_PER_HOUR`` of them in any hour;
- every match (by hand or in an import) is an audit entry ``experts.duplicate.found`` on the
  expert whose number it is; after ``HITS_PER_DAY`` matches in 24 hours an account's checks by
  hand are refused and an import lists no further matching rows one by one;
- only staff holding the reveal right learn whose number it is.

Lookups made outside a web request (the demo seed, a command run on the server) are not
counted: whoever runs those can read the database already.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiku.accounts.models import User
from zhiku.core.audit import log_action
from zhiku.core.bulk import bulk_insert
from zhiku.core.context import request_context
from zhiku.core.permissions import REVEALER
from zhiku.experts import crypto, protected
from zhiku.experts.models import DuplicateLookup, Expert
from zhiku.experts.services._common import ExpertError
from zhiku.experts.spreadsheets.workbooks import CellError

if TYPE_CHECKING:
    from zhiku.experts.spreadsheets.rows import Row

HAND_LOOKUPS_PER_HOUR = 20
HITS_PER_DAY = 30
LOOKUP_CHUNK = 500  # numbers looked up in one query

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    """``keys`` in lists of LOOKUP_CHUNK, one IN (...) query each (the keys listed once)."""
    listed = list(keys)
    for start in range(0, len(listed), LOOKUP_CHUNK):
        yield listed[start : start + LOOKUP_CHUNK]


KIND_LABELS = {
    "id_number": gettext_lazy("证件号码"),
    "mobile": gettext_lazy("手机号码"),
    "email": gettext_lazy("电子邮箱"),
}


@dataclass(frozen=True)
class Wanted:
    """The numbers a save would store, normalised: lookup hashes, the e-mail, their masks."""

    id_hash: str = ""
    id_masked: str = ""
    mobile_hash: str = ""
    mobile_masked: str = ""
    email: str = ""
    # The same numbers hashed with every lookup-hash key (newest first): a holder whose hash
    # is still under an older key is found too while the keys rotate.
    id_hashes: tuple[str, ...] = ()
    mobile_hashes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.id_hash or self.mobile_hash or self.email)


def _label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def holder_message(kind: str, holder: Expert, *, named: bool) -> str:
    """Say that a number is taken; name the holder only to staff who may reveal numbers."""
    if named:
        return _("该%(what)s已登记在专家 %(who)s 名下，同一人不能重复录入。") % {
            "what": _label(kind),
            "who": holder,
        }
    return _(
        "该%(what)s已登记在专家库中另一位专家名下，同一人不能重复录入。"
        "如需知道是哪位专家，请联系持有“查看受保护的个人信息”权限的同事。"
    ) % {"what": _label(kind)}


def _in_request() -> bool:
    return bool(request_context.get().request_id)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def hits_since(actor: User, since: datetime) -> int:
    return DuplicateLookup.objects.filter(actor=actor, hit=True, at__gte=since).count()


def _require_budget(actor: User, now: datetime) -> None:
    hand = DuplicateLookup.objects.filter(
        actor=actor, source=DuplicateLookup.Source.HAND, at__gte=now - HOUR
    ).order_by("at")
    if hand.count() >= HAND_LOOKUPS_PER_HOUR:
        oldest = hand.values_list("at", flat=True)[0]
        raise ExpertError(
            _(
                "为防止试探他人的证件号码，每个账户每小时最多进行 %(n)d 次查重"
                "（录入专家，或修改证件号码、手机号码、电子邮箱）。您已达上限，请于 %(t)s 后再试；"
                "批量录入请使用批量导入。"
            )
            % {"n": HAND_LOOKUPS_PER_HOUR, "t": _local(oldest + HOUR)},
            field="id_number",
        )
    hits = DuplicateLookup.objects.filter(actor=actor, hit=True, at__gte=now - DAY).order_by("at")
    if hits.count() >= HITS_PER_DAY:
        oldest = hits.values_list("at", flat=True)[0]
        raise ExpertError(
            _(
                "您在 24 小时内查重命中已登记的号码 %(n)d 次，已达上限。为防止试探他人的证件号码，"
                "请于 %(t)s 后再试，或联系安全管理员。"
            )
            % {"n": HITS_PER_DAY, "t": _local(oldest + DAY)},
            field="id_number",
        )


def _one(value: str) -> tuple[str, ...]:
    return (value,) if value else ()


def holders(wanted: Wanted, *, exclude_pk: int | None) -> list[tuple[str, Expert]]:
    """Return (kind, expert) for each wanted value another expert already holds."""
    others = Expert.objects.exclude(pk=exclude_pk) if exclude_pk else Expert.objects.all()
    found: list[tuple[str, Expert]] = []
    for kind, lookup in (
        ("id_number", {"id_number_hash__in": wanted.id_hashes or _one(wanted.id_hash)}),
        ("mobile", {"mobile_hash__in": wanted.mobile_hashes or _one(wanted.mobile_hash)}),
        ("email", {"email": wanted.email}),
    ):
        if next(iter(lookup.values())):
            holder = others.filter(**lookup).order_by("pk").first()
            if holder is not None:
                found.append((kind, holder))
    return found


def _masked(kind: str, wanted: Wanted) -> str:
    return {
        "id_number": wanted.id_masked,
        "mobile": wanted.mobile_masked,
        "email": wanted.email,
    }[kind]


def duplicates_check(*, actor: User, wanted: Wanted, exclude_pk: int | None = None) -> None:
    """Refuse a save by hand whose identity number, mobile or e-mail another expert holds.

    Call it outside the save's transaction: the lookup and each match are recorded (and
    committed) even though the save is then refused.
    """
    if not wanted:
        return
    now = timezone.now()
    counted = _in_request()
    with transaction.atomic():
        if counted:
            # One lookup at a time per account, so that two tabs cannot both pass the limit.
            User.objects.select_for_update().filter(pk=actor.pk).first()
            _require_budget(actor, now)
        found = holders(wanted, exclude_pk=exclude_pk)
        if counted:
            DuplicateLookup.objects.create(
                actor=actor, at=now, source=DuplicateLookup.Source.HAND, hit=bool(found)
            )
            # Only the last day counts: what is older is of no use (the audit trail keeps hits).
            DuplicateLookup.objects.filter(actor=actor, at__lt=now - DAY).delete()
        named = REVEALER.allows(actor)
        for kind, holder in found:
            log_action(
                "experts.duplicate.found",
                actor=actor,
                obj=holder,
                data={
                    "kind": kind,
                    "source": "hand",
                    "value": _masked(kind, wanted),
                    "holder_named": named,
                },
            )
    if found:
        kind, holder = found[0]
        raise ExpertError(holder_message(kind, holder, named=named), field=kind)


def import_hits_record(
    *, actor: User, job_pk: int, hits: list[tuple[int, str, Expert | None, str]]
) -> int:
    """Record the matches an import found: (row, kind, holder or None, masked value) each.

    Returns how many of them may still be listed row by row under the account's daily limit
    (the rest are only counted).
    """
    now = timezone.now()
    allowed = max(HITS_PER_DAY - hits_since(actor, now - DAY), 0)
    if not hits:
        return allowed
    with transaction.atomic():
        bulk_insert(
            DuplicateLookup,
            [
                {
                    "actor_id": actor.pk,
                    "at": now,
                    "source": DuplicateLookup.Source.IMPORT,
                    "hit": True,
                }
                for _hit in hits
            ],
        )
        named = REVEALER.allows(actor)
        for row, kind, holder, value in hits:
            log_action(
                "experts.duplicate.found",
                actor=actor,
                obj=holder,
                data={
                    "kind": kind,
                    "source": "import",
                    "job": job_pk,
                    "row": row,
                    "value": value,
                    "holder_named": named and holder is not None,
                },
            )
    return allowed


# --- an import's rows against each other and the pool ---------------------------------------

_KIND_ORDER = ("id_number", "mobile", "email")


@dataclass
class ImportDuplicates:
    """What an import's duplicate check found: the errors, one per row (both copies of a row
    repeated in the file are marked), and the rows of people already in the pool."""

    errors: list[CellError] = field(default_factory=list)
    # Rows whose identity number an expert of the pool holds: row number -> that expert.
    existing: dict[int, Expert] = field(default_factory=dict)
    # True when those rows are left out (the "skip" choice, within the listing limit).
    skipped: bool = False


def _kinds_text(kinds: list[str]) -> str:
    return "、".join(_label(k) for k in sorted(kinds, key=_KIND_ORDER.index))


def _within_file(rows: list[Row]) -> list[CellError]:
    """One error on each row that repeats a person, a mobile or an e-mail of another row."""
    first_of: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        for kind, key in (
            ("id_number", row.id_hash),
            ("mobile", row.mobile_hash),
            ("email", row.profile["email"].lower()),
        ):
            if key:
                first_of.setdefault((kind, key), []).append(row.number)
    partners: dict[int, dict[int, set[str]]] = {}
    for (kind, _key), numbers in first_of.items():
        if len(numbers) < 2:
            continue
        for number in numbers:
            for other in numbers:
                if other != number:
                    partners.setdefault(number, {}).setdefault(other, set()).add(kind)
    errors: list[CellError] = []
    for number in sorted(partners):
        kinds = sorted({k for ks in partners[number].values() for k in ks}, key=_KIND_ORDER.index)
        errors.append(
            CellError(
                number,
                kinds[0],
                _("与第 %(rows)s 行重复（%(kinds)s相同），同一人只能填写一行。")
                % {
                    "rows": "、".join(str(n) for n in sorted(partners[number])),
                    "kinds": _kinds_text(kinds),
                },
            )
        )
    return errors


def _holders_message(kinds: list[str], holder: Expert, *, named: bool) -> str:
    if len(kinds) == 1:
        return holder_message(kinds[0], holder, named=named)
    what = _kinds_text(kinds)
    if named:
        return _("该行的%(what)s已登记在专家 %(who)s 名下，同一人不能重复录入。") % {
            "what": what,
            "who": holder,
        }
    return _(
        "该行的%(what)s已登记在专家库中另一位专家名下，同一人不能重复录入。"
        "如需知道是哪位专家，请联系持有“查看受保护的个人信息”权限的同事。"
    ) % {"what": what}


def import_duplicates_find(
    rows: list[Row],
    *,
    actor: User | None,
    job_pk: int,
    header_row: int,
    skip_existing: bool = False,
) -> ImportDuplicates:
    """Check an import's valid rows against each other and against the pool.

    A row whose identity number an expert holds is that person again: one match, one message
    (its mobile and e-mail, held by the same expert, are not told again), or, with
    ``skip_existing``, the row is left out and listed. Other matches (a mobile or e-mail held by
    someone else, an e-mail an account uses) stay errors. Every match is recorded for
    ``actor`` (``import_hits_record``); staff without the reveal right get the rows listed up
    to the daily limit of matches and the rest only counted, and then nothing is skipped. The
    holder is named only to staff who hold the reveal right.
    """
    found = ImportDuplicates()
    # Every key's hash of each number: a holder hashed under an older key is found while the
    # lookup-hash keys rotate.
    by_id = {
        h: r
        for r in rows
        if r.id_hash
        for h in crypto.lookup_hashes(r.id_number, purpose=crypto.ID_HASH_PURPOSE)
    }
    for chunk in _chunks(by_id):
        for holder in Expert.objects.filter(id_number_hash__in=chunk):
            found.existing[by_id[holder.id_number_hash].number] = holder
    # (row, kinds, holder or None for an account, masked value, message when no holder)
    hits: list[tuple[int, list[str], Expert | None, str, str]] = [
        (number, ["id_number"], holder, holder.id_number_masked, "")
        for number, holder in found.existing.items()
    ]
    rest = [r for r in rows if r.number not in found.existing] if skip_existing else rows
    by_mobile = {
        h: r
        for r in rest
        if r.mobile_hash
        for h in crypto.lookup_hashes(r.mobile, purpose=crypto.MOBILE_HASH_PURPOSE)
    }
    others: dict[tuple[int, int], list[str]] = {}  # (row, holder pk) -> kinds
    holder_of: dict[int, Expert] = {}
    for chunk in _chunks(by_mobile):
        for holder in Expert.objects.filter(mobile_hash__in=chunk):
            row = by_mobile[holder.mobile_hash]
            holder_of[holder.pk] = holder
            others.setdefault((row.number, holder.pk), []).append("mobile")
    by_email = {r.profile["email"].lower(): r for r in rest if r.profile["email"]}
    masked_mobile = {r.number: protected.mask_mobile(r.mobile) for r in by_mobile.values()}
    for chunk in _chunks(by_email):
        held: set[str] = set()
        for holder in Expert.objects.filter(email__in=chunk):
            held.add(holder.email)
            holder_of[holder.pk] = holder
            others.setdefault((by_email[holder.email].number, holder.pk), []).append("email")
        taken = set(
            User.objects.annotate(u=Lower("username"))
            .filter(u__in=chunk)
            .values_list("u", flat=True)
        ) | set(
            User.objects.annotate(e=Lower("email")).filter(e__in=chunk).values_list("e", flat=True)
        )
        for email in sorted(taken - held):
            hits.append(
                (
                    by_email[email].number,
                    ["email"],
                    None,
                    email,
                    _("该电子邮箱已被现有账户使用，无法为该专家开设账户；请核对或留空。"),
                )
            )
    for (number, pk), kinds in others.items():
        holder = holder_of[pk]
        same = found.existing.get(number)
        if same is not None and same.pk == pk:
            continue  # the person of the row: told once, by the identity number
        value = masked_mobile[number] if kinds[0] == "mobile" else holder.email
        hits.append((number, kinds, holder, value, ""))
    hits.sort(key=lambda h: (h[0], _KIND_ORDER.index(h[1][0])))

    named = actor is not None and REVEALER.allows(actor)
    listed = len(hits)
    if actor is not None:
        allowed = import_hits_record(
            actor=actor,
            job_pk=job_pk,
            hits=[(number, kinds[0], who, value) for number, kinds, who, value, _m in hits],
        )
        # Staff who may reveal numbers learn nothing here they could not look up: all listed.
        listed = len(hits) if named else allowed
    found.skipped = skip_existing and bool(found.existing) and listed >= len(hits)
    for number, kinds, holder_or_none, _value, message in hits[:listed]:
        if found.skipped and number in found.existing and kinds == ["id_number"]:
            continue
        if holder_or_none is not None:
            message = _holders_message(kinds, holder_or_none, named=named)
        found.errors.append(CellError(number, kinds[0], message))
    if len(hits) > listed:
        # The header's row: the unlisted rows must not be named one by one.
        message = _(
            "另有 %(n)d 行的证件号码、手机号码或电子邮箱已登记在专家库中或已被账户使用；"
            "您在 24 小时内查重命中已达 %(limit)d 次上限，为防止试探他人的号码，"
            "这些行不逐行列出。请核对名单是否已经导入过。"
        ) % {"n": len(hits) - listed, "limit": HITS_PER_DAY}
        if skip_existing:
            message += _(
                "已在库中的人员因此无法逐一跳过：请把名单分成几个文件分批导入，"
                "或请持有“查看受保护的个人信息”权限的同事导入。"
            )
        found.errors.append(CellError(header_row, "id_number", message))
    in_file = _within_file(
        [r for r in rows if r.number not in found.existing] if found.skipped else rows
    )
    found.errors.extend(in_file)
    found.errors.sort(key=lambda e: (e.row, _KIND_ORDER.index(e.column)))
    return found

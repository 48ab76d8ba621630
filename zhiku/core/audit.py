"""The one way to write to the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.core.context import request_context
from zhiku.core.masking import mask_value
from zhiku.core.models import GENESIS_HASH, AuditEntry, AuditHead, AuditSubject


def _stored_ip(ip: str | None) -> str | None:
    """Return ``ip`` as the database will give it back, or the hash would not match on reading."""
    if ip is None:
        return None
    try:
        prepared = AuditEntry._meta.get_field("ip").get_prep_value(ip)
    except Exception:
        return None
    return str(prepared) if prepared else None


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], *, protected: Iterable[str] = ()
) -> dict[str, list[Any]]:
    """Return {field: [before, after]} for the fields that changed, protected values masked."""
    protected_set = set(protected)
    out: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in protected_set:
            old, new = mask_value(old), mask_value(new)
        out[key] = [_jsonable(old), _jsonable(new)]
    return out


def log_action(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    changes: Mapping[str, list[Any]] | None = None,
    data: Mapping[str, Any] | None = None,
    actor_label: str = "",
    subjects: Iterable[tuple[str, Any]] = (),
) -> AuditEntry:
    """Append one entry, chained to the previous one, inside the caller's transaction.

    The client address and the request id come from the request context the middleware set
    (empty in commands and background tasks). ``subjects`` are further records the entry is
    about, as (model label, pk) pairs (each expert of an export): kept in an indexed table
    beside the entry, their number under ``subjects`` in its data.
    """
    about = [(str(label), str(pk)) for label, pk in subjects]
    if about:
        data = {**(data or {}), "subjects": len(about)}
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    context = request_context.get()
    with transaction.atomic():
        head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor,
            actor_label=actor_label or (str(actor) if actor is not None else ""),
            ip=_stored_ip(context.ip),
            request_id=context.request_id,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj)[:200] if obj is not None else "",
            changes=_jsonable(dict(changes or {})),
            data=_jsonable(dict(data or {})),
            prev_hash=head.hash,
        )
        entry.hash = entry.compute_hash()
        entry.save()
        AuditHead.objects.filter(pk=1).update(seq=entry.seq, hash=entry.hash)
        AuditSubject.objects.bulk_create(
            (AuditSubject(entry=entry, object_type=t, object_id=i) for t, i in about),
            batch_size=2000,
        )
    return entry


def entries_about(
    label: str, pk: Any, *, actions: Iterable[str] | None = None, actor: Any = None
) -> models.QuerySet[AuditEntry]:
    """The entries (of ``actions``, or all) whose object, or one of whose subjects, is this
    record, and those written by ``actor`` if given; newest first. Indexed lookups (object;
    subjects; actor), then the entries by id."""
    direct = AuditEntry.objects.filter(object_type=label, object_id=str(pk))
    listed = AuditSubject.objects.filter(object_type=label, object_id=str(pk))
    if actions is not None:
        codes = list(actions)
        direct = direct.filter(action__in=codes)
        listed = listed.filter(entry__action__in=codes)
    ids = set(direct.values_list("pk", flat=True)) | set(listed.values_list("entry_id", flat=True))
    if actor is not None:
        ids |= set(AuditEntry.objects.filter(actor=actor).values_list("pk", flat=True))
    return AuditEntry.objects.filter(pk__in=ids).select_related("actor").order_by("-seq")


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the audit trail from its first entry to its head."""

    ok: bool
    count: int
    head_hash: str
    problem: str = ""
    entry_id: int | None = None
    seq: int | None = None


def _broken(
    count: int, head: str, problem: str, entry: AuditEntry | None = None, seq: int | None = None
) -> ChainReport:
    return ChainReport(
        ok=False,
        count=count,
        head_hash=head,
        problem=problem,
        entry_id=entry.pk if entry is not None else None,
        seq=entry.seq if entry is not None else seq,
    )


def verify_chain(*, expect_head: str = "") -> ChainReport:
    """Recompute the chain; report the first entry altered, removed before, or inserted.

    ``expect_head`` is a head hash printed earlier and kept outside the database: it must still
    be in the chain, or entries after it were removed or the chain was recomputed.
    """
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    expect_found = not expect_head
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return _broken(
                count,
                prev_hash,
                _("序号应为 %(want)d，实为 %(got)d：其前的条目被删除或插入")
                % {"want": expected_seq, "got": entry.seq},
                entry,
            )
        if entry.prev_hash != prev_hash:
            return _broken(
                count, prev_hash, _("前一条哈希与链不符：其前的条目被修改、删除或在此插入"), entry
            )
        if entry.compute_hash() != entry.hash:
            return _broken(count, prev_hash, _("内容与其哈希不符：该条目被修改"), entry)
        prev_hash, expected_seq, count = entry.hash, expected_seq + 1, count + 1
        if entry.hash == expect_head:
            expect_found = True
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    if head_seq > count:
        return _broken(
            count,
            prev_hash,
            _("审计头记录到序号 %(head)d，但链只到 %(count)d：序号 %(next)d 起的条目被删除")
            % {"head": head_seq, "count": count, "next": count + 1},
            seq=count + 1,
        )
    if head_seq < count:
        first_extra = AuditEntry.objects.get(seq=head_seq + 1)
        return _broken(
            count,
            prev_hash,
            _("审计头只记录到序号 %(head)d：此后的条目是插入的") % {"head": head_seq},
            first_extra,
        )
    if head_hash != prev_hash:
        last = AuditEntry.objects.filter(seq=count).first()
        return _broken(count, prev_hash, _("审计头的哈希与最后一条不符：链尾被改动"), last)
    if not expect_found:
        return _broken(
            count,
            prev_hash,
            _("预期的链头 %(head)s 不在链中：其后的条目被删除，或整条链被重新计算")
            % {"head": expect_head},
        )
    return ChainReport(ok=True, count=count, head_hash=prev_hash)

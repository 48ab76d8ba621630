"""Staff edits of the table of ways people write coded values (导入值对照).

Each written form stands for one value of one column; the import reads the table once per job
and the template's notes sheet lists it. Adding and removing a form are audited.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.core.audit import log_action
from zhiku.core.permissions import STAFF
from zhiku.experts.models import ExpertiseField, Industry, ValueAlias
from zhiku.experts.services._common import ExpertError
from zhiku.experts.spreadsheets import rows, values

MAX_WRITTEN = 64


def _canonical(column: str, meaning: str, lookups: rows.Lookups) -> tuple[str, str]:
    """Return (stored value, label) of what staff typed as the meaning: a label, a code, or for a
    field or an industry its name; raise ExpertError saying what may be typed."""
    if column in (ValueAlias.Column.FIELDS, ValueAlias.Column.INDUSTRIES):
        catalogue = lookups.fields if column == ValueAlias.Column.FIELDS else lookups.industries
        try:
            pk, _by_name = catalogue.resolve(meaning, not_found=_("“%(v)s”不在目录中。"))
        except ValueError as exc:
            raise ExpertError(str(exc)) from None
        model = ExpertiseField if column == ValueAlias.Column.FIELDS else Industry
        return model.objects.get(pk=pk).code, catalogue.labels[pk]
    vocabulary = lookups.vocabularies[column]
    code = vocabulary.exact.get(meaning) or vocabulary.exact.get(values.key(meaning))
    if code is None:
        raise ExpertError(
            _("“%(v)s”不是“%(c)s”的可选值；请填写其中之一：%(list)s。")
            % {
                "v": meaning,
                "c": ValueAlias.Column(column).label,
                "list": "、".join(vocabulary.labels.values()),
            }
        )
    return code, vocabulary.labels[code]


@transaction.atomic
def value_alias_create(*, actor: User, column: str, written: str, meaning: str) -> ValueAlias:
    """Add a written form of a column's value: ``meaning`` is the value as the template shows it
    (正高级, 广州市, 06.03 电梯) or its code."""
    STAFF.require(actor)
    if column not in ValueAlias.Column.values:
        raise ExpertError(_("请选择列。"))
    written = " ".join(written.split())
    if not written:
        raise ExpertError(_("请填写名单中的写法。"))
    if len(written) > MAX_WRITTEN:
        raise ExpertError(_("写法最多 %(n)d 个字符。") % {"n": MAX_WRITTEN})
    lookups = rows.Lookups.load(timezone.localdate())
    code, label = _canonical(column, meaning.strip(), lookups)
    written_key = values.key(written)
    if column in lookups.vocabularies:
        taken = written_key in lookups.vocabularies[column].exact
    else:
        catalogue = lookups.fields if column == ValueAlias.Column.FIELDS else lookups.industries
        taken = written_key in catalogue.keyed or written_key in catalogue.names
    if taken:
        raise ExpertError(
            _("“%(w)s”本身就是“%(c)s”可以填写的值，无需对照。")
            % {"w": written, "c": ValueAlias.Column(column).label}
        )
    existing = ValueAlias.objects.filter(column=column, written_key=written_key).first()
    if existing is not None:
        raise ExpertError(
            _("“%(c)s”中的“%(w)s”已对照为“%(v)s”；如需改变，请先删除该条。")
            % {
                "c": ValueAlias.Column(column).label,
                "w": existing.written,
                "v": _canonical(column, existing.canonical, lookups)[1],
            }
        )
    alias = ValueAlias.objects.create(
        column=column,
        written=written,
        written_key=written_key,
        canonical=code,
        created_by=actor,
        created_at=timezone.now(),
    )
    log_action(
        "experts.value_alias.created",
        actor=actor,
        obj=alias,
        data={"column": str(ValueAlias.Column(column).label), "written": written, "value": label},
    )
    return alias


@transaction.atomic
def value_alias_delete(*, actor: User, alias: ValueAlias) -> None:
    """Remove a written form: rosters that use it are refused again, with the usual message."""
    STAFF.require(actor)
    alias = ValueAlias.objects.select_for_update().get(pk=alias.pk)
    try:
        _code, label = _canonical(
            alias.column, alias.canonical, rows.Lookups.load(timezone.localdate())
        )
    except ExpertError:  # a value retired from its list since: say the code
        label = alias.canonical
    log_action(
        "experts.value_alias.deleted",
        actor=actor,
        obj=alias,
        data={
            "column": str(ValueAlias.Column(alias.column).label),
            "written": alias.written,
            "value": label,
        },
    )
    alias.delete()

"""Checking the rows of an uploaded roster with the registry's own rules (issue 5).

Every cell is checked with what the registry uses for a profile entered by hand: the identity
rules of ``zhiku.experts.identity`` (GB 11643 check character, birth date), the mobile rule,
the model fields' lengths and e-mail validator, the closed lists and the active catalogues.
Duplicates are looked for within the file and in the pool. Nothing here writes.

Imported by ``zhiku.experts.services.imports`` (which the services package loads first).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from zhiku.accounts.models import User
from zhiku.experts import crypto, identity
from zhiku.experts.choices import SpecialCategory, TitleLevel
from zhiku.experts.models import Expert, ExpertiseField, Industry
from zhiku.experts.services._common import ID_HASH_PURPOSE, MOBILE_HASH_PURPOSE
from zhiku.experts.spreadsheets.workbooks import COLUMNS, OPTION_LISTS, CellError, is_blank

LOOKUP_CHUNK = 500


@dataclass
class Lookups:
    """Everything a row is checked against, computed once per file."""

    choices: dict[str, dict[str, str]]
    fields: dict[str, int]
    industries: dict[str, int]
    specials: dict[str, str]
    today: date

    @classmethod
    def load(cls, today: date) -> Lookups:
        choices: dict[str, dict[str, str]] = {}
        for name, options in OPTION_LISTS.items():
            m: dict[str, str] = {}
            for value, label in options:
                m[label] = value
                m[value.lower()] = value
            choices[name] = m
        fields: dict[str, int] = {}
        for f in ExpertiseField.objects.filter(is_active=True):
            fields[f.code] = f.pk
            fields[f"{f.code} {f.name}"] = f.pk
        industries: dict[str, int] = {}
        for i in Industry.objects.filter(is_active=True):
            industries[i.code] = i.pk
            industries[f"{i.code} {i.name}"] = i.pk
        specials = {str(label): str(value) for value, label in SpecialCategory.choices}
        return cls(choices, fields, industries, specials, today)


@dataclass
class Row:
    """One valid row, normalised, with its protected numbers still in clear (never stored so)."""

    number: int
    profile: dict[str, Any]
    id_number: str
    id_hash: str
    mobile: str
    mobile_hash: str
    primary_field: int
    other_fields: list[int] = field(default_factory=list)
    industries: list[int] = field(default_factory=list)


_SPLIT = re.compile(r"[、,，;；\s]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
# The model's own field rules (lengths, e-mail format, choices) check each plain value.
_MODEL_FIELDS = {f.name: f for f in Expert._meta.concrete_fields}
_VALIDATED = {"email"}  # the other text fields have no validator beyond their length


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _model_clean(key: str, value: str) -> str:
    """Check ``value`` against the model field's length and validators (e-mail format)."""
    model_field = _MODEL_FIELDS[key]
    limit = model_field.max_length
    if limit is not None and len(value) > limit:
        raise ValueError(
            _("最多 %(limit)d 个字符（现有 %(n)d 个）。") % {"limit": limit, "n": len(value)}
        )
    if value and key in _VALIDATED:
        try:
            model_field.run_validators(value)
        except ValidationError as exc:
            raise ValueError("".join(exc.messages)) from None
    return value


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("应为日期，如 1970-05-17。"))


def _number_text(value: Any, what: str) -> str:
    """Return a number typed into a text column; a float has lost its last digits already."""
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(_("%(w)s被存成了小数，请把该列设为文本格式后重新填写。") % {"w": what})
    if isinstance(value, float) and abs(value) >= 1e15:
        raise ValueError(
            _("%(w)s被 Excel 存成了数字，末几位已丢失；请把该列设为文本格式后重新填写。")
            % {"w": what}
        )
    return _text(value)


def _choice(lookups: Lookups, name: str, value: Any) -> str:
    text = _text(value)
    code = lookups.choices[name].get(text) or lookups.choices[name].get(text.lower())
    if code is None:
        raise ValueError(_("“%(v)s”不是可选值，请从下拉列表选择。") % {"v": text})
    return code


def _yes_no(lookups: Lookups, value: Any) -> bool:
    text = _text(value)
    if not text:
        return False
    if text.upper() in {"Y", "YES", "TRUE", "1", "√", "✓"}:
        return True
    if text.upper() in {"N", "NO", "FALSE", "0", "×"}:
        return False
    return _choice(lookups, "yes_no", text) == "1"


def check_row(
    number: int, values: tuple[Any, ...], lookups: Lookups
) -> tuple[Row | None, list[CellError]]:
    """Return the row normalised, or the errors of its cells (each in Chinese)."""
    raw = dict(zip((c.key for c in COLUMNS), values, strict=True))
    errors: list[CellError] = []
    profile: dict[str, Any] = {}

    def attempt(key: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except ValueError as exc:
            errors.append(CellError(number, key, str(exc)))
            return None

    for c in COLUMNS:
        if c.required and is_blank(raw[c.key]):
            errors.append(CellError(number, c.key, _("必填，不能为空。")))
    for key in ("name", "address", "organisation", "position", "title", "senior_certificates"):
        profile[key] = attempt(key, _model_clean, key, _text(raw[key]))
    if not is_blank(raw["email"]):
        profile["email"] = attempt("email", _model_clean, "email", _text(raw["email"]))
    else:
        profile["email"] = ""
    for key in ("gender", "id_type", "org_type", "region"):
        if not is_blank(raw[key]):
            profile[key] = attempt(key, _choice, lookups, key, raw[key])
    for key, default in (("title_level", TitleLevel.NONE), ("education", ""), ("degree", "")):
        profile[key] = (
            attempt(key, _choice, lookups, key, raw[key])
            if not is_blank(raw[key])
            else str(default)
        )
    for key in ("senior_manager", "ethics_declared", "health_declared"):
        profile[key] = attempt(key, _yes_no, lookups, raw[key])
    birth = None
    if not is_blank(raw["birth_date"]):
        birth = attempt("birth_date", _date, raw["birth_date"])
        if birth is not None and not date(1900, 1, 1) <= birth < lookups.today:
            errors.append(CellError(number, "birth_date", _("出生日期不在合理范围内。")))
            birth = None
        profile["birth_date"] = birth
    specials: list[str] = []
    for part in _SPLIT.split(_text(raw["special_categories"])):
        if part:
            if part in lookups.specials:
                specials.append(lookups.specials[part])
            else:
                errors.append(
                    CellError(
                        number, "special_categories", _("“%(v)s”不是特殊类别。") % {"v": part}
                    )
                )
    profile["special_categories"] = sorted(set(specials))
    retirement = None
    if not is_blank(raw["statutory_retirement_age"]):
        text = _text(raw["statutory_retirement_age"])
        if text.isdigit() and 40 <= int(text) <= 80:
            retirement = int(text)
        else:
            errors.append(
                CellError(number, "statutory_retirement_age", _("应为 40–80 之间的整数。"))
            )
    profile["statutory_retirement_age"] = retirement

    id_number = id_hash = ""
    id_type = profile.get("id_type")
    if id_type and not is_blank(raw["id_number"]):
        try:
            text = _number_text(raw["id_number"], _("证件号码"))
            id_number = identity.validate(id_type, text, birth_date=birth)
            id_hash = crypto.lookup_hash(id_number, purpose=ID_HASH_PURPOSE)
        except (ValueError, identity.InvalidIdNumber) as exc:
            errors.append(CellError(number, "id_number", str(exc)))
    mobile = mobile_hash = ""
    if not is_blank(raw["mobile"]):
        try:
            mobile = identity.normalize_mobile(_number_text(raw["mobile"], _("手机号码")))
            mobile_hash = crypto.lookup_hash(mobile, purpose=MOBILE_HASH_PURPOSE)
        except (ValueError, identity.InvalidMobile) as exc:
            errors.append(CellError(number, "mobile", str(exc)))

    primary = 0
    if not is_blank(raw["primary_field"]):
        text = _text(raw["primary_field"])
        primary = lookups.fields.get(text) or lookups.fields.get(text.split(" ")[0], 0)
        if not primary:
            errors.append(
                CellError(number, "primary_field", _("“%(v)s”不在专业领域目录中。") % {"v": text})
            )
    others: list[int] = []
    for part in _SPLIT.split(_text(raw["other_fields"])):
        if part:
            pk = lookups.fields.get(part)
            if pk is None:
                errors.append(
                    CellError(
                        number, "other_fields", _("“%(v)s”不在专业领域目录中。") % {"v": part}
                    )
                )
            elif pk != primary and pk not in others:
                others.append(pk)
    industries: list[int] = []
    for part in _SPLIT.split(_text(raw["industries"])):
        if part:
            pk = lookups.industries.get(part.upper())
            if pk is None:
                errors.append(
                    CellError(
                        number, "industries", _("“%(v)s”不是行业门类代码（A–T）。") % {"v": part}
                    )
                )
            elif pk not in industries:
                industries.append(pk)
    if errors:
        return None, errors
    return (
        Row(number, profile, id_number, id_hash, mobile, mobile_hash, primary, others, industries),
        [],
    )


def chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), LOOKUP_CHUNK):
        yield items[i : i + LOOKUP_CHUNK]


def check_duplicates(rows: list[Row]) -> list[CellError]:
    """Return the rows that repeat a person, a mobile or an e-mail of the file or of the pool."""
    errors: list[CellError] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        keys = [("id_number", row.id_hash), ("mobile", row.mobile_hash)]
        if row.profile["email"]:
            keys.append(("email", row.profile["email"].lower()))
        for column, key in keys:
            if not key:
                continue
            first = seen.setdefault((column, key), row.number)
            if first != row.number:
                errors.append(
                    CellError(
                        row.number,
                        column,
                        _("与第 %(n)d 行重复。") % {"n": first},
                    )
                )
    by_id = {r.id_hash: r.number for r in rows}
    for chunk in chunks(list(by_id)):
        # Naming the holder would tie a number to a person for staff without the reveal right.
        for digest in Expert.objects.filter(id_number_hash__in=chunk).values_list(
            "id_number_hash", flat=True
        ):
            errors.append(
                CellError(
                    by_id[digest],
                    "id_number",
                    _("该证件号码已登记在专家库中，同一人不能重复录入。"),
                )
            )
    by_mobile = {r.mobile_hash: r.number for r in rows if r.mobile_hash}
    for chunk in chunks(list(by_mobile)):
        for digest in Expert.objects.filter(mobile_hash__in=chunk).values_list(
            "mobile_hash", flat=True
        ):
            errors.append(
                CellError(by_mobile[digest], "mobile", _("该手机号码已登记在另一位专家名下。"))
            )
    by_email = {r.profile["email"].lower(): r.number for r in rows if r.profile["email"]}
    for chunk in chunks(list(by_email)):
        taken = set(
            User.objects.annotate(u=Lower("username"))
            .filter(u__in=chunk)
            .values_list("u", flat=True)
        ) | set(
            User.objects.annotate(e=Lower("email")).filter(e__in=chunk).values_list("e", flat=True)
        )
        for email in sorted(taken):
            errors.append(
                CellError(
                    by_email[email],
                    "email",
                    _("该电子邮箱已被现有账户使用，无法为该专家开设账户；请核对或留空。"),
                )
            )
    return errors

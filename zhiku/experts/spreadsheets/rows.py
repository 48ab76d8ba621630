"""Checking the rows of an uploaded roster with the registry's own rules.

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
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhiku.experts import crypto, identity, protected, rules
from zhiku.experts.choices import SpecialCategory, TitleLevel
from zhiku.experts.models import Expert, ExpertiseField, Industry, ValueAlias
from zhiku.experts.spreadsheets import values
from zhiku.experts.spreadsheets.workbooks import COLUMNS, OPTION_LISTS, CellError, is_blank


@dataclass
class Lookups:
    """Everything a row is checked against, computed once per file (the alias table too)."""

    vocabularies: dict[str, values.Vocabulary]
    fields: values.Catalogue
    industries: values.Catalogue
    today: date
    # (written, stored value) pairs of the ValueAlias table, by its column: the notes sheet's.
    aliases: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def load(cls, today: date) -> Lookups:
        aliases: dict[str, list[tuple[str, str]]] = {}
        for column, written, canonical in ValueAlias.objects.values_list(
            "column", "written", "canonical"
        ):
            aliases.setdefault(column, []).append((written, canonical))
        vocabularies = {
            name: values.Vocabulary.of(options, aliases.get(name, ()), values.AMBIGUOUS.get(name))
            for name, options in OPTION_LISTS.items()
        }
        vocabularies["special_categories"] = values.Vocabulary.of(
            [(str(v), str(label)) for v, label in SpecialCategory.choices],
            aliases.get("special_categories", ()),
        )
        fields = values.Catalogue.of(
            ExpertiseField.objects.filter(is_active=True).values_list("pk", "code", "name"),
            aliases.get("fields", ()),
        )
        industries = values.Catalogue.of(
            Industry.objects.filter(is_active=True).values_list("pk", "code", "name"),
            aliases.get("industries", ()),
        )
        return cls(vocabularies, fields, industries, today, aliases)

    def accepted_forms(self) -> dict[str, str]:
        """Return the notes sheet's text of the forms each column accepts, by column key."""
        return values.accepted_forms(self.vocabularies, self.aliases)


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
    employment: list[rules.WorkPeriod] = field(default_factory=list)
    # What was changed to reach the stored form, and what looks wrong but was imported.
    notices: list[values.Notice] = field(default_factory=list)


_SPLIT = re.compile(r"[、,，;；\s]+")
# The model's own field rules (lengths, e-mail format, choices) check each plain value.
_MODEL_FIELDS = {f.name: f for f in Expert._meta.concrete_fields}
_VALIDATED = {"email"}  # the other text fields have no validator beyond their length
_YES = {"Y", "YES", "TRUE", "1", "√", "✓"}
_NO = {"N", "NO", "FALSE", "0", "×"}


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


def _rule(check: Callable[..., None], *args: Any) -> bool:
    """Run a registry rule (``zhiku.experts.rules``) on a cell: True, or ValueError saying why."""
    try:
        check(*args)
    except rules.RuleError as exc:
        raise ValueError(str(exc)) from None
    return True


class _Cells:
    """The errors and notices of one row, as its cells are read."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.errors: list[CellError] = []
        self.notices: list[values.Notice] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(CellError(self.number, key, message))

    def changed(self, key: str, original: Any, stored: Any, message: str = "") -> None:
        self.notices.append(
            values.Notice(self.number, key, values.NORMALISED, str(original), str(stored), message)
        )

    def warn(self, key: str, value: Any, message: str) -> None:
        self.notices.append(
            values.Notice(self.number, key, values.WARNING, str(value), str(value), message)
        )

    def attempt(self, key: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except ValueError as exc:
            self.error(key, str(exc))
            return None

    def coded(self, lookups: Lookups, key: str, name: str, raw: Any) -> str | None:
        """Read a coded cell through its vocabulary; an alias used is a notice."""
        text = _text(raw)
        vocabulary = lookups.vocabularies[name]
        try:
            code, by_alias = vocabulary.resolve(text)
        except ValueError as exc:
            self.error(key, str(exc))
            return None
        if by_alias:
            self.changed(key, text, vocabulary.labels[code])
        return code

    def yes_no(self, lookups: Lookups, key: str, raw: Any) -> bool | None:
        text = _text(raw)
        if not text:
            return False
        if text.upper() in _YES:
            return True
        if text.upper() in _NO:
            return False
        code = self.coded(lookups, key, "yes_no", text)
        return None if code is None else code == "1"


def _id_type_and_number(
    cells: _Cells, lookups: Lookups, raw: dict[str, Any]
) -> tuple[str | None, str]:
    """Read 证件类型 and 证件号码 as far as they can be read before the birth date is known:
    a 15-digit resident number made 18, a blank type filled from a valid 18-digit number."""
    id_type = None
    if not is_blank(raw["id_type"]):
        id_type = cells.coded(lookups, "id_type", "id_type", raw["id_type"])
    if is_blank(raw["id_number"]):
        cells.error("id_number", _("必填，不能为空。"))
        if is_blank(raw["id_type"]):
            cells.error("id_type", _("必填，不能为空。"))
        return id_type, ""
    try:
        text = values.id_number_text(raw["id_number"])
    except ValueError as exc:
        cells.error("id_number", str(exc))
        return id_type, ""
    number = identity.normalize(text)
    if number != text:
        cells.changed(
            "id_number",
            protected.mask_id_number(identity.ascii_form(text)),
            protected.mask_id_number(number),
            _("已统一为半角，去掉空格、连字符和不可见字符。"),
        )
    if is_blank(raw["id_type"]) or id_type == identity.IdType.RESIDENT:
        upgraded = identity.upgrade_fifteen(number)
        if upgraded:
            cells.changed(
                "id_number",
                protected.mask_id_number(number),
                protected.mask_id_number(upgraded),
                _(
                    "15 位旧身份证号码已按 GB 11643 转为 18 位（在第 6 位后加“19”并计算校验位），"
                    "请与本人核实。"
                ),
            )
            number = upgraded
    if is_blank(raw["id_type"]):
        kind = identity.eighteen_digit_type(number)
        if kind is None:
            cells.error(
                "id_type",
                _("必填，不能为空（只有校验位正确的 18 位证件号码才能自动判断证件类型）。"),
            )
        else:
            id_type = kind
            label = str(identity.IdType(kind).label)
            cells.changed(
                "id_type",
                "",
                label,
                _("证件类型为空：证件号码为 18 位且校验位正确，已填为“%(t)s”。") % {"t": label},
            )
    return id_type, number


def check_row(
    number: int, values_in: tuple[Any, ...], lookups: Lookups
) -> tuple[Row | None, list[CellError]]:
    """Return the row normalised (its notices on it), or the errors of its cells (in Chinese)."""
    raw = dict(zip((c.key for c in COLUMNS), values_in, strict=True))
    cells = _Cells(number)
    profile: dict[str, Any] = {}

    for c in COLUMNS:
        # A blank birth date or document type may be read from the identity number.
        if c.required and c.key not in _FILLABLE and is_blank(raw[c.key]):
            cells.error(c.key, _("必填，不能为空。"))
    for key in ("address", "position", "title", "senior_certificates"):
        profile[key] = cells.attempt(key, _model_clean, key, _text(raw[key]))
    for key, form in (("name", values.name_form), ("organisation", values.organisation_form)):
        typed = _text(raw[key])
        stored = form(typed)
        if stored != typed:
            cells.changed(key, typed, stored)
        profile[key] = cells.attempt(key, _model_clean, key, stored)
    if not is_blank(raw["email"]):
        typed = _text(raw["email"])
        email = identity.normalize_email(typed)
        if email != typed:
            cells.changed("email", typed, email)
        profile["email"] = cells.attempt("email", _model_clean, "email", email) or ""
    else:
        profile["email"] = ""
    if profile.get("senior_certificates"):
        cells.attempt(
            "senior_certificates", _rule, rules.check_certificates, profile["senior_certificates"]
        )
    for key in ("gender", "org_type", "region"):
        if not is_blank(raw[key]):
            profile[key] = cells.coded(lookups, key, key, raw[key])
    for key, default in (("title_level", TitleLevel.NONE), ("education", ""), ("degree", "")):
        profile[key] = (
            cells.coded(lookups, key, key, raw[key]) if not is_blank(raw[key]) else str(default)
        )
    if is_blank(raw["title_level"]) and profile.get("title"):
        hint = values.title_level_hint(profile["title"])
        if hint:
            cells.warn(
                "title_level",
                "",
                _(
                    "职称“%(t)s”通常属%(l)s，但职称级别为空，已按“无”导入；"
                    "请核对后在专家详情页修改。"
                )
                % {"t": profile["title"], "l": hint},
            )
    for key in ("senior_manager", "ethics_declared", "health_declared"):
        profile[key] = cells.yes_no(lookups, key, raw[key])

    id_type, id_number = _id_type_and_number(cells, lookups, raw)
    profile["id_type"] = id_type
    # Only a birth date that is not a date already needs the number's (validate checks that
    # one against the number anyway): the common row computes no check character here.
    from_number = (
        identity.birth_date_in(id_number)
        if not isinstance(raw["birth_date"], date)
        and id_type in _DATED_TYPES
        and identity.eighteen_digit_type(id_number) == id_type
        else None
    )
    birth = None
    try:
        read = values.birth_date(raw["birth_date"], from_number)
    except ValueError as exc:
        cells.error("birth_date", str(exc))
    else:
        if read.notice:
            cells.changed("birth_date", _text(raw["birth_date"]), read.value, read.notice)
        birth = read.value
        if birth is not None and not cells.attempt(
            "birth_date", _rule, lambda: rules.check_birth_date(birth, today=lookups.today)
        ):
            birth = None
    profile["birth_date"] = birth

    specials: list[str] = []
    for part in _SPLIT.split(_text(raw["special_categories"])):
        if part:
            try:
                code, by_alias = lookups.vocabularies["special_categories"].resolve(part)
            except ValueError:
                cells.error("special_categories", _("“%(v)s”不是特殊类别。") % {"v": part})
                continue
            if by_alias:
                cells.changed(
                    "special_categories",
                    part,
                    lookups.vocabularies["special_categories"].labels[code],
                )
            specials.append(code)
    profile["special_categories"] = sorted(set(specials))
    retirement = None
    if not is_blank(raw["statutory_retirement_age"]):
        text = identity.ascii_form(_text(raw["statutory_retirement_age"]))
        if not text.isdigit():
            low, high = rules.RETIREMENT_AGES
            cells.error(
                "statutory_retirement_age",
                _("应为 %(lo)d–%(hi)d 之间的整数（周岁）。") % {"lo": low, "hi": high},
            )
        elif cells.attempt(
            "statutory_retirement_age", _rule, rules.check_retirement_age, int(text)
        ):
            retirement = int(text)
    profile["statutory_retirement_age"] = retirement

    id_hash = ""
    if id_type and id_number:
        try:
            id_number = identity.validate(id_type, id_number, birth_date=birth)
            id_hash = crypto.lookup_hash(id_number, purpose=crypto.ID_HASH_PURPOSE)
        except identity.InvalidIdNumber as exc:
            message = str(exc)
            if id_type in _DATED_TYPES and "校验位" in message:
                message = values.check_digit_refusal(id_number, message)
            cells.error("id_number", message)
            id_number = ""
        if id_number and profile.get("gender"):
            try:
                rules.check_gender(id_type, id_number, profile["gender"])
            except rules.RuleError as exc:
                cells.warn(
                    "gender",
                    _text(raw["gender"]),
                    str(exc).removesuffix("请核对。") + _("已按所填性别导入，请核对。"),
                )
    else:
        id_number = ""
    mobile = mobile_hash = ""
    if not is_blank(raw["mobile"]):
        try:
            typed = _number_text(raw["mobile"], _("手机号码"))
            try:
                mobile = identity.normalize_mobile(typed)
            except identity.InvalidMobile as exc:
                raise ValueError(values.mobile_refusal(typed) or str(exc)) from None
            if mobile != typed:
                cells.changed(
                    "mobile",
                    protected.mask_mobile(identity.ascii_form(typed)),
                    protected.mask_mobile(mobile),
                    _("已统一为半角，去掉空格、连字符和 +86 等前缀。"),
                )
            mobile_hash = crypto.lookup_hash(mobile, purpose=crypto.MOBILE_HASH_PURPOSE)
        except ValueError as exc:
            cells.error("mobile", str(exc))
            mobile = ""

    primary = 0
    not_in_fields = _("“%(v)s”不在专业领域目录中。")
    if not is_blank(raw["primary_field"]):
        text = _text(raw["primary_field"])
        try:
            primary, read_by_name = lookups.fields.resolve(text, not_found=not_in_fields)
        except ValueError as exc:
            cells.error("primary_field", str(exc))
        else:
            if read_by_name:
                cells.changed("primary_field", text, lookups.fields.labels[primary])
    others: list[int] = []
    for part in _SPLIT.split(_text(raw["other_fields"])):
        if part:
            try:
                pk, read_by_name = lookups.fields.resolve(part, not_found=not_in_fields)
            except ValueError as exc:
                cells.error("other_fields", str(exc))
                continue
            if read_by_name:
                cells.changed("other_fields", part, lookups.fields.labels[pk])
            if pk != primary and pk not in others:
                others.append(pk)
    industries: list[int] = []
    typed = _text(raw["industries"])
    coded, by_name = values.industries_by_name(typed, lookups.industries)
    for part in _SPLIT.split(coded):
        if part:
            try:
                pk, _by_name = lookups.industries.resolve(
                    part, not_found=_("“%(v)s”不是行业门类代码（A–T）。")
                )
            except ValueError as exc:
                cells.error("industries", str(exc))
                continue
            if pk not in industries:
                industries.append(pk)
    if by_name and industries:
        cells.changed(
            "industries", typed, "、".join(lookups.industries.labels[pk] for pk in industries)
        )
    employment: list[rules.WorkPeriod] = []
    history = raw.get("employment")
    if not is_blank(history):
        employment, problems = rules.parse_work_history(
            _text(history), birth=birth, today=lookups.today
        )
        if problems:
            cells.error("employment", "；".join(problems))
    if cells.errors:
        return None, cells.errors
    return (
        Row(
            number,
            profile,
            id_number,
            id_hash,
            mobile,
            mobile_hash,
            primary,
            others,
            industries,
            employment,
            cells.notices,
        ),
        [],
    )


_FILLABLE = {"birth_date", "id_type", "id_number"}
# The documents whose 18-character number carries a birth date.
_DATED_TYPES = {
    identity.IdType.RESIDENT,
    identity.IdType.HMT_RESIDENCE,
    identity.IdType.FOREIGN_PERMANENT,
}


def notice_fields(rows: Iterable[Row], *, limit: int) -> dict[str, Any]:
    """Return the ImportJob fields of the rows' notices: the first ``limit`` normalisations and
    the first ``limit`` warnings (so neither crowds the other out), and how many of each."""
    headers = {c.key: c.header for c in COLUMNS}
    listed: dict[str, list[dict[str, Any]]] = {values.NORMALISED: [], values.WARNING: []}
    counts = dict.fromkeys(listed, 0)
    for row in rows:
        for notice in row.notices:
            counts[notice.kind] += 1
            if len(listed[notice.kind]) < limit:
                listed[notice.kind].append(notice.as_json(headers))
    return {
        "notices": listed[values.NORMALISED] + listed[values.WARNING],
        "normalised_count": counts[values.NORMALISED],
        "warning_count": counts[values.WARNING],
    }

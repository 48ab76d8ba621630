"""Reading the values of a roster as office staff type them.

What is unambiguous is brought to its one stored form and recorded as a ``Notice`` (the job page
shows "已自动规范 N 处", row by row); what is probably wrong is warned about without refusing;
what is ambiguous, or was destroyed before the file reached us, is refused with a message that
says what to do. Coded values (正高 → 正高级, 广州 → 广州市, 男性 → 男 …) are read through a
``Vocabulary``: the labels and codes of the closed lists, plus the written forms of the
``ValueAlias`` table that staff extend in the browser, loaded once per job.

Pure functions of their arguments: no database, no clock. The notes sheet of the template is
written from the same tables (``accepted_forms``), so what it promises is what the parser takes.
Kept cheap per cell: precompiled patterns, dictionary look-ups, and the common case (a value
already in its stored form) answered by the first look-up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiku.experts import identity

NORMALISED = "normalised"
WARNING = "warning"

_SPACES = re.compile(r"\s+")
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_HAS_CJK = re.compile(f"[{_CJK}]")


def key(text: str) -> str:
    """Return the form a written value is looked up by: NFKC (full-width as ASCII), no
    whitespace, lower-case; "正 高" and "正高", "ＭＡＬＥ" and "male" are one key."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).lower()


@dataclass(frozen=True)
class Notice:
    """A value the import changed (``NORMALISED``) or found probably wrong (``WARNING``).

    ``original`` and ``stored`` are masked for the protected columns (identity number, mobile):
    a job keeps no number in clear.
    """

    row: int
    column: str  # a Column.key
    kind: str
    original: str
    stored: str
    message: str = ""

    def as_json(self, headers: Mapping[str, str]) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": headers.get(self.column, self.column),
            "kind": self.kind,
            "original": self.original,
            "stored": self.stored,
            "message": self.message,
        }


# --- coded values ---------------------------------------------------------------------------

# Written forms that could mean two values: refused, saying which to write (unless staff map
# the form in the table on purpose, which then wins).
AMBIGUOUS: dict[str, dict[str, Promise]] = {
    "education": {
        "大学": gettext_lazy(
            "“大学”可能是大学本科，也可能是大学专科：请写“大学本科”或“大学专科”。"
        ),
        "研究生": gettext_lazy(
            "“研究生”可能是硕士研究生，也可能是博士研究生：请写“硕士研究生”或“博士研究生”。"
        ),
    },
    "title_level": {
        "高级": gettext_lazy("“高级”可能是正高级，也可能是副高级：请写“正高级”或“副高级”。"),
    },
    "region": {
        "广东": gettext_lazy("请写专家所在的地级市，如“广州市”；省外专家写“外省（区、市）”。"),
        "广东省": gettext_lazy("请写专家所在的地级市，如“广州市”；省外专家写“外省（区、市）”。"),
    },
}


@dataclass
class Vocabulary:
    """The accepted forms of one coded column: labels and codes, then the table's aliases."""

    exact: dict[str, str]  # label, code and their keys -> stored value
    aliases: dict[str, str] = field(default_factory=dict)  # key(written) -> stored value
    ambiguous: dict[str, Promise] = field(default_factory=dict)  # key(written) -> message
    labels: dict[str, str] = field(default_factory=dict)  # stored value -> label

    @classmethod
    def of(
        cls,
        options: Iterable[tuple[str, str]],
        aliases: Iterable[tuple[str, str]] = (),
        ambiguous: Mapping[str, Promise] | None = None,
    ) -> Vocabulary:
        """Build from (stored value, label) pairs and (written, stored value) aliases."""
        exact: dict[str, str] = {}
        labels: dict[str, str] = {}
        for value, label in options:
            labels[value] = label
            for form in (label, value, key(label), key(value)):
                exact[form] = value
        return cls(
            exact,
            {key(w): v for w, v in aliases if v in labels},
            {key(w): m for w, m in (ambiguous or {}).items()},
            labels,
        )

    def resolve(self, text: str) -> tuple[str, bool]:
        """Return (stored value, whether an alias was used), or raise ValueError saying why."""
        hit = self.exact.get(text)
        if hit is not None:
            return hit, False
        k = key(text)
        hit = self.exact.get(k)
        if hit is not None:
            return hit, False
        hit = self.aliases.get(k)
        if hit is not None:
            return hit, True
        if k in self.ambiguous:
            raise ValueError(str(self.ambiguous[k]))
        raise ValueError(_("“%(v)s”不是可选值，请从下拉列表选择。") % {"v": text})


_LEADING_CODE = re.compile(r"(\d{2}(?:\.\d{2})?)\s*[、,，:：\-—]?\s*(.*)")


@dataclass
class Catalogue:
    """The fields of expertise (or industries) a cell may name: by code, by "code name", by a
    unique name, by a code followed by its name ("06.03电梯"), or by an alias of the table."""

    exact: dict[str, int]  # code and "code name" -> pk
    keyed: dict[str, int]  # key(code), key("code name") -> pk
    names: dict[str, int]  # key(unique name) -> pk
    shared_names: dict[str, list[str]]  # key(name held by several) -> their labels
    aliases: dict[str, int]  # key(written) -> pk
    labels: dict[int, str]  # pk -> "code name"
    code_names: dict[str, str]  # code -> name

    @classmethod
    def of(
        cls, entries: Iterable[tuple[int, str, str]], aliases: Iterable[tuple[str, str]] = ()
    ) -> Catalogue:
        """Build from (pk, code, name) entries and (written, code) aliases."""
        exact: dict[str, int] = {}
        keyed: dict[str, int] = {}
        by_name: dict[str, list[tuple[int, str]]] = {}
        labels: dict[int, str] = {}
        code_names: dict[str, str] = {}
        for pk, code, name in entries:
            label = f"{code} {name}"
            labels[pk] = label
            code_names[code] = name
            exact[code] = exact[label] = pk
            keyed[key(code)] = keyed[key(label)] = pk
            by_name.setdefault(key(name), []).append((pk, label))
        names = {k: v[0][0] for k, v in by_name.items() if len(v) == 1}
        shared = {k: [label for _pk, label in v] for k, v in by_name.items() if len(v) > 1}
        by_code = {code: exact[code] for code in code_names}
        alias_pks = {key(w): by_code[c] for w, c in aliases if c in by_code}
        return cls(exact, keyed, names, shared, alias_pks, labels, code_names)

    def resolve(self, text: str, *, not_found: str) -> tuple[int, bool]:
        """Return (pk, whether the cell was read other than as a code), or raise ValueError."""
        hit = self.exact.get(text)
        if hit is not None:
            return hit, False
        k = key(text)
        hit = self.keyed.get(k)
        if hit is not None:
            return hit, True  # written otherwise than the label: "06.03电梯", "c"
        hit = self.names.get(k)
        if hit is None:
            hit = self.aliases.get(k)
        if hit is not None:
            return hit, True
        if k in self.shared_names:
            raise ValueError(
                _("“%(v)s”对应多个专业领域（%(list)s），请写代码。")
                % {"v": text, "list": "、".join(self.shared_names[k])}
            )
        glued = _LEADING_CODE.fullmatch(identity.ascii_form(text).strip())
        if glued and glued.group(1) in self.code_names:
            code, written = glued.groups()
            name = self.code_names[code]
            other = self.names.get(key(written))
            if written and other is not None and other != self.exact[code]:
                raise ValueError(
                    _("代码 %(c)s 是“%(n)s”，而所写名称“%(w)s”是另一项（%(o)s），请核对。")
                    % {"c": code, "n": name, "w": written, "o": self.labels[other]}
                )
            return self.exact[code], True
        raise ValueError(not_found % {"v": text})


def industries_by_name(text: str, catalogue: Catalogue) -> tuple[str, bool]:
    """Return ``text`` with every industry written by its name replaced by its code.

    An industry's name holds the list separator itself ("农、林、牧、渔业"), so names are
    replaced before the cell is split; the longest first, so no name eats part of another.
    """
    if not _HAS_CJK.search(text):
        return text, False
    out = text
    for code, name in sorted(catalogue.code_names.items(), key=lambda cn: -len(cn[1])):
        if name in out:
            out = out.replace(f"{code} {name}", code).replace(f"{code}{name}", code)
            out = out.replace(name, f" {code} ")
    return out, out != text


# --- names and organisations ----------------------------------------------------------------

# What people put between the parts of a name (买买提·艾力): dots of every kind.
_NAME_DOTS = re.compile(
    f"(?<=[{_CJK}])\\s*[•・.．‧∙⋅･·\u00b7\u2027\u30fb\uff65\u2022\u2219\u22c5]\\s*(?=[{_CJK}])"
)
# A full-width space between two parts of two characters or more separates the parts too.
_WIDE_SPACE = re.compile(f"(?<=[{_CJK}]{{2}})\u3000+(?=[{_CJK}]{{2}})")
# Any other space between Chinese characters pads the name ("王　五", "张 三"): dropped.
_CJK_SPACE = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_NAME_ODD = re.compile("[\\s•・.．‧∙⋅･·\u2027\u30fb\uff65\u2022\u2219\u22c5]")


def name_form(text: str) -> str:
    """Return a person's name with one separator (·) between its parts and no padding spaces."""
    if not _NAME_ODD.search(text):
        return text
    out = _NAME_DOTS.sub("·", text)
    out = _WIDE_SPACE.sub("·", out)
    return _CJK_SPACE.sub("", out)


_BRACKETS = str.maketrans({"(": "（", ")": "）", "﹙": "（", "﹚": "）"})


def organisation_form(text: str) -> str:
    """Return a Chinese organisation name with its brackets all full-width （）."""
    if ("(" in text or ")" in text or "﹙" in text or "﹚" in text) and _HAS_CJK.search(text):
        return text.translate(_BRACKETS)
    return text


# --- identity numbers, mobiles, e-mail ------------------------------------------------------

_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")


def id_number_text(value: Any) -> str:
    """Return the identity number a cell holds as text, or refuse one Excel has destroyed."""
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(_("证件号码被存成了小数，请把该列设为文本格式后按证件重新填写。"))
    if isinstance(value, float) and abs(value) >= 1e15:
        raise ValueError(
            _("证件号码被 Excel 存成了数字，末几位已丢失；请把该列设为文本格式后按证件重新填写。")
        )
    if isinstance(value, float):
        value = int(value)
    text = str(value).strip()
    if not text.isdigit() and _SCIENTIFIC.fullmatch(identity.ascii_form(text).replace(" ", "")):
        raise ValueError(
            _(
                "证件号码显示为科学计数法（%(v)s），末几位已丢失：请把该列设为文本格式，"
                "按证件重新填写完整号码。"
            )
            % {"v": text}
        )
    return text


def check_digit_refusal(number: str, message: str) -> str:
    """Return the refusal of a number whose check character is wrong, saying what likely
    happened when its last digits are zeros (Excel keeps fifteen significant digits)."""
    if re.fullmatch(r"\d{15}000", number):
        return _(
            "证件号码末三位为 000 且校验位不符：多半是 Excel 曾把号码存成数字，末几位已丢失。"
            "请把该列设为文本格式，按证件重新填写。"
        )
    return message


# What separates two numbers written in one cell.
_LIST_SEPARATORS = re.compile(r"[/／\\,，;；、|｜\n]+|\s{2,}|或")
_LANDLINE = re.compile(r"(?:0\d{2,3})?[2-9]\d{6,7}(?:(?:转|ext|x|-)\d{1,5})?")


def _is_mobile(text: str) -> bool:
    try:
        identity.normalize_mobile(text)
    except identity.InvalidMobile:
        return False
    return True


def mobile_refusal(text: str) -> str | None:
    """Return why a mobile cell that is no mobile number was refused: two numbers in one cell,
    or a landline; None when it is neither (the generic message then applies)."""
    plain = identity.ascii_form(text).strip()
    pieces = [p for p in _LIST_SEPARATORS.split(plain) if p.strip()]
    if len(pieces) < 2:
        pieces = plain.split()
    if len(pieces) >= 2 and any(_is_mobile(p) for p in pieces):
        return _(
            "一个单元格只能填一个手机号码：请只保留专家本人最常用的一个，其他号码不要填在本列。"
        )
    digits = re.sub(r"^(?:\+86|0086)", "", re.sub(r"[\s\-()（）]", "", plain))
    if _LANDLINE.fullmatch(digits):
        return _("这是固定电话号码：本列只填手机号码，请改填专家的手机号码，或留空。")
    return None


# --- birth dates ----------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%Y.%m", "%Y年%m月", "%Y%m")
_MIDNIGHT = re.compile(r"\s+0?0:00(?::00(?:\.0+)?)?$")
_TWO_DIGIT_YEAR = re.compile(
    r"\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2}|\d{2}[-/.年]\d{1,2}月?"
)
# Excel counts days from 1899-12-30; 1900-01-01 to 2099-12-31 covers every birth date.
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIALS = (1, 73_415)


@dataclass(frozen=True)
class BirthDate:
    value: date | None
    notice: str = ""  # why the stored date is not what the cell shows, if it is not


def birth_date(value: Any, from_number: date | None) -> BirthDate:
    """Read a birth date cell; ``from_number`` is the date a valid identity number carries.

    Raises ValueError (in Chinese, saying what to do) for what cannot be read for certain.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if from_number is None:
            raise ValueError(_("必填，不能为空。"))
        return BirthDate(from_number, _("出生日期为空，已取证件号码中的出生日期。"))
    if isinstance(value, datetime):
        return BirthDate(value.date())
    if isinstance(value, date):
        return BirthDate(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(value, from_number)
    text = identity.ascii_form(str(value)).strip()
    if text.isdigit() and len(text) <= 5:
        return _serial(int(text), from_number)
    notice = ""
    if _MIDNIGHT.search(text):
        text = _MIDNIGHT.sub("", text)
        notice = _("去掉了日期后的时间“00:00:00”。")
    for fmt in _DATE_FORMATS:
        try:
            return BirthDate(datetime.strptime(text, fmt).date(), notice)
        except ValueError:
            continue
    for fmt in _MONTH_FORMATS:
        try:
            month = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return _year_month(month, from_number)
    if _TWO_DIGIT_YEAR.fullmatch(text):
        raise ValueError(
            _(
                "年份只写了两位（%(v)s），无法确定是哪个世纪：请写四位年份的完整日期，如 1968-03-08。"
            )
            % {"v": text}
        )
    raise ValueError(_("应为日期，如 1970-05-17。"))


def _serial(number: float, from_number: date | None) -> BirthDate:
    low, high = _SERIALS
    if not float(number).is_integer() or not low <= number <= high:
        raise ValueError(_("应为日期，如 1970-05-17。"))
    day = _EXCEL_EPOCH + timedelta(days=int(number))
    if from_number is None:
        raise ValueError(
            _(
                "“%(v)d”像是 Excel 的日期序号（即 %(d)s），但没有可核对的身份证件号码："
                "请把单元格设为日期格式，或写成 %(d)s。"
            )
            % {"v": int(number), "d": day.isoformat()}
        )
    if day != from_number:
        raise ValueError(
            _(
                "“%(v)d”是 Excel 的日期序号，即 %(d)s，与证件号码中的出生日期（%(id)s）不一致，"
                "请核对。"
            )
            % {"v": int(number), "d": day.isoformat(), "id": from_number.isoformat()}
        )
    return BirthDate(
        day,
        _("“%(v)d”是 Excel 的日期序号，即 %(d)s，与证件号码一致。")
        % {"v": int(number), "d": day.isoformat()},
    )


def _year_month(month: date, from_number: date | None) -> BirthDate:
    shown = f"{month:%Y-%m}"
    if from_number is None:
        raise ValueError(
            _("出生日期只写了年月（%(m)s）：请写完整日期，如 %(m)s-08。") % {"m": shown}
        )
    if (from_number.year, from_number.month) != (month.year, month.month):
        raise ValueError(
            _("出生日期（%(m)s）与证件号码中的出生日期（%(id)s）不一致，请核对。")
            % {"m": shown, "id": from_number.isoformat()}
        )
    return BirthDate(
        from_number,
        _("出生日期只写了年月（%(m)s），已取证件号码中的出生日期。") % {"m": shown},
    )


# --- titles ---------------------------------------------------------------------------------

# Titles that say their level (the words people write on rosters), looked up when the level is
# left blank: a warning, never a refusal (the level is the expert's to confirm).
# The longer words first: 副教授 ends like 教授, 教授级高级工程师 like 高级工程师.
_LEVEL_HINTS = (
    ("教授级高级工程师", "正高级"),
    ("教授级高工", "正高级"),
    ("正高级工程师", "正高级"),
    ("副教授", "副高级"),
    ("副研究员", "副高级"),
    ("高级工程师", "副高级"),
    ("研究员", "正高级"),
    ("教授", "正高级"),
)
SENIOR_TITLES = tuple(word for word, level in _LEVEL_HINTS if level == "正高级")


def title_level_hint(title: str) -> str:
    """Return the level label ``title`` sounds like ("正高级", "副高级"), or ""."""
    t = _SPACES.sub("", title)
    for suffix, level in _LEVEL_HINTS:
        if t.endswith(suffix):
            return level
    return ""


# --- the notes sheet ------------------------------------------------------------------------

# What the import does by itself to each column, as the notes sheet tells it.
AUTOMATIC: dict[str, Promise] = {
    "name": gettext_lazy("姓名各部分之间的 •、・、.、全角空格统一为“·”；汉字之间的空格去掉。"),
    "birth_date": gettext_lazy(
        "可写 1968-03-08、1968/3/8、1968.3.8、1968年3月8日、19680308。留空或只写年月时，"
        "取 18 位身份证件号码中的出生日期；Excel 日期序号和末尾的“00:00:00”在与证件号码"
        "一致时接受。年份须写四位。"
    ),
    "id_type": gettext_lazy("留空时，若证件号码为 18 位且校验位正确，自动填为对应的证件类型。"),
    "id_number": gettext_lazy(
        "全角数字和字母、空格、连字符、不可见字符自动去掉；15 位旧身份证号码按 GB 11643 "
        "转为 18 位。被 Excel 存成数字或显示为科学计数法的号码末几位已丢失，不能导入。"
    ),
    "mobile": gettext_lazy(
        "全角数字、空格、连字符以及 +86、(+86)、86-、0086 前缀自动去掉。一个单元格只填一个"
        "手机号码；固定电话不能填在本列。"
    ),
    "email": gettext_lazy("全角字符（如 ＠）自动改为半角，字母统一为小写。"),
    "organisation": gettext_lazy("单位名称中的半角括号统一为全角（）。"),
    "title_level": gettext_lazy("留空而职称为教授级高工、研究员、教授等时，导入后会提示核对。"),
    "gender": gettext_lazy("与身份证号码第 17 位不一致时照填导入，并提示核对。"),
}


def accepted_forms(
    vocabularies: Mapping[str, Vocabulary],
    aliases: Mapping[str, Iterable[tuple[str, str]]],
) -> dict[str, str]:
    """Return, by column key, the notes sheet's text of the forms each column accepts: the
    labels, then the table's aliases ("正高 → 正高级"), then what is done automatically."""
    out: dict[str, str] = {}
    by_column = {
        "gender": "gender",
        "id_type": "id_type",
        "org_type": "org_type",
        "title_level": "title_level",
        "education": "education",
        "degree": "degree",
        "region": "region",
        "senior_manager": "yes_no",
        "ethics_declared": "yes_no",
        "health_declared": "yes_no",
        "special_categories": "special_categories",
        "primary_field": "fields",
        "other_fields": "fields",
        "industries": "industries",
    }
    for column, name in by_column.items():
        parts: list[str] = []
        vocabulary = vocabularies.get(name)
        if vocabulary is not None:
            parts.append("、".join(vocabulary.labels.values()))
        written = [
            f"{w} → {vocabulary.labels.get(c, c) if vocabulary else c}"
            for w, c in aliases.get(name, ())
        ]
        if written:
            parts.append(_("也可写：") + "；".join(written))
        if name in AMBIGUOUS:
            parts.append(_("不接受（含义不明）：") + "、".join(AMBIGUOUS[name]))
        out[column] = "\n".join(parts)
    out["primary_field"] = "\n".join(
        [
            _(
                "可写“代码 名称”（如 06.03 电梯）、代码（06.03）、唯一的名称（电梯）或代码紧接名称"
                "（06.03电梯）。"
            ),
            *([out["primary_field"]] if out["primary_field"] else []),
        ]
    )
    out["other_fields"] = out["primary_field"]
    out["industries"] = "\n".join(
        [
            _("可写门类代码（C）或名称（制造业），多项用顿号或逗号隔开。"),
            *([out["industries"]] if out["industries"] else []),
        ]
    )
    yes_no = _("是、否；也可写 Y/N、√/×、1/0。")
    for column in ("senior_manager", "ethics_declared", "health_declared"):
        out[column] = yes_no
    for column, text in AUTOMATIC.items():
        out[column] = "\n".join(p for p in (out.get(column, ""), str(text)) if p)
    return out

"""Identity document numbers: normalising and checking them, one rule per document type.

Mainland resident numbers (GB 11643-1999) carry a birth date and an ISO 7064 MOD 11-2 check
character; so do the residence permits for Hong Kong, Macao and Taiwan residents (prefixes
810000, 820000, 830000) and the 2023 foreign permanent residence card (first digit 9). The
other documents are checked by their format only.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class IdType(models.TextChoices):
    RESIDENT = "resident", gettext_lazy("居民身份证")
    HK_MACAO_PERMIT = "hk_macao_permit", gettext_lazy("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", gettext_lazy("台湾居民来往大陆通行证")
    HMT_RESIDENCE = "hmt_residence", gettext_lazy("港澳台居民居住证")
    FOREIGN_PERMANENT = "foreign_permanent", gettext_lazy("外国人永久居留身份证")
    PASSPORT = "passport", gettext_lazy("护照")


class InvalidIdNumber(ValueError):
    """The number does not fit its document type; the message says why, in Chinese."""


class InvalidMobile(ValueError):
    """The mobile number is malformed; the message says how to write it."""


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_HMT_PREFIXES = {"810000", "820000", "830000"}


# Characters people paste without seeing them: zero-width spaces and joiners, the byte-order
# mark, soft hyphens, word joiners, bidirectional marks.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
# What people put between groups of digits: spaces of every width, hyphens and dashes, dots.
_SEPARATORS = re.compile("[\\s\u3000\\-\u2010-\u2015\u2212\uff0d.·]")


def ascii_form(text: str) -> str:
    """Return ``text`` with full-width letters, digits and signs as ASCII (NFKC), invisible
    characters removed: ``４４０８０３…９２２X`` and ``４４０８０３…９２２ｘ`` become one number."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text or ""))


def normalize(number: str) -> str:
    """Return an identity number in its one stored form: ASCII, no separators, X upper-case.

    Every check and every lookup hash uses this form, in the form, the import and the services
    alike, so the same person cannot enter the pool twice by a different way of typing.
    """
    return _SEPARATORS.sub("", ascii_form(number)).upper()


def normalize_email(address: str) -> str:
    """Return an e-mail address in its one stored form: ASCII where typed full-width, trimmed,
    lower-case (mail servers treat addresses case-insensitively in practice)."""
    return re.sub(r"\s", "", ascii_form(address)).lower()


def check_character(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _birth_date_in(number: str) -> date:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(_("号码第 7–14 位不是有效的出生日期。")) from None


def _check_eighteen(number: str, birth_date: date | None, label: str) -> None:
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise InvalidIdNumber(
            _("%(doc)s号码应为 18 位：前 17 位为数字，最后一位为数字或字母 X。") % {"doc": label}
        )
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber(_("%(doc)s号码的校验位不正确，请逐位核对。") % {"doc": label})
    born = _birth_date_in(number)
    if birth_date is not None and born != birth_date:
        raise InvalidIdNumber(
            _("证件号码中的出生日期（%(id)s）与填写的出生日期（%(form)s）不一致。")
            % {"id": born.isoformat(), "form": birth_date.isoformat()}
        )


def validate(id_type: str, number: str, *, birth_date: date | None = None) -> str:
    """Return the normalised number, or raise InvalidIdNumber saying what is wrong."""
    n = normalize(number)
    if not n:
        raise InvalidIdNumber(_("请填写证件号码。"))
    label = str(IdType(id_type).label) if id_type in IdType.values else ""
    if id_type == IdType.RESIDENT:
        _check_eighteen(n, birth_date, label)
    elif id_type == IdType.HMT_RESIDENCE:
        _check_eighteen(n, birth_date, label)
        if n[:6] not in _HMT_PREFIXES:
            raise InvalidIdNumber(
                _("港澳台居民居住证号码应以 810000（香港）、820000（澳门）或 830000（台湾）开头。")
            )
    elif id_type == IdType.FOREIGN_PERMANENT:
        if re.fullmatch(r"[A-Z]{3}\d{12}", n):
            pass  # the 2004 card: three letters for the nationality, twelve digits
        elif n.startswith("9"):
            _check_eighteen(n, birth_date, label)
        else:
            raise InvalidIdNumber(
                _("外国人永久居留身份证号码应为 15 位（3 位字母加 12 位数字）或以 9 开头的 18 位。")
            )
    elif id_type == IdType.HK_MACAO_PERMIT:
        if not re.fullmatch(r"[HM]\d{8}(\d{2})?", n):
            raise InvalidIdNumber(
                _("港澳居民来往内地通行证号码应为字母 H 或 M 加 8 位（或 10 位）数字。")
            )
    elif id_type == IdType.TAIWAN_PERMIT:
        if not re.fullmatch(r"\d{8}|\d{10}", n):
            raise InvalidIdNumber(_("台湾居民来往大陆通行证号码应为 8 位（或旧版 10 位）数字。"))
    elif id_type == IdType.PASSPORT:
        if not re.fullmatch(r"[A-Z0-9]{5,17}", n):
            raise InvalidIdNumber(_("护照号码应为 5–17 位字母或数字。"))
    else:
        raise InvalidIdNumber(_("请选择证件类型。"))
    return n


def normalize_mobile(number: str) -> str:
    """Return a mainland mobile as 11 digits, any other as +<digits>; raise when malformed.

    Full-width digits and invisible characters are read as what they show; the mainland
    prefixes +86, (+86), 86- and 0086 are dropped.
    """
    n = re.sub(r"[\s\-()\u3000]", "", _SEPARATORS.sub("", ascii_form(number)))
    if n.startswith("+86"):
        n = n[3:]
    elif n.startswith("0086"):
        n = n[4:]
    elif n.startswith("86") and re.fullmatch(r"861[3-9]\d{9}", n):
        n = n[2:]
    if n.startswith("00"):
        n = "+" + n[2:]
    if re.fullmatch(r"1[3-9]\d{9}", n):
        return n
    if re.fullmatch(r"\+[1-9]\d{6,14}", n):
        return n
    raise InvalidMobile(
        _(
            "手机号码应为 11 位中国大陆手机号，或以 + 和国家/地区代码开头的号码（如 +852 91234567）。"
        )
    )


def upgrade_fifteen(number: str) -> str | None:
    """Return a 15-digit resident number (issued before 1999) as its 18-digit form, or None.

    GB 11643-1999: the year's "19" goes after the six-digit area code, and the check character
    is computed over the seventeen digits. None when ``number`` is not 15 digits or its
    (two-digit-year) birth date does not exist.
    """
    if not re.fullmatch(r"\d{15}", number):
        return None
    first17 = number[:6] + "19" + number[6:]
    try:
        _birth_date_in(first17 + "0")
    except InvalidIdNumber:
        return None
    return first17 + check_character(first17)


def eighteen_digit_type(number: str) -> str | None:
    """Return the document type an 18-character number with a valid check character and birth
    date belongs to (resident, Hong Kong/Macao/Taiwan residence permit, foreign permanent
    residence card), or None when it is no such number."""
    if not re.fullmatch(r"\d{17}[\dX]", number) or check_character(number[:17]) != number[17]:
        return None
    try:
        _birth_date_in(number)
    except InvalidIdNumber:
        return None
    if number[:6] in _HMT_PREFIXES:
        return IdType.HMT_RESIDENCE
    if number.startswith("9"):
        return IdType.FOREIGN_PERMANENT
    return IdType.RESIDENT


def birth_date_in(number: str) -> date:
    """Return the birth date of a number ``eighteen_digit_type`` accepted (not checked again)."""
    return _birth_date_in(number)

"""The registry's rules for the values of a profile, written once.

The staff form, the roster import and the services call these same functions, so a value
refused by one is refused by all three, with the same Chinese message. Each rule is a pure
function: the caller passes ``today``; nothing here reads the clock or the database.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiku.experts import eligibility, identity
from zhiku.experts.choices import Gender
from zhiku.experts.identity import IdType

# An expert has worked at least five years at a senior level: younger than 18 or older than
# 100 is a typing error (a birth date in the future gave "-4 周岁 符合").
MIN_AGE = 18
MAX_AGE = 100
# Statutory retirement ages run from 45 (some special posts) to academicians' 70 and more.
RETIREMENT_AGES = (45, 80)
# Labour law: nobody is employed before 16.
WORKING_AGE = 16
# What people type into a text field to say "none": it must not count as holding a certificate.
_NONE_WORDS = {
    "无",
    "没有",
    "暂无",
    "无证书",
    "否",
    "空",
    "未取得",
    "不适用",
    "na",
    "n/a",
    "none",
    "null",
    "nil",
    "no",
    "0",
    "/",
    "-",
    "—",
    "——",
    "--",
    "\\",
    "x",
}
_PUNCTUATION = re.compile(r"[\s。．.，,、;；:：（）()]+")


class RuleError(ValueError):
    """A value a registry rule refuses; ``field`` names the profile field, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_birth_date(birth: date, *, today: date) -> None:
    """Refuse a birth date in the future, or one that makes the person under 18 or over 100."""
    if birth > today:
        raise RuleError(
            "birth_date",
            _("出生日期 %(d)s 晚于今天（%(t)s），请核对。")
            % {"d": birth.isoformat(), "t": today.isoformat()},
        )
    age = eligibility.age_on(birth, today)
    if not MIN_AGE <= age <= MAX_AGE:
        raise RuleError(
            "birth_date",
            _(
                "出生日期 %(d)s 不合理：按此计算今天为 %(age)d 周岁，专家年龄应在 %(lo)d–%(hi)d 周岁之间，请核对。"
            )
            % {"d": birth.isoformat(), "age": age, "lo": MIN_AGE, "hi": MAX_AGE},
        )


def check_retirement_age(value: int | None) -> None:
    """Refuse a statutory retirement age outside 45–80 (0 and 200 were accepted)."""
    low, high = RETIREMENT_AGES
    if value is not None and not low <= value <= high:
        raise RuleError(
            "statutory_retirement_age",
            _("法定退休年龄应为 %(lo)d–%(hi)d 之间的整数（周岁），现为 %(v)d。")
            % {"lo": low, "hi": high, "v": value},
        )


def means_none(text: str) -> bool:
    """Return whether ``text`` only says "none" (无, 暂无, /, N/A …)."""
    core = _PUNCTUATION.sub("", identity.ascii_form(text or "")).lower()
    return bool(text and text.strip()) and (core in _NONE_WORDS or not core)


def check_certificates(text: str) -> None:
    """Refuse "无" and the like: any text here counts as holding a senior-level certificate."""
    if means_none(text):
        raise RuleError(
            "senior_certificates",
            _(
                "“%(v)s”表示没有证书：没有专业技术高级水平证书请留空，否则会被当作持有证书（第六条第（一）项）。"
            )
            % {"v": text.strip()},
        )


# The documents whose 18-character number follows GB 11643: its 17th digit is odd for a man,
# even for a woman.
_GENDERED = {IdType.RESIDENT, IdType.HMT_RESIDENCE, IdType.FOREIGN_PERMANENT}


def gender_in_number(id_type: str, number: str) -> str | None:
    """Return the gender a normalised identity number states, or None when it states none."""
    if id_type not in _GENDERED or not re.fullmatch(r"\d{17}[\dX]", number):
        return None
    return Gender.MALE if int(number[16]) % 2 else Gender.FEMALE


def check_gender(id_type: str, number: str, gender: str) -> None:
    """Refuse a gender that contradicts the identity number (a female number saved as 男)."""
    stated = gender_in_number(id_type, number)
    if stated is None or not gender or stated == gender:
        return
    digit = int(number[16])
    raise RuleError(
        "gender",
        _(
            "证件号码第 17 位是 %(d)d（%(p)s数），表示%(stated)s，与所填性别“%(given)s”不一致，请核对。"
        )
        % {
            "d": digit,
            "p": _("奇") if digit % 2 else _("偶"),
            "stated": Gender(stated).label,
            "given": Gender(gender).label if gender in Gender.values else gender,
        },
    )


def sixteenth_birthday(birth: date) -> date:
    return eligibility.birthday_in(birth, birth.year + WORKING_AGE)


def check_employment(start: date, end: date | None, *, birth: date | None, today: date) -> None:
    """Refuse a period that starts in the future or before the person was 16, or ends badly."""
    if start > today:
        raise RuleError(
            "start",
            _("起始日期 %(d)s 晚于今天，请核对。") % {"d": start.isoformat()},
        )
    if birth is not None and start < sixteenth_birthday(birth):
        raise RuleError(
            "start",
            _("起始日期 %(d)s 早于该专家年满 16 周岁之日（%(b)s），请核对。")
            % {"d": start.isoformat(), "b": sixteenth_birthday(birth).isoformat()},
        )
    if end is not None and end <= start:
        raise RuleError("end", _("截止日期应晚于起始日期。"))
    if end is not None and end > today:
        raise RuleError(
            "end",
            _("截止日期 %(d)s 晚于今天；仍在职请留空（导入时写“至今”）。") % {"d": end.isoformat()},
        )


@dataclass(frozen=True)
class ProfileValues:
    """What the profile rules look at; any of them may be missing (the form checks them apart)."""

    birth_date: date | None = None
    gender: str = ""
    id_type: str = ""
    id_number: str = ""  # normalised and already valid for its type, or empty
    senior_certificates: str = ""
    statutory_retirement_age: int | None = None


def profile_errors(values: ProfileValues, *, today: date) -> list[RuleError]:
    """Return every rule the values break (empty when none): one list for form, import, service."""
    errors: list[RuleError] = []

    def attempt(check: Callable[[], None]) -> None:
        try:
            check()
        except RuleError as exc:
            errors.append(exc)

    birth = values.birth_date
    if birth is not None:
        attempt(lambda: check_birth_date(birth, today=today))
    attempt(lambda: check_retirement_age(values.statutory_retirement_age))
    attempt(lambda: check_certificates(values.senior_certificates))
    if values.id_number and values.id_type:
        attempt(lambda: check_gender(values.id_type, values.id_number, values.gender))
    return errors


# --- the work history typed into one cell or one text box --------------------------------

_PERIOD_SPLIT = re.compile(r"[\n\r;；]+")
_PART_SPLIT = re.compile(r"[,，\t]+")
_UNTIL_NOW = {"至今", "今", "现在", "在职", "至今在职", "now", "present"}
_YES = {"是", "y", "yes", "1", "√", "✓", "true"}
_NO = {"否", "n", "no", "0", "×", "false"}


@dataclass(frozen=True)
class WorkPeriod:
    organisation: str
    start: date
    end: date | None
    in_field: bool


def _month_or_day(text: str, *, end: bool) -> date:
    t = identity.ascii_form(text).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    for fmt in ("%Y-%m", "%Y/%m", "%Y.%m", "%Y年%m月", "%Y%m"):
        try:
            first = datetime.strptime(t, fmt).date()
        except ValueError:
            continue
        if not end:
            return first
        # A month given as the end means the whole of that month was worked.
        return first.replace(day=calendar.monthrange(first.year, first.month)[1])
    raise ValueError(t)


WORK_HISTORY_HELP = gettext_lazy(
    "每段一行（或用分号隔开）：单位，起始年月，截止年月或“至今”，是否从事本行业（是/否，可省略，默认为是）。"
    "例：广东省计量科学研究院，2015-03，至今，是"
)


def parse_work_history(
    text: str, *, birth: date | None, today: date
) -> tuple[list[WorkPeriod], list[str]]:
    """Return the periods written in ``text`` and, for each bad line, a message naming it.

    One period per line (or separated by semicolons): unit, from, to (or 至今), in the field
    (是/否, default 是). Months (2015-03) or days (2015-03-01) are accepted; a month as the end
    means its last day. Each period must pass :func:`check_employment`.
    """
    periods: list[WorkPeriod] = []
    problems: list[str] = []
    lines = [line.strip() for line in _PERIOD_SPLIT.split(text or "") if line.strip()]
    for n, line in enumerate(lines, start=1):
        parts = [p.strip() for p in _PART_SPLIT.split(line)]
        where = _("第 %(n)d 段（%(line)s）") % {"n": n, "line": line}
        if len(parts) not in (3, 4) or not parts[0]:
            problems.append(
                where + _("：应为“单位，起始年月，截止年月或至今，是否从事本行业”，用逗号隔开。")
            )
            continue
        organisation = parts[0]
        if len(organisation) > 128:
            problems.append(where + _("：单位名称最多 128 个字符。"))
            continue
        try:
            start = _month_or_day(parts[1], end=False)
        except ValueError:
            problems.append(where + _("：起始“%(v)s”应为年月，如 2015-03。") % {"v": parts[1]})
            continue
        end: date | None = None
        if parts[2].lower() not in _UNTIL_NOW:
            try:
                end = _month_or_day(parts[2], end=True)
            except ValueError:
                problems.append(
                    where + _("：截止“%(v)s”应为年月（如 2020-06）或“至今”。") % {"v": parts[2]}
                )
                continue
        in_field = True
        if len(parts) == 4 and parts[3]:
            flag = parts[3].lower()
            if flag in _YES:
                in_field = True
            elif flag in _NO:
                in_field = False
            else:
                problems.append(
                    where + _("：是否从事本行业应填“是”或“否”，现为“%(v)s”。") % {"v": parts[3]}
                )
                continue
        try:
            check_employment(start, end, birth=birth, today=today)
        except RuleError as exc:
            problems.append(where + "：" + str(exc))
            continue
        periods.append(WorkPeriod(organisation, start, end, in_field))
    return periods, problems


def failed_conditions(result: eligibility.Result) -> list[eligibility.Condition]:
    """Return the art. 6 conditions a check found failed (those an admission must answer for)."""
    return [c for c in result.conditions if c.outcome == eligibility.Outcome.FAIL]

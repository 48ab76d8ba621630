"""The art. 6 admission conditions, as a pure function of a profile, a date and the rules.

Nothing here reads the clock, the database or the settings: the caller passes the day and the
rules in force (``rules_on(day)`` builds them from the parameters).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiku.experts.choices import SENIOR_TITLE_LEVELS, SpecialCategory, TitleLevel


class Outcome(models.TextChoices):
    PASS = "pass", gettext_lazy("符合")
    FAIL = "fail", gettext_lazy("不符合")
    REVIEW = "review", gettext_lazy("待审核人判断")


@dataclass(frozen=True)
class EligibilityRules:
    """The parameters art. 6 leaves to the association; defaults are the regulation's."""

    age_limit: int = 65
    min_years_in_field: int = 5
    exception_categories: frozenset[str] = frozenset(SpecialCategory.values)


@dataclass(frozen=True)
class Period:
    """Work from ``start`` up to ``end`` (``None``: still there); ``in_field``: in the field."""

    start: date
    end: date | None
    in_field: bool = True


@dataclass(frozen=True)
class Profile:
    """What the check needs to know about a person, nothing more."""

    birth_date: date
    title_level: str = TitleLevel.NONE
    senior_manager: bool = False
    senior_certificates: str = ""
    special_categories: frozenset[str] = frozenset()
    statutory_retirement_age: int | None = None
    employment: tuple[Period, ...] = ()
    ethics_declared: bool = False
    health_declared: bool = False
    age_override_reason: str = ""


@dataclass(frozen=True)
class Condition:
    code: str
    title: str
    outcome: str
    reason: str
    machine_checked: bool
    overridden: bool = False

    def get_outcome_display(self) -> str:
        return str(Outcome(self.outcome).label)


@dataclass(frozen=True)
class Result:
    checked_on: date
    conditions: tuple[Condition, ...]
    outcome: str
    machine_outcome: str
    age: int
    months_in_field: int = 0

    def condition(self, code: str) -> Condition:
        return next(c for c in self.conditions if c.code == code)

    def get_outcome_display(self) -> str:
        return str(Outcome(self.outcome).label)

    def get_machine_outcome_display(self) -> str:
        return str(Outcome(self.machine_outcome).label)


def birthday_in(birth: date, year: int) -> date:
    """Return the birthday in ``year``; one born on 29 February has it on 1 March in a common year."""
    try:
        return birth.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def age_on(birth: date, on: date) -> int:
    """Return the age in full years (周岁) on ``on``: it grows on the birthday itself."""
    years = on.year - birth.year
    return years if on >= birthday_in(birth, on.year) else years - 1


def _add_months(day: date, months: int) -> date:
    """Return ``day`` moved ``months`` ahead; a missing day of month becomes the 1st after."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    try:
        return date(year, month + 1, day.day)
    except ValueError:
        next_index = index + 1
        return date(next_index // 12, next_index % 12 + 1, 1)


def _whole_months_and_days(start: date, end: date) -> tuple[int, int]:
    """Return the whole calendar months from ``start`` to ``end`` and the days left over."""
    if end <= start:
        return 0, 0
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and _add_months(start, months) > end:
        months -= 1
    return months, (end - _add_months(start, months)).days


def months_in_field(periods: Iterable[Period], on: date) -> int:
    """Return the whole months worked in the field up to ``on`` (art. 6(1) "累计").

    Overlapping periods count once. Each merged stretch counts its whole calendar months;
    the days left over from all stretches are added up and counted as one month per 30.
    """
    spans = sorted((p.start, min(p.end or on, on)) for p in periods if p.in_field and p.start < on)
    merged: list[list[date]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    months = days = 0
    for start, end in merged:
        m, d = _whole_months_and_days(start, end)
        months += m
        days += d
    return months + days // 30


def _years_months(months: int) -> str:
    years, rest = divmod(months, 12)
    if rest == 0:
        return _("%(y)d 年") % {"y": years}
    return _("%(y)d 年 %(m)d 个月") % {"y": years, "m": rest}


def _condition_1(profile: Profile, on: date, rules: EligibilityRules) -> tuple[Condition, int]:
    title = _("（一）高层管理者或副高级以上职称或高级水平证书，且本行业累计工作年限")
    grounds = []
    if profile.senior_manager:
        grounds.append(_("企业高层管理者"))
    if profile.title_level in SENIOR_TITLE_LEVELS:
        grounds.append(_("%(level)s职称") % {"level": TitleLevel(profile.title_level).label})
    if profile.senior_certificates.strip():
        grounds.append(_("专业技术高级水平证书"))
    months = months_in_field(profile.employment, on)
    needed = rules.min_years_in_field * 12
    enough = months >= needed
    worked = _years_months(months)
    if not grounds:
        reason = _(
            "既非企业高层管理者，也无副高级以上职称或专业技术高级水平证书；本行业累计工作 %(worked)s。"
        ) % {"worked": worked}
        return Condition("1", title, Outcome.FAIL, reason, True), months
    if not enough:
        reason = _("%(grounds)s，但本行业累计工作 %(worked)s，不足 %(n)d 年。") % {
            "grounds": "、".join(grounds),
            "worked": worked,
            "n": rules.min_years_in_field,
        }
        return Condition("1", title, Outcome.FAIL, reason, True), months
    reason = _("%(grounds)s，本行业累计工作 %(worked)s（要求 %(n)d 年以上）。") % {
        "grounds": "、".join(grounds),
        "worked": worked,
        "n": rules.min_years_in_field,
    }
    return Condition("1", title, Outcome.PASS, reason, True), months


def age_limit_of(profile: Profile, rules: EligibilityRules) -> int:
    """Return the age the expert may serve to: the limit, or a higher statutory retirement age
    for the exception categories (the exception only ever raises the limit)."""
    categories = profile.special_categories & rules.exception_categories
    retirement = profile.statutory_retirement_age
    if categories and retirement is not None and retirement > rules.age_limit:
        return retirement
    return rules.age_limit


def over_limit_from(birth: date, limit: int) -> date:
    """Return the first day on which one born on ``birth`` is older than ``limit`` full years."""
    return birthday_in(birth, birth.year + limit + 1)


def over_age_since(profile: Profile, rules: EligibilityRules) -> date:
    """Return the first day on which the expert is older than ``age_limit_of`` allows."""
    return over_limit_from(profile.birth_date, age_limit_of(profile, rules))


def _condition_5(profile: Profile, age: int, rules: EligibilityRules) -> Condition:
    title = _("（五）年龄")
    limit = rules.age_limit
    declared = profile.special_categories
    categories = declared & rules.exception_categories
    labels = "、".join(str(SpecialCategory(c).label) for c in sorted(categories))
    retirement = profile.statutory_retirement_age
    if age_limit_of(profile, rules) > limit:
        assert retirement is not None
        if age <= retirement:
            reason = _(
                "%(age)d 周岁。属%(cat)s，可任职至法定退休年龄 %(r)d 周岁（高于一般上限 %(n)d 周岁）。"
            ) % {"age": age, "cat": labels, "r": retirement, "n": limit}
            return Condition("5", title, Outcome.PASS, reason, True)
        reason = _(
            "%(age)d 周岁，已超过其法定退休年龄 %(r)d 周岁（属%(cat)s，可任职至法定退休年龄）。"
        ) % {"age": age, "cat": labels, "r": retirement}
        return _over_age(profile, reason, title)
    if age <= limit:
        reason = _("%(age)d 周岁，未超过一般上限 %(n)d 周岁。") % {"age": age, "n": limit}
        return Condition("5", title, Outcome.PASS, reason, True)
    if categories and retirement is None:
        reason = _(
            "%(age)d 周岁，超过一般上限 %(n)d 周岁；属%(cat)s，可任职至法定退休年龄，"
            "但未填写法定退休年龄，请核实。"
        ) % {"age": age, "n": limit, "cat": labels}
        return Condition("5", title, Outcome.REVIEW, reason, True)
    reason = _("%(age)d 周岁，超过一般上限 %(n)d 周岁。") % {"age": age, "n": limit}
    # Say why an exception the person might expect does not raise their limit.
    if categories:
        assert retirement is not None
        reason += _(
            "虽属%(cat)s，但其法定退休年龄 %(r)d 周岁不高于 %(n)d 周岁，例外不提高年龄上限。"
        ) % {"cat": labels, "r": retirement, "n": limit}
    excluded = declared - rules.exception_categories
    if excluded:
        names = "、".join(str(SpecialCategory(c).label) for c in sorted(excluded))
        reason += _("%(cat)s现不在政策参数“年龄例外类别”之内，不适用例外。") % {"cat": names}
    return _over_age(profile, reason, title)


def _over_age(profile: Profile, reason: str, title: str) -> Condition:
    """Fail the age condition, unless a reviewer recorded why the expert is admitted anyway."""
    if profile.age_override_reason.strip():
        reason += _("审核人已认定不受此限：%(why)s") % {"why": profile.age_override_reason.strip()}
        return Condition("5", title, Outcome.PASS, reason, True, overridden=True)
    return Condition("5", title, Outcome.FAIL, reason, True)


def _declared(code: str, title: str, declared: bool, what: str) -> Condition:
    if declared:
        return Condition(
            code, title, Outcome.PASS, _("本人已声明%(what)s。") % {"what": what}, False
        )
    reason = _("本人尚未声明%(what)s，请审核人核实。") % {"what": what}
    return Condition(code, title, Outcome.REVIEW, reason, False)


def _combine(outcomes: Iterable[str]) -> str:
    seen = set(outcomes)
    if Outcome.FAIL in seen:
        return Outcome.FAIL
    if Outcome.REVIEW in seen:
        return Outcome.REVIEW
    return Outcome.PASS


def check(profile: Profile, *, on: date, rules: EligibilityRules) -> Result:
    """Check ``profile`` against art. 6 on ``on`` under ``rules``; one result per condition."""
    age = age_on(profile.birth_date, on)
    first, months = _condition_1(profile, on, rules)
    conditions = (
        first,
        _declared(
            "2",
            _("（二）职业道德与行业操守，无违纪违法等不良记录"),
            profile.ethics_declared,
            _("具备良好的职业道德和行业操守、没有违纪违法等不良记录"),
        ),
        Condition(
            "3",
            _("（三）熟悉行业发展，在所在领域有一定权威性"),
            Outcome.REVIEW,
            _("须由审核人根据申请材料判断。"),
            False,
        ),
        _declared(
            "4",
            _("（四）身体健康，自愿参与"),
            profile.health_declared,
            _("身体健康、自愿参与研究、评审、咨询等工作"),
        ),
        _condition_5(profile, age, rules),
    )
    return Result(
        checked_on=on,
        conditions=conditions,
        outcome=_combine(c.outcome for c in conditions),
        machine_outcome=_combine(c.outcome for c in conditions if c.machine_checked),
        age=age,
        months_in_field=months,
    )


def rules_on(day: date) -> EligibilityRules:
    """Return the rules in force on ``day`` from the parameters."""
    from zhiku.core.parameters import parameter_snapshot

    snapshot = parameter_snapshot(day)
    return EligibilityRules(
        age_limit=snapshot["age_limit"],
        min_years_in_field=snapshot["min_years_in_field"],
        exception_categories=frozenset(snapshot["age_exception_categories"]),
    )

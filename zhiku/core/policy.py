"""The numbers the regulation fixes, kept in one place with the date each value takes effect.

A value is in force from its effective date until the next change of the same setting; with no
change in force, the default written here applies. A decision asks for the values in force on
its own date, so a later change never alters how an earlier case was decided.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from zhiku.core.models import PolicyChange

# Art. 6(5): who may serve beyond the age limit, until their statutory retirement age.
AGE_EXCEPTION_CATEGORIES: dict[str, Any] = {
    "academician": _("院士"),
    "doctoral_supervisor": _("博士生导师"),
    "state_council_allowance": _("享受国务院特殊津贴"),
    "provincial_allowance": _("享受省政府特殊津贴"),
}


class PolicyValueError(ValueError):
    """A value that a policy setting cannot take, with a message a person can act on."""


@dataclass(frozen=True)
class PolicySetting:
    key: str
    label: Any
    help: Any
    default: Any
    kind: str  # "int" or "categories"
    minimum: int = 0
    maximum: int = 0

    def parse(self, raw: Any) -> Any:
        """Return the stored (JSON) form of ``raw``, or raise PolicyValueError in Chinese."""
        if self.kind == "int":
            text = str(raw).strip() if raw is not None else ""
            try:
                number = int(text)
            except ValueError:
                raise PolicyValueError(_("“%(label)s”须为整数。") % {"label": self.label}) from None
            if not self.minimum <= number <= self.maximum:
                raise PolicyValueError(
                    _("“%(label)s”须在 %(min)d 至 %(max)d 之间。")
                    % {"label": self.label, "min": self.minimum, "max": self.maximum}
                )
            return number
        codes = [raw] if isinstance(raw, str) else list(raw or [])
        unknown = [c for c in codes if c not in AGE_EXCEPTION_CATEGORIES]
        if unknown:
            raise PolicyValueError(_("未知的例外类别：%(c)s。") % {"c": "、".join(unknown)})
        return sorted(set(codes))

    def load(self, stored: Any) -> Any:
        """Return the Python value of a stored (JSON) value."""
        if self.kind == "int":
            return int(stored)
        return frozenset(stored)

    def display(self, value: Any) -> str:
        if self.kind == "int":
            return str(value)
        if not value:
            return str(_("（无）"))
        return "、".join(str(label) for c, label in AGE_EXCEPTION_CATEGORIES.items() if c in value)


SETTINGS: dict[str, PolicySetting] = {
    s.key: s
    for s in (
        PolicySetting(
            "age_limit",
            _("年龄上限（周岁）"),
            _("第六条第（五）项：入库专家年龄一般不超过此值。"),
            65,
            "int",
            minimum=40,
            maximum=80,
        ),
        PolicySetting(
            "min_years_in_field",
            _("从业年限下限（年）"),
            _("第六条第（一）项：在相关领域工作的最少年数。"),
            5,
            "int",
            minimum=0,
            maximum=40,
        ),
        PolicySetting(
            "age_exception_categories",
            _("年龄例外类别"),
            _("第六条第（五）项：这些专家可任职至法定退休年龄（高于年龄上限时）。"),
            frozenset(AGE_EXCEPTION_CATEGORIES),
            "categories",
        ),
        PolicySetting(
            "notice_workdays",
            _("公示期（工作日）"),
            _("第七条第（四）项：拟入库名单公示的工作日数。"),
            7,
            "int",
            minimum=1,
            maximum=60,
        ),
        PolicySetting(
            "objection_decision_workdays",
            _("异议处理期限（工作日）"),
            _("第七条第（四）项：受理异议后作出处理决定的工作日数。"),
            15,
            "int",
            minimum=1,
            maximum=60,
        ),
        PolicySetting(
            "absence_exit_threshold",
            _("缺席出库次数"),
            _("第八条第（六）项：接受邀请后无故缺席达到此次数即启动出库。"),
            2,
            "int",
            minimum=1,
            maximum=10,
        ),
        PolicySetting(
            "recusal_years",
            _("回避追溯年限（年）"),
            _("随机抽取时，专家在此年数内曾任职的单位涉及活动即须回避。"),
            3,
            "int",
            minimum=0,
            maximum=20,
        ),
    )
}


@dataclass(frozen=True)
class PolicySnapshot:
    """Every policy value in force on one date."""

    on: dt.date
    age_limit: int
    min_years_in_field: int
    age_exception_categories: frozenset[str]
    notice_workdays: int
    objection_decision_workdays: int
    absence_exit_threshold: int
    recusal_years: int


def setting(key: str) -> PolicySetting:
    try:
        return SETTINGS[key]
    except KeyError:
        raise KeyError(f"unknown policy setting {key!r}") from None


def change_in_force(key: str, on: dt.date) -> PolicyChange | None:
    """Return the change of ``key`` in force on ``on``, or None when the default applies."""
    setting(key)
    return (
        PolicyChange.objects.filter(key=key, effective_from__lte=on)
        .order_by("-effective_from", "-id")
        .first()
    )


def policy_value(key: str, on: dt.date) -> Any:
    """Return the value of ``key`` in force on ``on`` (the default when no change is in force)."""
    s = setting(key)
    change = change_in_force(key, on)
    return s.default if change is None else s.load(change.value)


def _values_on(on: dt.date) -> dict[str, Any]:
    values = {key: s.default for key, s in SETTINGS.items()}
    # Oldest first, so the latest change in force of each key is written last.
    for change in PolicyChange.objects.filter(effective_from__lte=on).order_by(
        "effective_from", "id"
    ):
        if change.key in SETTINGS:
            values[change.key] = SETTINGS[change.key].load(change.value)
    return values


def policy_snapshot(on: dt.date) -> PolicySnapshot:
    """Return every value in force on ``on`` in one object (one query)."""
    return PolicySnapshot(on=on, **_values_on(on))

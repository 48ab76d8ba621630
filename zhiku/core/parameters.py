"""Parameters: the numbers the regulation leaves open, kept with the date each value takes effect.

Each app declares its parameters in its plugin module (``zhiku.<app>.plugin``); core keeps them
in one table of changes. A value is in force from its effective date until the next change of
the same parameter; with no change in force, the declared default applies. A decision asks for
the values in force on its own date, so a later change never alters how an earlier case was
decided. (In code "policy" means access policy only; these are *parameters*, 政策参数 on screen.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from zhiku.core.errors import DomainError
from zhiku.core.models import ParameterChange

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ParameterValueError(DomainError):
    """A value that a parameter cannot take, with a message a person can act on."""


@dataclass(frozen=True)
class Parameter:
    """One parameter: an integer within bounds, or a set of codes from ``choices``."""

    key: str
    label: StrOrPromise
    help: StrOrPromise
    default: Any
    kind: str  # "int" or "choices"
    minimum: int = 0
    maximum: int = 0
    choices: Sequence[tuple[str, StrOrPromise]] = ()

    def parse(self, raw: Any) -> Any:
        """Return the stored (JSON) form of ``raw``, or raise ParameterValueError in Chinese."""
        if self.kind == "int":
            text = str(raw).strip() if raw is not None else ""
            try:
                number = int(text)
            except ValueError:
                raise ParameterValueError(
                    _("“%(label)s”须为整数。") % {"label": self.label}
                ) from None
            if not self.minimum <= number <= self.maximum:
                raise ParameterValueError(
                    _("“%(label)s”须在 %(min)d 至 %(max)d 之间。")
                    % {"label": self.label, "min": self.minimum, "max": self.maximum}
                )
            return number
        codes = [raw] if isinstance(raw, str) else list(raw or [])
        known = {code for code, _label in self.choices}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ParameterValueError(
                _("“%(label)s”中有未知的选项：%(c)s。")
                % {"label": self.label, "c": "、".join(unknown)}
            )
        return sorted(set(codes))

    def load(self, stored: Any) -> Any:
        """Return the Python value of a stored (JSON) value."""
        if self.kind == "int":
            return int(stored)
        return frozenset(stored)

    def stored(self, value: Any) -> Any:
        """Return the JSON form of a Python value (the inverse of ``load``)."""
        return sorted(value) if isinstance(value, frozenset | set) else value

    def display(self, value: Any) -> str:
        if self.kind == "int":
            return str(value)
        if not value:
            return _("（无）")
        return "、".join(str(label) for code, label in self.choices if code in value)


_PARAMETERS: dict[str, Parameter] = {}


def register(*parameters: Parameter) -> None:
    """Declare parameters (called from an app's plugin module); a key is declared once."""
    for p in parameters:
        if p.key in _PARAMETERS and _PARAMETERS[p.key] != p:
            raise ValueError(f"parameter {p.key!r} is declared twice")
        _PARAMETERS[p.key] = p


def all_parameters() -> dict[str, Parameter]:
    """Every declared parameter, in the order the apps declared them."""
    return dict(_PARAMETERS)


def parameter(key: str) -> Parameter:
    try:
        return _PARAMETERS[key]
    except KeyError:
        raise KeyError(f"unknown parameter {key!r}") from None


def change_in_force(key: str, on: dt.date) -> ParameterChange | None:
    """Return the change of ``key`` in force on ``on``, or None when the default applies."""
    parameter(key)
    return (
        ParameterChange.objects.filter(key=key, effective_on__lte=on)
        .order_by("-effective_on", "-id")
        .first()
    )


def parameter_value(key: str, on: dt.date) -> Any:
    """Return the value of ``key`` in force on ``on`` (the default when no change is in force)."""
    p = parameter(key)
    change = change_in_force(key, on)
    return p.default if change is None else p.load(change.value)


class ParameterSnapshot(Mapping[str, Any]):
    """Every parameter's value in force on one date: ``snapshot["age_limit"]``."""

    def __init__(self, effective_on: dt.date, values: dict[str, Any]) -> None:
        self.effective_on = effective_on
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def parameter_snapshot(on: dt.date) -> ParameterSnapshot:
    """Return every value in force on ``on`` in one object (one query)."""
    values = {key: p.default for key, p in _PARAMETERS.items()}
    # Oldest first, so the latest change in force of each key is written last.
    for change in ParameterChange.objects.filter(effective_on__lte=on).order_by(
        "effective_on", "id"
    ):
        if change.key in _PARAMETERS:
            values[change.key] = _PARAMETERS[change.key].load(change.value)
    return ParameterSnapshot(on, values)

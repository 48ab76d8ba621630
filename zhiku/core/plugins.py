"""How an app plugs into the shared shell without core knowing it.

Each app may have a ``plugin`` module (``zhiku/<app>/plugin.py``) that calls :func:`register`
with a :class:`Plugin`: its menu items, the role homes it owns, its staff-dashboard items, its
demo seeding step, the Chinese labels of its audit actions, of the keys of their changes and
data and of the values found under those keys, its parameters, its deadline step and what falls
due soon (``manage.py run_deadlines`` runs the one and mails the other). Core finds the
modules with ``autodiscover_modules("plugin")`` when the apps are ready (as Django's admin finds
``admin`` modules), so adding an app adds files and edits nothing in core.

A menu item or a dashboard item names the URL it leads to; it is shown exactly when that view's
access policy lets the user in, so a menu cannot drift from access.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext as _

from zhiku.core.parameters import Parameter
from zhiku.core.parameters import register as register_parameters
from zhiku.core.permissions import url_allows

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class MenuItem:
    """An entry of the signed-in menu; shown when its view's policy lets the user in.

    Items naming the same ``group`` (by its label, whichever apps declare them) fold into one
    drop-down of the menu; a group with one visible item shows as that item alone.
    """

    label: StrOrPromise
    url_name: str
    order: int = 100
    group: StrOrPromise = ""


@dataclass(frozen=True)
class NavItem:
    label: StrOrPromise
    url: str
    children: tuple[NavItem, ...] = ()

    @property
    def is_group(self) -> bool:
        return bool(self.children)


@dataclass(frozen=True)
class DashboardItem:
    """One thing waiting for the signed-in person: how many, since when, and where to act."""

    title: StrOrPromise
    count: int
    url: str
    oldest: dt.date | None = None
    note: StrOrPromise = ""


@dataclass(frozen=True)
class DashboardSource:
    """Builds a dashboard item for a user who may open ``url_name``; None when nothing waits."""

    url_name: str
    build: Callable[[Any, dt.date], DashboardItem | None]
    url_kwargs: Callable[[dt.date], Mapping[str, Any]] | None = None
    order: int = 100


@dataclass(frozen=True)
class DueItem:
    """Something that falls due on a day (a decision deadline, a notice's end), for the digest."""

    title: StrOrPromise
    due: dt.date
    url: str
    note: StrOrPromise = ""


@dataclass(frozen=True)
class DueSource:
    """Lists what falls due up to a day, for a user who may open ``url_name``.

    ``build(today, until)`` returns the items due on or before ``until`` (overdue ones too).
    """

    url_name: str
    build: Callable[[dt.date, dt.date], Iterable[DueItem]]
    order: int = 100


# How the values under one audit key read: code -> label pairs, or a function of the value.
AuditValues = (
    Mapping[str, "StrOrPromise"] | Iterable[tuple[str, "StrOrPromise"]] | Callable[[Any], str]
)


@dataclass(frozen=True)
class Plugin:
    app: str
    menu: Sequence[MenuItem] = ()
    # role -> that role's home page (where a signed-in user lands; first in their menu).
    role_homes: Mapping[str, MenuItem] = field(default_factory=dict)
    # Homes used only while no app claims the role (core's own simple pages).
    fallback_role_homes: Mapping[str, MenuItem] = field(default_factory=dict)
    dashboard: Sequence[DashboardSource] = ()
    # Seeds demonstration data; returns lines to print. Run in INSTALLED_APPS order.
    demo: Callable[[random.Random], Iterable[str]] | None = None
    # action code -> Chinese label, for every action code the app writes.
    audit_labels: Mapping[str, StrOrPromise] = field(default_factory=dict)
    # key of audit changes/data -> Chinese label, for the keys the app writes. A key may be
    # given for one action only as "<action>:<key>" (the "name" of a catalogue entry is not a
    # person's name).
    audit_fields: Mapping[str, StrOrPromise] = field(default_factory=dict)
    # key of audit changes/data (or "<action>:<key>", or "<action>:*" for every key of that
    # action) -> how its values read: a mapping of stored code to label (a TextChoices'
    # ``choices`` will do), or a function of the whole value.
    audit_values: Mapping[str, AuditValues] = field(default_factory=dict)
    parameters: Sequence[Parameter] = ()
    # The app's deadline step, run by `manage.py run_deadlines`: closes what has ended by
    # ``now`` and returns a line for each thing it did. Idempotent: a second run does nothing.
    deadlines: Callable[[dt.datetime], Iterable[str]] | None = None
    # What falls due soon, for the staff's deadline digest e-mail.
    due: Sequence[DueSource] = ()
    # Re-encrypts the app's protected values under the first key of ZHIKU_FIELD_KEYS and
    # recomputes their lookup hashes with the first ZHIKU_LOOKUP_HASH_KEY (run by `manage.py
    # experts_rotate_keys`); returns how many rows it rewrote. Idempotent.
    rotate_keys: Callable[[], int] | None = None
    # What the app holds about one expert, for the expert's own download (PIPL art. 45): a
    # JSON-able mapping (the app's section of the file; its keys documented in concepts.md),
    # or None when it holds nothing about them.
    personal_data: Callable[[Any], Mapping[str, Any] | None] | None = None
    # Files for the same download, as (file name, bytes): the dossier PDF, say.
    personal_files: Callable[[Any], Iterable[tuple[str, bytes]]] | None = None
    # Audit action codes that disclose an expert's protected data to a member of staff (a full
    # number revealed, an export with full numbers, a dossier) -> what was disclosed, in words.
    # The entry names the expert as its object or among its subjects; the expert's page lists
    # them to holders of the reveal right.
    disclosures: Mapping[str, StrOrPromise] = field(default_factory=dict)


_PLUGINS: dict[str, Plugin] = {}


def register(plugin: Plugin) -> Plugin:
    """Register an app's plugin (called at import of its ``plugin`` module)."""
    _PLUGINS[plugin.app] = plugin
    register_parameters(*plugin.parameters)
    return plugin


def unregister(app: str) -> None:
    """Remove an app's plugin (tests that add a throwaway app use this to clean up)."""
    _PLUGINS.pop(app, None)


def discover() -> None:
    """Import every installed app's ``plugin`` module, in INSTALLED_APPS order."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("plugin")


def plugins() -> list[Plugin]:
    """The plugins of the installed apps, in INSTALLED_APPS order."""
    from django.apps import apps

    order = {config.name: i for i, config in enumerate(apps.get_app_configs())}
    return sorted((p for p in _PLUGINS.values() if p.app in order), key=lambda p: order[p.app])


def home_item(role: str) -> MenuItem:
    """Return ``role``'s home page: the one an app claims, else the fallback core provides."""
    claims = [p.role_homes[role] for p in plugins() if role in p.role_homes]
    if len(claims) > 1:
        names = [c.url_name for c in claims]
        raise ImproperlyConfigured(f"two apps claim the home page of role {role!r}: {names}")
    if claims:
        return claims[0]
    for p in plugins():
        if role in p.fallback_role_homes:
            return p.fallback_role_homes[role]
    raise ImproperlyConfigured(f"no app provides a home page for role {role!r}")


def role_home(role: str) -> str:
    """Return the URL name of ``role``'s home page."""
    return home_item(role).url_name


def navigation(user: Any) -> list[NavItem]:
    """The menu of a signed-in user: their home, then every item whose view lets them in,
    items of one group folded together where the group's first item would stand."""
    if not getattr(user, "is_authenticated", False):
        return []
    home = home_item(user.role)
    items = [(item.order, i, item) for p in plugins() for i, item in enumerate(p.menu)]
    visible = [
        item
        for _order, _i, item in sorted(items, key=lambda t: (t[0], t[1]))
        if item.url_name != home.url_name and url_allows(user, item.url_name)
    ]
    groups: dict[str, list[NavItem]] = {}
    entries: list[tuple[str, NavItem | None, MenuItem]] = []
    for item in visible:
        entry = NavItem(item.label, reverse(item.url_name))
        key = str(item.group)
        if not key:
            entries.append(("", entry, item))
            continue
        if key not in groups:
            groups[key] = []
            entries.append((key, None, item))
        groups[key].append(entry)
    menu = [NavItem(home.label, reverse(home.url_name))] if url_allows(user, home.url_name) else []
    for key, single, first in entries:
        if single is not None:
            menu.append(single)
        elif len(groups[key]) == 1:
            menu.append(groups[key][0])
        else:
            menu.append(NavItem(first.group, "", tuple(groups[key])))
    return menu


def dashboard(user: Any, today: dt.date) -> list[DashboardItem]:
    """What waits for ``user`` today: each app's items that user may act on, in order."""
    sources = sorted(
        ((s.order, i, s) for p in plugins() for i, s in enumerate(p.dashboard)),
        key=lambda t: (t[0], t[1]),
    )
    items: list[DashboardItem] = []
    for _order, _i, source in sources:
        kwargs = dict(source.url_kwargs(today)) if source.url_kwargs else None
        if not url_allows(user, source.url_name, kwargs):
            continue
        item = source.build(user, today)
        if item is not None:
            items.append(item)
    return items


def deadline_steps() -> list[tuple[str, Callable[[dt.datetime], Iterable[str]]]]:
    """Each app's deadline step, in INSTALLED_APPS order."""
    return [(p.app, p.deadlines) for p in plugins() if p.deadlines is not None]


def due_items(user: Any, today: dt.date, until: dt.date) -> list[DueItem]:
    """What falls due by ``until`` (overdue included) that ``user`` may act on, soonest first."""
    items: list[DueItem] = []
    for p in plugins():
        for source in p.due:
            if url_allows(user, source.url_name):
                items += source.build(today, until)
    return sorted(items, key=lambda item: item.due)


def action_label(code: str) -> str:
    """Return the Chinese label of an audit action code, or the code when none is declared."""
    for p in plugins():
        if code in p.audit_labels:
            return str(p.audit_labels[code])
    return code


def action_labels() -> dict[str, str]:
    """Every declared action code with its label, sorted by code."""
    out: dict[str, str] = {}
    for p in plugins():
        out.update({code: str(label) for code, label in p.audit_labels.items()})
    return dict(sorted(out.items()))


def _app_config(plugin: Plugin) -> Any:
    from django.apps import apps

    return next(c for c in apps.get_app_configs() if c.name == plugin.app)


def action_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every declared action as (code, label), grouped under its app's name, in app order."""
    groups = []
    for p in plugins():
        if p.audit_labels:
            codes = sorted((code, str(label)) for code, label in p.audit_labels.items())
            groups.append((str(_app_config(p).verbose_name), codes))
    return groups


def _lookup(table: str, key: str, action: str) -> Any:
    """Find ``key`` in each plugin's ``table``: for this action first, then in the plugin of the
    action's app, then in any plugin. Return None when nobody declares it."""
    found = [getattr(p, table) for p in plugins()]
    if action:
        for scoped in (f"{action}:{key}", f"{action}:*"):  # "*": every key of this action
            for entries in found:
                if scoped in entries:
                    return entries[scoped]
        prefix = action.split(".", 1)[0]  # action codes start with their app's label
        for p in plugins():
            entries = getattr(p, table)
            if _app_config(p).label == prefix and key in entries:
                return entries[key]
    for entries in found:
        if key in entries:
            return entries[key]
    return None


def field_label(key: str, *, action: str = "") -> str | None:
    """Return the Chinese label of a key found in audit changes or data, if one is declared."""
    label = _lookup("audit_fields", key, action)
    return None if label is None else str(label)


def value_label(key: str, value: Any, *, action: str = "") -> str:
    """Return a value found under ``key`` in audit changes or data as people know it.

    A function declared for the key reads the whole value; declared labels turn codes into
    words; yes/no become 是/否; a list reads item by item; a mapping (a set of filters, say)
    reads key by key, each with its label. An empty value is "".
    """
    if value is None or value == "" or value == []:
        return ""
    values = _lookup("audit_values", key, action)
    if isinstance(values, type) and hasattr(values, "choices"):  # a TextChoices class itself
        values = values.choices
    if callable(values):
        return str(values(value))
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, Mapping):
        if not value:
            return str(_("（无）"))
        return "；".join(
            f"{field_label(k, action=action) or k}：{value_label(k, v, action=action) or '—'}"
            for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return "、".join(value_label(key, v, action=action) for v in value)
    if values is None:
        return str(value)
    labels = values if isinstance(values, Mapping) else dict(values)
    label = labels.get(str(value))
    return str(value) if label is None else str(label)


def demo_steps() -> list[tuple[str, Callable[[random.Random], Iterable[str]]]]:
    return [(p.app, p.demo) for p in plugins() if p.demo is not None]


def key_rotations() -> list[tuple[str, Callable[[], int]]]:
    """Each app's key rotation step, in INSTALLED_APPS order."""
    return [(p.app, p.rotate_keys) for p in plugins() if p.rotate_keys is not None]


def personal_data(person: Any) -> dict[str, Any]:
    """What every app holds about ``person`` (an expert), by app label, apps holding nothing left
    out."""
    out: dict[str, Any] = {}
    for p in plugins():
        if p.personal_data is not None:
            section = p.personal_data(person)
            if section:
                out[_app_config(p).label] = dict(section)
    return out


def personal_files(person: Any) -> list[tuple[str, bytes]]:
    """Every app's files about ``person`` for their download, as (name, bytes)."""
    return [f for p in plugins() if p.personal_files is not None for f in p.personal_files(person)]


def disclosures() -> dict[str, str]:
    """Every action code that discloses an expert's protected data, with what it discloses."""
    return {code: str(what) for p in plugins() for code, what in p.disclosures.items()}

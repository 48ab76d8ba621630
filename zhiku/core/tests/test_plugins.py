"""Apps plug into core: a throwaway app adds its menu item, role home, dashboard item and action
label without any change to core; menus follow the access policies; core imports no app."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse

from zhiku.core import plugins
from zhiku.core.roles import Right
from zhiku.core.tests.throwaway.settings import overrides

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def throwaway() -> Iterator[None]:
    """Install the throwaway app for one test, then take it away again.

    The throwaway claims the supervisor's home; a real app claiming it is set aside meanwhile
    (two claims would rightly stop the site).
    """
    claimants = [p for p in plugins.plugins() if "supervisor" in p.role_homes]
    for p in claimants:
        plugins.unregister(p.app)
    with override_settings(**overrides()):
        clear_url_caches()
        # Discovery imports a plugin module once per process: register it again for this test.
        module = "zhiku.core.tests.throwaway.plugin"
        if module in sys.modules:
            importlib.reload(sys.modules[module])
        else:
            importlib.import_module(module)
        try:
            yield
        finally:
            plugins.unregister("zhiku.core.tests.throwaway")
            for p in claimants:
                plugins.register(p)
    clear_url_caches()


def _nav_labels(user: Any) -> list[str]:
    """The labels of every link of the user's menu, inside groups too."""
    labels = []
    for item in plugins.navigation(user):
        labels += [str(c.label) for c in item.children] if item.is_group else [str(item.label)]
    return labels


@pytest.mark.django_db
def test_a_new_app_adds_menu_role_home_dashboard_and_label_without_editing_core(
    throwaway: None, make_user: Any
) -> None:
    supervisor = make_user("supervisor", username="witness")
    reviewer = make_user("staff", username="rev", rights=(Right.REVIEW_APPLICATIONS,))
    client = Client()

    client.force_login(supervisor)
    home = client.get(reverse("core:home_redirect"))
    assert home.headers["Location"] == reverse("throwaway:home")
    assert "见证工作台（插件）" in client.get(home.headers["Location"]).content.decode()
    assert _nav_labels(supervisor)[0] == "见证工作台（插件）"

    client.force_login(reviewer)
    dashboard = client.get(reverse("core:dashboard")).content.decode()
    assert "等待见证的抽取（插件）" in dashboard
    assert f'href="{reverse("throwaway:queue")}"' in dashboard
    assert "待见证的抽取（插件）" in _nav_labels(reviewer)

    assert plugins.action_label("throwaway.draw.witnessed") == "见证抽取（插件）"


@pytest.mark.django_db
def test_a_menu_or_dashboard_item_is_hidden_when_its_view_refuses_the_user(
    throwaway: None, make_user: Any
) -> None:
    plain_staff = make_user("staff", username="plain")  # the queue's view needs the review right
    reviewer = make_user("staff", username="rev3", rights=(Right.REVIEW_APPLICATIONS,))
    assert "待见证的抽取（插件）" in _nav_labels(reviewer)  # the item exists for one who may
    client = Client()
    client.force_login(plain_staff)

    assert client.get(reverse("throwaway:queue")).status_code == 403
    assert "待见证的抽取（插件）" not in _nav_labels(plain_staff)
    assert "等待见证的抽取（插件）" not in client.get(reverse("core:dashboard")).content.decode()


@pytest.mark.django_db
def test_items_of_one_group_fold_together_and_a_lone_visible_one_stands_alone(
    throwaway: None, make_user: Any
) -> None:
    reviewer = make_user("staff", username="rev2", rights=(Right.REVIEW_APPLICATIONS,))
    plain_staff = make_user("staff", username="plain2")

    groups = {str(i.label): i for i in plugins.navigation(reviewer) if i.is_group}
    assert [str(c.label) for c in groups["见证（插件）"].children] == [
        "待见证的抽取（插件）",
        "见证记录（插件）",
    ]
    plain = plugins.navigation(plain_staff)
    assert "见证（插件）" not in [str(i.label) for i in plain]
    lone = next(i for i in plain if str(i.label) == "见证记录（插件）")
    assert not lone.is_group and lone.url == reverse("throwaway:log")


@pytest.mark.django_db
def test_without_the_app_its_contributions_are_gone(make_user: Any) -> None:
    supervisor = make_user("supervisor", username="witness2")

    assert plugins.role_home("supervisor") != "throwaway:home"
    assert "见证工作台（插件）" not in _nav_labels(supervisor)
    assert plugins.action_label("throwaway.draw.witnessed") == "throwaway.draw.witnessed"


def test_two_apps_claiming_one_role_home_stop_the_site(throwaway: None) -> None:
    plugins.register(
        plugins.Plugin(
            app="zhiku.core.tests.throwaway",
            role_homes={
                "auditor": plugins.MenuItem("另一个审计首页", "throwaway:home"),
            },
        )
    )
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="auditor"):
        plugins.role_home("auditor")


def test_core_imports_no_app() -> None:
    """Core may only know the roles and rights (its own) and the account model by setting."""
    offenders = []
    scanned = 0
    for path in (ROOT / "zhiku" / "core").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        scanned += 1
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("zhiku.") and not name.startswith(("zhiku.core", "zhiku.env")):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert scanned > 20  # the scan reads core; it must not pass by reading nothing
    assert offenders == []


def _written_action_codes() -> dict[str, str]:
    """Every audit action code a module writes: the first argument of log_action and
    transition_record(action=...), and the values of dicts named *ACTIONS."""
    codes: dict[str, str] = {}

    def strings(node: ast.AST) -> Iterator[str]:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and "." in sub.value:
                yield sub.value

    for path in (ROOT / "zhiku").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name == "log_action" and node.args:
                    codes.update(dict.fromkeys(strings(node.args[0]), where))
                for kw in node.keywords:
                    if name == "transition_record" and kw.arg == "action":
                        codes.update(dict.fromkeys(strings(kw.value), where))
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                named = any(isinstance(t, ast.Name) and t.id.endswith("ACTIONS") for t in targets)
                if named and isinstance(node.value, ast.Dict):
                    for value in node.value.values:
                        codes.update(dict.fromkeys(strings(value), where))
    return codes


def test_every_action_code_written_has_a_chinese_label() -> None:
    codes = _written_action_codes()
    assert len(codes) > 40  # the scan finds them; it must not pass by finding nothing

    missing = [
        f"{code} ({where})" for code, where in codes.items() if code not in plugins.action_labels()
    ]

    assert missing == []


@pytest.mark.django_db
def test_dashboard_age_counts_working_days_not_calendar_days(make_user: Any) -> None:
    from zhiku.core.views import _age
    from zhiku.core.workdays import WorkdayCalendar

    # From Friday 2026-09-25 to Friday 2026-10-09 across the National Day holiday (1–7
    # October): 28, 29, 30 September and 8, 9 October are working days; 14 calendar days.
    assert _age(WorkdayCalendar(), dt.date(2026, 9, 25), dt.date(2026, 10, 9)) == 5
    # A year nobody entered gives no age rather than a guess.
    assert _age(WorkdayCalendar(), dt.date(2027, 3, 1), dt.date(2027, 3, 5)) is None

"""In Chromium: every page each demo role can reach passes axe-core's WCAG 2.1 A and AA rules.

Chinese government sites are held to GB/T 37668, which follows WCAG. The walk starts at the
role's home page and follows every link within the site (GET only, same origin), one page per
address shape (``/workspace/experts/12/`` stands for every expert's page), so a new page is
covered as soon as a menu or a page links to it. axe-core comes from the PyPI package
``axe-playwright-python`` and is injected by the test: nothing is loaded from a CDN.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from zhiku.accounts.demo import DEMO_PASSWORD
from zhiku.accounts.tests.factories import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# A safety bound, not a sample: the walk fails when a role reaches more page shapes than this.
MAX_PAGES = 120
# One demo account per role (the staff account holds every right, so it reaches every staff
# page); None walks the public site.
WALKERS = [None, "staff", "reviewer", "council1", "supervisor", "secadmin", "auditor", "expert"]

_axe = Axe()


@pytest.fixture
def demo() -> None:
    """The demo data, on top of the catalogues a transactional test's flush removed."""
    from importlib import import_module

    from django.apps import apps

    import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)
    call_command("demo_seed", verbosity=0)


def _shape(url: str) -> str:
    """The address with its numbers and query values blanked: one page stands for its kind."""
    parts = urlsplit(url)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def _violations(page: Page) -> list[str]:
    found = _axe.run(page, options=WCAG_21_AA).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {node['html'][:160]}"
        for v in found
        for node in v["nodes"]
    ]


def _links(page: Page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    out = []
    for href in hrefs:
        url, _fragment = urldefrag(href)
        if url.startswith(origin + "/") and not url.startswith(origin + "/static/"):
            out.append(url)
    return out


def _walk(page: Page, origin: str, start: str) -> tuple[list[str], dict[str, list[str]]]:
    """Visit every page shape reachable from ``start``; return the pages and their faults."""
    queue, seen, visited = deque([start]), set(), []
    faults: dict[str, list[str]] = {}
    while queue:
        url = queue.popleft()
        if _shape(url) in seen:
            continue
        seen.add(_shape(url))
        try:
            response = page.goto(url)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):  # an export or a template: not a page
                continue
            raise
        assert response is not None
        if response.status >= 400:
            faults[url] = [f"HTTP {response.status}"]
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue  # a feed, say: not a page a person reads in the browser
        seen.add(_shape(page.url))  # a redirect landed on another page
        visited.append(page.url)
        assert len(visited) <= MAX_PAGES, f"more than {MAX_PAGES} page shapes from {start}"
        problems = _violations(page)
        if problems:
            faults[page.url] = problems
        queue.extend(_links(page, origin))
    return visited, faults


@pytest.mark.parametrize("username", WALKERS, ids=[w or "public" for w in WALKERS])
def test_every_page_a_demo_role_reaches_passes_wcag_21_aa(
    demo: None, page: Page, live_server: Any, username: str | None
) -> None:
    origin = live_server.url
    if username is None:
        start = origin + "/"
        extra = [origin + "/accounts/login/", origin + "/accounts/password/reset/"]
    else:
        log_in(page, origin, username, DEMO_PASSWORD)
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        start, extra = page.url, []

    visited, faults = _walk(page, origin, start)
    for url in extra:
        more, more_faults = _walk(page, origin, url)
        visited += more
        faults.update(more_faults)

    assert len(visited) >= 2, visited  # the walk must not pass by visiting nothing
    report = "\n".join(f"{url}\n  " + "\n  ".join(found) for url, found in faults.items())
    assert not faults, f"pages with accessibility faults:\n{report}"


@pytest.mark.parametrize("username", [None, "staff"], ids=["public", "staff"])
def test_the_phone_menu_open_passes_wcag_21_aa(
    demo: None, page: Page, live_server: Any, username: str | None
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    if username is not None:
        log_in(page, live_server.url, username, DEMO_PASSWORD)
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
    else:
        page.goto(live_server.url + "/")
    menu = page.get_by_role("checkbox", name="菜单")

    page.locator("label.menu-button").click()

    assert menu.is_checked()
    assert page.locator("#site-menu nav").is_visible()
    assert _violations(page) == []


def test_the_expert_area_on_a_phone_passes_wcag_21_aa(
    demo: None, page: Page, live_server: Any
) -> None:
    """Experts use their phones: their pages at a phone's width, where tables scroll sideways."""
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "expert", DEMO_PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    visited, faults = _walk(page, live_server.url, page.url)

    assert len(visited) >= 3, visited
    report = "\n".join(f"{url}\n  " + "\n  ".join(found) for url, found in faults.items())
    assert not faults, f"pages with accessibility faults:\n{report}"

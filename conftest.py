"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property-based tests draw the same examples on every run (no luck in CI) and are never failed
# for being slow: a loaded machine makes generation slow, which says nothing about the code.
hypothesis_settings.register_profile(
    "zhiku",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
hypothesis_settings.load_profile("zhiku")

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# pytest-playwright owns test-results/ and empties it; screenshots live beside it.
SCREENSHOT_DIR = Path(__file__).resolve().parent / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive Debian's Chromium; a browser downloaded by Playwright never works here."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under test-output/screenshots/ and return its path."""

    def take(page: Any, name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^\w.-]+", "_", f"{request.node.name}-{name}", flags=re.ASCII)
        path = SCREENSHOT_DIR / f"{safe.strip('_')}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """Create an account of a role, optionally with staff rights, with password ``PASSWORD``."""
    from zhiku.accounts.tests.factories import make_account

    return make_account


@pytest.fixture
def security_admin(make_user: Callable[..., Any]) -> Any:
    return make_user("security_admin", username="secadmin")


@pytest.fixture
def staff(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", username="staff")


def pytest_configure(config: pytest.Config) -> None:
    """Run the whole suite at another date when ZHIKU_TEST_CLOCK=YYYY-MM-DD is set.

    Tests must not depend on the day they run: CI runs the suite on SQLite today and on
    PostgreSQL a year ahead (`ZHIKU_TEST_CLOCK=2027-06-01 make test`) to catch a test that reads
    today's date. Each xdist worker runs this hook, so every worker travels."""
    clock = os.environ.get("ZHIKU_TEST_CLOCK", "")
    if not clock:
        return
    import datetime as dt

    import time_machine

    start = dt.datetime.combine(dt.date.fromisoformat(clock), dt.time(10, 0), tzinfo=dt.UTC)
    traveller = time_machine.travel(start, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start each run (each xdist worker) with an empty folder for the files tests write."""
    import shutil

    from django.conf import settings

    root = Path(settings.TEST_FILES_ROOT)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)


@pytest.fixture(autouse=True, scope="session")
def _force_login_includes_the_second_factor() -> Iterator[None]:
    """``Client.force_login`` stands for a finished sign-in, so for an account with an
    authenticator it includes the code step (the session is verified with that device, as
    ``django_otp.login`` does). An account that must enrol and has not is not verified: the
    site sends it to enrolment, as it would a person (zhiku/accounts/tests/test_second_factor.py
    proves both through the login page). Session-wide, so module fixtures get it too."""
    from django.test import Client

    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login)
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: rate-limit counts and cached pages of one test
    must not reach the next (the local-memory cache lives as long as the process)."""
    from django.core.cache import cache

    cache.clear()

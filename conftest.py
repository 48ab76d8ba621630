"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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

"""Pages behind login are never kept by a browser or a proxy (Cache-Control: no-store)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.core.tests.test_url_policies import EXPECTED

pytestmark = pytest.mark.django_db

# The audiences of the URL walker that cover every signed-in page between them.
AUDIENCES = {
    "staff+all": ("staff", tuple(Right.values)),
    "council": ("council", ()),
    "supervisor": ("supervisor", ()),
    "security_admin": ("security_admin", ()),
    "auditor": ("auditor", ()),
    "expert": ("expert", ()),
}


def _no_store(response: Any) -> bool:
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    return "no-store" in directives


def test_every_page_a_signed_in_user_reaches_is_no_store(make_user: Callable[..., Any]) -> None:
    checked: list[str] = []
    problems: list[str] = []
    for audience, (role, rights) in AUDIENCES.items():
        client = Client()
        client.force_login(make_user(role, username=f"cache-{role}", rights=rights))
        for name, (kwargs, allowed) in EXPECTED.items():
            if audience not in allowed:
                continue
            response = client.get(reverse(name, kwargs=kwargs))
            checked.append(name)
            if not _no_store(response):
                problems.append(f"{name} as {audience}: {response.headers.get('Cache-Control')}")
    assert problems == []
    # Every page that is not public was checked for at least one audience.
    assert {n for n, (_k, allowed) in EXPECTED.items() if "anonymous" not in allowed} <= set(
        checked
    )


def test_a_public_page_is_no_store_for_a_signed_in_user_only(staff: Any) -> None:
    anonymous = Client().get(reverse("portal:home"))
    assert not _no_store(anonymous)

    signed_in = Client()
    signed_in.force_login(staff)
    assert _no_store(signed_in.get(reverse("portal:home")))


def test_the_login_redirect_of_a_staff_page_is_no_store() -> None:
    response = Client().get(reverse("experts:expert_list"))
    assert response.status_code == 302
    assert _no_store(response)


def test_a_refusal_page_is_no_store(make_user: Callable[..., Any]) -> None:
    client = Client()
    client.force_login(make_user("expert", username="curious"))
    response = client.get(reverse("core:audit_list"))
    assert response.status_code == 403
    assert _no_store(response)

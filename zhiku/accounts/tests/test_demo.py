from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from zhiku.accounts.demo import DEMO_PASSWORD
from zhiku.accounts.models import AccountChange, Right, Role, User

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("demo_seed", *args, stdout=out)
    return out.getvalue()


def test_demo_seed_creates_an_account_for_every_role_and_prints_them() -> None:
    output = _seed()

    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert f"密码均为 {DEMO_PASSWORD}" in output
    for username in ("secadmin", "auditor", "staff", "council1", "supervisor", "expert"):
        assert username in output
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    assert User.objects.get(username="staff").active_rights() == frozenset(Right.values)


def test_demo_seed_twice_creates_nothing_more() -> None:
    _seed("--seed", "7")
    counts = (User.objects.count(), AccountChange.objects.count())

    second = _seed("--seed", "7")

    assert (User.objects.count(), AccountChange.objects.count()) == counts
    assert "演示账户：新建 0 个" in second


def test_if_empty_leaves_a_database_with_accounts_alone(make_user: object) -> None:
    make_user("staff", username="someone")  # type: ignore[operator]

    output = _seed("--if-empty")

    assert "未载入演示数据" in output
    assert not User.objects.filter(username="secadmin").exists()

"""Stored numbers brought to one form; one person entered twice is reported, never merged
(issue 9, item 3: GDQ-2026-0039 and GDQ-2026-5171 were one person)."""

from __future__ import annotations

import io
from importlib import import_module
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import CommandError, call_command

from zhiku.core.masking import mask
from zhiku.experts import crypto
from zhiku.experts.models import Expert
from zhiku.experts.tests.factories import make_expert
from zhiku.experts.tests.support import BIRTH, full_width, number_ending_in_x

pytestmark = pytest.mark.django_db
NUMBER = number_ending_in_x()


def stored_as_before(expert: Expert, number: str, *, mobile: str = "", email: str = "") -> None:
    """Store ``number`` as the registry did before normalising: as typed, hashed as typed."""
    Expert.objects.filter(pk=expert.pk).update(
        id_number_token=crypto.encrypt(number),
        id_number_hash=crypto.lookup_hash(number, purpose=crypto.ID_HASH_PURPOSE),
        id_number_masked=mask(number),
        mobile_token=crypto.encrypt(mobile),
        mobile_hash=crypto.lookup_hash(mobile, purpose=crypto.MOBILE_HASH_PURPOSE),
        mobile_masked=mask(mobile),
        email=email,
    )


@pytest.fixture
def twice() -> tuple[Expert, Expert, Expert]:
    """The person of the issue twice (ASCII, then full-width), and someone else typed oddly."""
    first = make_expert(name="林一人", birth_date=BIRTH, pool_number="GDQ-2026-0039")
    second = make_expert(name="林一人", birth_date=BIRTH, pool_number="GDQ-2026-5171")
    other = make_expert(name="另一人", pool_number="GDQ-2026-0040")
    stored_as_before(first, NUMBER, mobile="13800012233", email="lin@example.org")
    stored_as_before(
        second, full_width(NUMBER[:17]) + "X", mobile="+86 138 0001 2233", email="LIN@example.org"
    )
    stored_as_before(other, " 4401 0619 7005 1700 1X ".lower(), mobile="13900000000")
    return first, second, other


def run(*args: str) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("experts_find_duplicates", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue() + str(exc), 1
    return out.getvalue(), 0


def test_the_command_reports_one_person_entered_twice_and_changes_nothing(
    twice: tuple[Expert, Expert, Expert],
) -> None:
    before = list(Expert.objects.order_by("pk").values())

    report, status = run()

    assert status == 1
    assert "证件号码相同，可能是同一人重复录入：林一人（GDQ-2026-0039" in report
    assert "林一人（GDQ-2026-5171" in report
    assert "手机号码相同" in report and "电子邮箱相同" in report
    assert "未更改" in report
    assert NUMBER not in report and NUMBER[6:14] not in report  # no protected value
    assert list(Expert.objects.order_by("pk").values()) == before


def test_normalising_keeps_both_records_and_gives_the_hash_to_one(
    twice: tuple[Expert, Expert, Expert],
) -> None:
    first, second, other = twice

    _report, status = run("--normalise")

    assert status == 1  # the collision is still there for staff to resolve
    for expert in twice:
        expert.refresh_from_db()
    normal_hash = crypto.lookup_hash(NUMBER, purpose=crypto.ID_HASH_PURPOSE)
    assert first.id_number_hash == normal_hash
    assert second.id_number_hash != normal_hash  # still there, not merged, not the same hash
    assert (first.id_number_masked, second.id_number_masked) == (
        NUMBER[0] + "*" * 16 + "X",
        NUMBER[0] + "*" * 16 + "X",
    )
    assert (
        crypto.decrypt(first.mobile_token) == crypto.decrypt(second.mobile_token) == "13800012233"
    )
    assert first.mobile_hash == second.mobile_hash
    assert (first.email, second.email) == ("lin@example.org", "lin@example.org")
    assert crypto.decrypt(other.id_number_token) == "44010619700517001X"
    assert other.id_number_hash == crypto.lookup_hash(
        "44010619700517001X", purpose=crypto.ID_HASH_PURPOSE
    )
    # Safe to run twice: nothing more to change.
    report, _status = run("--normalise")
    assert "0 位已统一格式并更新" in report


def test_the_data_migration_normalises_and_prints_the_report(
    twice: tuple[Expert, Expert, Expert], capsys: Any
) -> None:
    migration = import_module("zhiku.experts.migrations.0007_normalise_protected_values")

    migration.normalise(apps, None)

    printed = capsys.readouterr().out
    assert "可能是同一人重复录入" in printed and "系统未合并" in printed
    assert (
        Expert.objects.filter(
            id_number_hash=crypto.lookup_hash(NUMBER, purpose=crypto.ID_HASH_PURPOSE)
        ).count()
        == 1
    )


def test_a_record_no_key_opens_is_reported_and_only_remasked(settings: Any) -> None:
    expert = make_expert(pool_number="GDQ-2026-0001")
    foreign = Fernet(Fernet.generate_key()).encrypt(NUMBER.encode()).decode()
    Expert.objects.filter(pk=expert.pk).update(
        id_number_token=foreign, id_number_masked=NUMBER[:3] + "*" * 11 + NUMBER[-4:]
    )

    report, _status = run("--normalise")

    expert.refresh_from_db()
    assert f"#{expert.pk}" in report and "无法用当前密钥解密" in report
    assert expert.id_number_token == foreign
    assert expert.id_number_masked == NUMBER[0] + "*" * 16 + "X"

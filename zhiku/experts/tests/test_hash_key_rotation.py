"""The lookup-hash key rotates like the encryption keys (issue 17, item 7): a new key first in
ZHIKU_LOOKUP_HASH_KEY, lookups try every key meanwhile, ``experts_rotate_keys`` recomputes
every stored hash with the new one, and the old key can then go."""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from zhiku.accounts.models import Right
from zhiku.experts import crypto
from zhiku.experts.models import Expert
from zhiku.experts.services import duplicates
from zhiku.experts.tests.factories import make_expert, roster_row
from zhiku.experts.tests.support import BIRTH, NOW, client_for, form_data, import_rows
from zhiku.experts.tests.support import number_ending_in_x as number_of

pytestmark = pytest.mark.django_db
OLD = "old-lookup-hash-key-" + "o" * 40
NEW = "new-lookup-hash-key-" + "n" * 40
NUMBER = number_of()
MOBILE = "13912340000"


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, settings: Any, tmp_path: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    settings.MEDIA_ROOT = tmp_path
    settings.ZHIKU_LOOKUP_HASH_KEY = [OLD]


@pytest.fixture
def reviewer(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", username="reviewer", rights=(Right.REVIEW_APPLICATIONS,))


def holder() -> Expert:
    """Someone in the pool, hashed under the old key."""
    return make_expert(
        name="林一人", gender="female", birth_date=BIRTH, id_number=NUMBER, mobile=MOBILE
    )


def hmac_of(key: str, value: str, purpose: str) -> str:
    """The hash as documented, computed here on its own: HMAC-SHA256 of "purpose:value"."""
    return hmac.new(key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def id_hash(key: str) -> str:
    return hmac_of(key, NUMBER, crypto.ID_HASH_PURPOSE)


def test_the_newest_key_hashes_what_is_stored_and_every_key_is_tried(settings: Any) -> None:
    settings.ZHIKU_LOOKUP_HASH_KEY = [NEW, OLD]
    assert crypto.lookup_hash(NUMBER, purpose=crypto.ID_HASH_PURPOSE) == id_hash(NEW)
    assert crypto.lookup_hashes(NUMBER, purpose=crypto.ID_HASH_PURPOSE) == [
        id_hash(NEW),
        id_hash(OLD),
    ]
    assert id_hash(NEW) != id_hash(OLD)
    # As the environment gives it: one string, keys separated by commas.
    settings.ZHIKU_LOOKUP_HASH_KEY = f"{NEW}, {OLD}"
    assert crypto.lookup_hashes(NUMBER, purpose=crypto.ID_HASH_PURPOSE) == [
        id_hash(NEW),
        id_hash(OLD),
    ]


def test_during_the_transition_a_holder_under_the_old_key_is_found_by_the_form(
    reviewer: Any, settings: Any
) -> None:
    person = holder()
    settings.ZHIKU_LOOKUP_HASH_KEY = [NEW, OLD]

    response = client_for(reviewer).post(
        reverse("experts:expert_create"), form_data(id_number=NUMBER, mobile="")
    )

    assert "已登记在专家库中另一位专家名下" in response.context["form"].errors["id_number"][0]
    assert list(Expert.objects.all()) == [person]


def test_during_the_transition_the_import_finds_old_key_holders(
    reviewer: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    holder()
    settings.ZHIKU_LOOKUP_HASH_KEY = [NEW, OLD]
    row = {**roster_row(1), "出生日期": BIRTH, "性别": "女", "证件号码": NUMBER}

    job = import_rows(client_for(reviewer), [row], django_capture_on_commit_callbacks)

    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "证件号码")]
    assert Expert.objects.count() == 1


def test_an_unchanged_number_under_the_old_key_is_no_duplicate_of_its_own_holder(
    reviewer: Any, settings: Any
) -> None:
    from zhiku.experts import services

    person = holder()
    settings.ZHIKU_LOOKUP_HASH_KEY = [NEW, OLD]

    services.expert_update(actor=reviewer, expert=person, profile={}, mobile=MOBILE)

    assert not duplicates.DuplicateLookup.objects.exists()


def test_after_rotation_every_hash_is_the_new_keys_and_duplicates_are_still_found(
    reviewer: Any, settings: Any
) -> None:
    person = holder()
    other = make_expert(mobile="", mobile_token="", mobile_hash="", mobile_masked="")
    settings.ZHIKU_LOOKUP_HASH_KEY = [NEW, OLD]

    out = io.StringIO()
    call_command("experts_rotate_keys", stdout=out)
    call_command("experts_rotate_keys", stdout=io.StringIO())  # twice: same result

    assert "重新计算其查重哈希" in out.getvalue()
    person.refresh_from_db()
    other.refresh_from_db()
    assert person.id_number_hash == id_hash(NEW)
    assert person.mobile_hash == hmac_of(NEW, MOBILE, crypto.MOBILE_HASH_PURPOSE)
    assert other.mobile_hash == ""
    # The old key is gone: the duplicate is found with the new key alone.
    settings.ZHIKU_LOOKUP_HASH_KEY = [NEW]
    wanted = duplicates.Wanted(
        id_hashes=tuple(crypto.lookup_hashes(NUMBER, purpose=crypto.ID_HASH_PURPOSE))
    )
    assert duplicates.holders(wanted, exclude_pk=None) == [("id_number", person)]
    response = client_for(reviewer).post(
        reverse("experts:expert_create"), form_data(id_number=NUMBER, mobile="")
    )
    assert "已登记在专家库中另一位专家名下" in response.context["form"].errors["id_number"][0]


def test_without_rotation_dropping_the_old_key_loses_the_duplicate(settings: Any) -> None:
    """Why the command must run before the old key goes (the test can fail)."""
    holder()
    settings.ZHIKU_LOOKUP_HASH_KEY = [NEW]
    wanted = duplicates.Wanted(
        id_hashes=tuple(crypto.lookup_hashes(NUMBER, purpose=crypto.ID_HASH_PURPOSE))
    )
    assert duplicates.holders(wanted, exclude_pk=None) == []


def test_a_short_or_missing_hash_key_stops_production_start(settings: Any) -> None:
    from zhiku.env import ConfigError

    settings.ZHIKU_LOOKUP_HASH_KEY = [NEW, "short"]
    with pytest.raises(ConfigError, match="ZHIKU_LOOKUP_HASH_KEY"):
        crypto.check_configuration()
    settings.ZHIKU_LOOKUP_HASH_KEY = []
    with pytest.raises(ConfigError, match="ZHIKU_LOOKUP_HASH_KEY"):
        crypto.check_configuration()
    settings.ZHIKU_LOOKUP_HASH_KEY = [NEW, OLD]
    crypto.check_configuration()

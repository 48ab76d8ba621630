"""Art. 20: identity and mobile numbers never rest in clear text; reveals are audited."""

from __future__ import annotations

import base64
import binascii
import io
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from zhiku.accounts.models import Right
from zhiku.core.errors import AccessDenied
from zhiku.core.models import AuditEntry
from zhiku.experts import crypto, services
from zhiku.experts.models import Expert
from zhiku.experts.protected import mask_id_number
from zhiku.experts.tests.factories import ID_NUMBER, MOBILE, create

NEW_MOBILE = "13698765432"


def encodings(secret: str) -> list[bytes]:
    """The forms a value could leak in: text, hex, and Base64 at every alignment."""
    raw = secret.encode()
    forms = [raw, binascii.hexlify(raw), binascii.hexlify(raw).upper()]
    for shift in range(3):
        padded = b"\0" * shift + raw
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(padded)
            # Skip the characters that mix in the padding bytes at either end.
            start = (shift * 4 + 2) // 3 if shift else 0
            forms.append(text[start : len(text) - 4])
    return forms


def assert_absent(blob: bytes, *secrets: str) -> None:
    for secret in secrets:
        for form in encodings(secret):
            assert form not in blob, (secret, form)


@pytest.mark.django_db(transaction=True)
def test_numbers_are_absent_from_the_database_file_and_from_dumpdata(
    make_user: Callable[..., Any], tmp_path: Path, catalogues: None
) -> None:
    staff = make_user("staff", username="registrar", rights=(Right.REVIEW_APPLICATIONS,))
    expert_user = make_user("expert", username="lin")
    expert = create(staff, user=expert_user)
    services.change_request_submit(actor=expert_user, expert=expert, changes={}, mobile=NEW_MOBILE)
    call_command("demo_seed", stdout=io.StringIO())  # forty more experts
    secrets = [NEW_MOBILE]
    for token_pair in Expert.objects.values_list("id_number_token", "mobile_token"):
        secrets += [crypto.decrypt(token) for token in token_pair if token]
    # Forty demo experts or more (other apps' demos may add some), each with two numbers.
    assert ID_NUMBER in secrets and MOBILE in secrets and len(secrets) >= 1 + 2 * 41

    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    assert_absent(out.getvalue().encode(), *secrets)
    assert mask_id_number(ID_NUMBER) in out.getvalue()  # the masked form is there

    if connection.vendor == "sqlite":
        copy = tmp_path / "copy.sqlite3"
        target = sqlite3.connect(copy)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        blob = copy.read_bytes()
        assert "林质安".encode() in blob  # the copy does hold the data
        assert_absent(blob, *secrets)


@pytest.mark.parametrize("prefix", [b"", b"a", b"ab", b"abc"])
def test_leak_detector_finds_a_number_hidden_in_base64_or_hex(prefix: bytes) -> None:
    for encoded in (
        base64.b64encode(prefix + ID_NUMBER.encode()),
        base64.urlsafe_b64encode(prefix + ID_NUMBER.encode() + b"tail"),
        binascii.hexlify(prefix + ID_NUMBER.encode()),
    ):
        with pytest.raises(AssertionError):
            assert_absent(b"{" + encoded + b"}", ID_NUMBER)


@pytest.mark.django_db
def test_same_identity_number_twice_is_refused(make_user: Callable[..., Any]) -> None:
    staff = make_user("staff", username="registrar", rights=(Right.REVIEW_APPLICATIONS,))
    create(staff)
    with pytest.raises(services.ExpertError, match="已登记"):
        create(staff, mobile="13900000000")
    # Spaces and a lower-case x do not make it another number.
    spaced = " ".join([ID_NUMBER[:6], ID_NUMBER[6:14], ID_NUMBER[14:].lower()])
    with pytest.raises(services.ExpertError, match="已登记"):
        create(staff, id_number=spaced)


@pytest.mark.django_db
def test_reveal_needs_the_right_and_is_audited(make_user: Callable[..., Any]) -> None:
    staff = make_user("staff", username="registrar", rights=(Right.REVIEW_APPLICATIONS,))
    revealer = make_user("staff", username="revealer", rights=(Right.REVEAL_PERSONAL_DATA,))
    expert = create(staff)
    with pytest.raises(AccessDenied, match="权限"):
        services.expert_identity_reveal(actor=staff, expert=expert)
    assert services.expert_identity_reveal(actor=revealer, expert=expert) == ID_NUMBER
    assert services.expert_mobile_reveal(actor=revealer, expert=expert) == MOBILE
    actions = list(AuditEntry.objects.filter(actor=revealer).values_list("action", flat=True))
    assert sorted(actions) == ["experts.identity.revealed", "experts.mobile.revealed"]


@pytest.mark.django_db
def test_audit_trail_holds_only_masked_numbers(make_user: Callable[..., Any]) -> None:
    staff = make_user("staff", username="registrar", rights=(Right.REVIEW_APPLICATIONS,))
    expert = create(staff)
    services.expert_update(actor=staff, expert=expert, profile={}, mobile=NEW_MOBILE)
    entry = AuditEntry.objects.filter(action="experts.expert.updated").get()
    assert entry.changes["mobile"] == ["138****5678", "136****5432"]


@pytest.mark.django_db
def test_key_rotation_keeps_values_readable(make_user: Callable[..., Any], settings: Any) -> None:
    staff = make_user("staff", username="registrar", rights=(Right.REVIEW_APPLICATIONS,))
    expert = create(staff)
    old_key = settings.ZHIKU_FIELD_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.ZHIKU_FIELD_KEYS = [new_key, old_key]
    assert services.protected_data_rotate() == 1
    settings.ZHIKU_FIELD_KEYS = [new_key]
    expert.refresh_from_db()
    assert crypto.decrypt(expert.id_number_token) == ID_NUMBER
    assert crypto.decrypt(expert.mobile_token) == MOBILE


def test_missing_keys_stop_production_start_naming_the_variable(settings: Any) -> None:
    from zhiku.env import ConfigError

    settings.ZHIKU_FIELD_KEYS = []
    with pytest.raises(ConfigError, match="ZHIKU_FIELD_KEYS"):
        crypto.check_configuration()
    settings.ZHIKU_FIELD_KEYS = ["not-a-key"]
    with pytest.raises(ConfigError, match="ZHIKU_FIELD_KEYS"):
        crypto.check_configuration()
    settings.ZHIKU_FIELD_KEYS = [Fernet.generate_key().decode()]
    settings.ZHIKU_LOOKUP_HASH_KEY = "short"
    with pytest.raises(ConfigError, match="ZHIKU_LOOKUP_HASH_KEY"):
        crypto.check_configuration()

"""An invitation's code while its number is not yet known fits its column on every database."""

from __future__ import annotations

from zhiku.activities.models import Invitation
from zhiku.activities.services.links import new_nonce
from zhiku.activities.services.sending import placeholder_code


def test_the_placeholder_code_fits_the_column_postgresql_enforces() -> None:
    """PostgreSQL refused the 40-character "pending-<nonce>" (a 500 when a round invited its
    candidates); SQLite had stored it."""
    code = placeholder_code(new_nonce())
    column = Invitation._meta.get_field("code").max_length
    assert column is not None and len(code) <= column
    assert code.startswith("pending-") and code != placeholder_code(new_nonce())

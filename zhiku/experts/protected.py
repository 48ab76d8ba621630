"""How a protected number is stored: normalised, then as a token, a lookup hash and a mask.

One place for the three columns, used by the services, the import, the data migration that
normalises older rows, and the test factories, so they cannot drift apart.

Identity numbers are masked to their first and last character (``4****************X``). The
profile shows the full birth date and the gender to every member of staff; with the former
mask (``440***********1234``) those left only the county digits unknown, about 90 candidates a
few guesses could test. Now the area code, the serial number and most of the province are
hidden: tens of thousands of candidates for any one person.
"""

from __future__ import annotations

from typing import Any

from zhiku.core.masking import mask
from zhiku.experts import crypto


def mask_id_number(number: str) -> str:
    """Return an identity number with all but its first and last character hidden."""
    return mask(number, keep_start=1, keep_end=1)


def remask_id_number(shown: str) -> str:
    """Return a stored or displayed identity number (clear or with the former mask) in the
    current mask: the first and last character survive every mask used so far."""
    return mask_id_number(shown) if shown else ""


def mask_mobile(number: str) -> str:
    return mask(number)


def id_number_columns(normalized: str) -> dict[str, Any]:
    """Return the token, lookup hash and mask of an already normalised identity number."""
    return {
        "id_number_token": crypto.encrypt(normalized),
        "id_number_hash": crypto.lookup_hash(normalized, purpose=crypto.ID_HASH_PURPOSE),
        "id_number_masked": mask_id_number(normalized),
    }


def mobile_columns(normalized: str) -> dict[str, Any]:
    """Return the token, lookup hash and mask of an already normalised mobile (or empties)."""
    return {
        "mobile_token": crypto.encrypt(normalized),
        "mobile_hash": crypto.lookup_hash(normalized, purpose=crypto.MOBILE_HASH_PURPOSE),
        "mobile_masked": mask_mobile(normalized),
    }

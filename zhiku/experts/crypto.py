"""Encryption at rest and keyed lookup hashes for protected personal data (art. 20).

Values are stored as Fernet tokens in ordinary text columns and decrypted only on purpose
(a reveal, a confirmed change), never by a model field: a ``dumpdata`` or a backup then holds
ciphertext only. Beside each token a keyed hash (HMAC-SHA256) finds duplicates without
decrypting; without the hash key nobody can test guessed numbers against it.

The keys and the primitives live in :mod:`zhiku.core.crypto` (uploaded files use the same
keys); this module keeps the registry's names for them and what each lookup hash is of.
"""

from __future__ import annotations

from zhiku.core.crypto import (
    FIELD_KEYS_VAR,
    HASH_KEY_VAR,
    MIN_HASH_KEY_LENGTH,
    DecryptionFailed,
    check_configuration,
    decrypt,
    encrypt,
    lookup_hash,
    lookup_hashes,
    rotate,
)

__all__ = [
    "FIELD_KEYS_VAR",
    "HASH_KEY_VAR",
    "ID_HASH_PURPOSE",
    "MIN_HASH_KEY_LENGTH",
    "MOBILE_HASH_PURPOSE",
    "DecryptionFailed",
    "check_configuration",
    "decrypt",
    "encrypt",
    "lookup_hash",
    "lookup_hashes",
    "rotate",
]

# What each lookup hash is of: the same digits as an identity and as a mobile number must not
# hash alike.
ID_HASH_PURPOSE = "id_number"
MOBILE_HASH_PURPOSE = "mobile"

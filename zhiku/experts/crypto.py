"""Encryption at rest and keyed lookup hashes for protected personal data (art. 20).

Values are stored as Fernet tokens in ordinary text columns and decrypted only on purpose
(a reveal, a confirmed change), never by a model field: a ``dumpdata`` or a backup then holds
ciphertext only. Beside each token a keyed hash (HMAC-SHA256) finds duplicates without
decrypting; without the hash key nobody can test guessed numbers against it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from zhiku.env import ConfigError

FIELD_KEYS_VAR = "ZHIKU_FIELD_KEYS"
HASH_KEY_VAR = "ZHIKU_LOOKUP_HASH_KEY"
MIN_HASH_KEY_LENGTH = 32


class DecryptionFailed(Exception):
    """A stored token cannot be decrypted with any configured key."""


def check_configuration() -> None:
    """Raise ConfigError naming the variable when a key is missing or malformed."""
    keys = list(getattr(settings, FIELD_KEYS_VAR, []) or [])
    if not keys:
        raise ConfigError(
            f"环境变量 {FIELD_KEYS_VAR} 未设置：生产环境必须提供至少一个 Fernet 密钥"
            '（多个以逗号分隔，第一个用于加密）。可用 python -c "from cryptography.fernet '
            'import Fernet; print(Fernet.generate_key().decode())" 生成。'
        )
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ConfigError(
                f"环境变量 {FIELD_KEYS_VAR} 的第 {position} 个密钥不是有效的 Fernet 密钥"
                "（应为 32 字节的 URL 安全 Base64 编码）。"
            )
    hash_key = getattr(settings, HASH_KEY_VAR, "") or ""
    if len(hash_key) < MIN_HASH_KEY_LENGTH:
        raise ConfigError(
            f"环境变量 {HASH_KEY_VAR} 未设置或太短：生产环境必须提供至少 "
            f"{MIN_HASH_KEY_LENGTH} 个字符的查重密钥（与 {FIELD_KEYS_VAR} 不同）。"
        )


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode("ascii")) for k in keys])


def _fernet() -> MultiFernet:
    return _multi_fernet(tuple(settings.ZHIKU_FIELD_KEYS))


def encrypt(plaintext: str) -> str:
    """Return a token for ``plaintext`` under the first (current) key; empty stays empty."""
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Return the plaintext of ``token`` under any configured key."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DecryptionFailed("无法解密：配置的密钥中没有能解开该数据的密钥。") from None


def rotate(token: str) -> str:
    """Return ``token`` re-encrypted under the current key (unchanged plaintext)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DecryptionFailed("无法轮换：配置的密钥中没有能解开该数据的密钥。") from None


def lookup_hash(normalized: str, *, purpose: str) -> str:
    """Return the keyed hash of an already normalised value; ``purpose`` keeps kinds apart."""
    if not normalized:
        return ""
    key = settings.ZHIKU_LOOKUP_HASH_KEY.encode("utf-8")
    message = f"{purpose}:{normalized}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()

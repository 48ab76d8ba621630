"""Encryption at rest and keyed lookup hashes, with the keys of ``ZHIKU_FIELD_KEYS``.

One key set protects everything stored encrypted: the registry's identity and mobile numbers
(short text tokens) and uploaded files (chunked, see :func:`encrypt_chunks`). ``MultiFernet``:
the first key encrypts, every key decrypts, so a new key is put first and old data rotated.
Beside an encrypted value, a keyed hash (HMAC-SHA256 with ``ZHIKU_LOOKUP_HASH_KEY``) finds
duplicates without decrypting; without the hash key nobody can test guessed values against it.
The hash key rotates the same way: the setting is a list, the first key hashes what is stored,
every key is tried by a lookup (:func:`lookup_hashes`) until ``experts_rotate_keys`` has
recomputed every stored hash with the first one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import BinaryIO

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from zhiku.env import ConfigError

FIELD_KEYS_VAR = "ZHIKU_FIELD_KEYS"
HASH_KEY_VAR = "ZHIKU_LOOKUP_HASH_KEY"
MIN_HASH_KEY_LENGTH = 32

# An encrypted file: this header, then chunks, each a 4-byte big-endian length and the raw
# (not base64) bytes of one Fernet token. A chunk's plaintext starts with the file's 16-byte
# id, the chunk's index and whether it is the last one, so chunks cannot be swapped between
# files, reordered or cut off without decryption failing.
FILE_MAGIC = b"ZKF1"
CHUNK_SIZE = 64 * 1024
_CHUNK_HEAD = struct.Struct(">16sI?")
_LENGTH = struct.Struct(">I")


class DecryptionFailed(Exception):
    """Stored data cannot be decrypted with any configured key, or was altered."""


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
    hash_keys = hash_keys_configured()
    if not hash_keys or any(len(k) < MIN_HASH_KEY_LENGTH for k in hash_keys):
        raise ConfigError(
            f"环境变量 {HASH_KEY_VAR} 未设置或太短：生产环境必须提供至少 "
            f"{MIN_HASH_KEY_LENGTH} 个字符的查重密钥（与 {FIELD_KEYS_VAR} 不同；"
            "轮换时多个以逗号分隔，第一个用于新计算的哈希）。"
        )


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode("ascii")) for k in keys])


def _fernet() -> MultiFernet:
    return _multi_fernet(tuple(settings.ZHIKU_FIELD_KEYS))


# --- short values (text columns) ---------------------------------------------------------


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


def hash_keys_configured() -> list[str]:
    """The lookup-hash keys, newest first (the setting is a list; a single string is one key,
    or several separated by commas as in the environment variable)."""
    raw = getattr(settings, HASH_KEY_VAR, "") or ""
    keys = raw.split(",") if isinstance(raw, str) else [str(k) for k in raw]
    return [k.strip() for k in keys if k.strip()]


def _hmac(key: str, normalized: str, purpose: str) -> str:
    message = f"{purpose}:{normalized}".encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def lookup_hash(normalized: str, *, purpose: str) -> str:
    """Return the keyed hash of an already normalised value under the newest key (what is
    stored); ``purpose`` keeps kinds apart."""
    if not normalized:
        return ""
    return _hmac(hash_keys_configured()[0], normalized, purpose)


def lookup_hashes(normalized: str, *, purpose: str) -> list[str]:
    """Return the value's hash under every configured key, newest first: what a lookup must
    try while stored hashes are being moved to a new key."""
    if not normalized:
        return []
    return [_hmac(key, normalized, purpose) for key in hash_keys_configured()]


def is_current_hash(stored: str, normalized: str, *, purpose: str) -> bool:
    """Whether ``stored`` is the newest key's hash of ``normalized``."""
    return bool(stored) and stored == lookup_hash(normalized, purpose=purpose)


# --- files (streams of chunks) -----------------------------------------------------------


def _rechunk(data: Iterable[bytes], size: int) -> Iterator[bytes]:
    buffer = bytearray()
    for piece in data:
        buffer += piece
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    yield bytes(buffer)  # the last chunk, possibly empty


def encrypt_chunks(data: Iterable[bytes], *, file_id: bytes) -> Iterator[bytes]:
    """Yield the encrypted form of the bytes ``data`` yields, bound to the 16-byte ``file_id``."""
    if len(file_id) != 16:
        raise ValueError("file_id must be 16 bytes")
    fernet = _fernet()
    yield FILE_MAGIC
    chunks = _rechunk(data, CHUNK_SIZE)
    current = next(chunks)
    index = 0
    for following in chunks:
        yield _sealed(fernet, file_id, index, False, current)
        current, index = following, index + 1
    yield _sealed(fernet, file_id, index, True, current)


def _sealed(fernet: MultiFernet, file_id: bytes, index: int, last: bool, chunk: bytes) -> bytes:
    token = fernet.encrypt(_CHUNK_HEAD.pack(file_id, index, last) + chunk)
    raw = base64.urlsafe_b64decode(token)
    return _LENGTH.pack(len(raw)) + raw


def _tokens(stream: BinaryIO) -> Iterator[bytes]:
    if stream.read(len(FILE_MAGIC)) != FILE_MAGIC:
        raise DecryptionFailed("文件不是本系统加密保存的格式。")
    while True:
        head = stream.read(_LENGTH.size)
        if not head:
            return
        if len(head) != _LENGTH.size:
            raise DecryptionFailed("加密文件不完整。")
        (length,) = _LENGTH.unpack(head)
        raw = stream.read(length)
        if len(raw) != length:
            raise DecryptionFailed("加密文件不完整。")
        yield base64.urlsafe_b64encode(raw)


def decrypt_chunks(stream: BinaryIO, *, file_id: bytes) -> Iterator[bytes]:
    """Yield the plaintext of an encrypted file chunk by chunk (never the whole file at once)."""
    fernet = _fernet()
    expected, finished = 0, False
    for token in _tokens(stream):
        if finished:
            raise DecryptionFailed("加密文件在结尾之后还有数据。")
        try:
            plain = fernet.decrypt(token)
        except InvalidToken:
            raise DecryptionFailed("无法解密：密钥不符或文件已被改动。") from None
        owner, index, last = _CHUNK_HEAD.unpack_from(plain)
        if owner != file_id or index != expected:
            raise DecryptionFailed("加密文件的分块顺序或归属不符：文件已被改动。")
        expected, finished = expected + 1, last
        yield plain[_CHUNK_HEAD.size :]
    if not finished:
        raise DecryptionFailed("加密文件被截断。")


def rotate_chunks(stream: BinaryIO) -> Iterator[bytes]:
    """Yield an encrypted file re-encrypted under the current key (plaintext unchanged)."""
    fernet = _fernet()
    yield FILE_MAGIC
    for token in _tokens(stream):
        try:
            rotated = fernet.rotate(token)
        except InvalidToken:
            raise DecryptionFailed("无法轮换：配置的密钥中没有能解开该文件的密钥。") from None
        raw = base64.urlsafe_b64decode(rotated)
        yield _LENGTH.pack(len(raw)) + raw

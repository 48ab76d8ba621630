"""Files the site keeps, through Django's storage API: local disk by default, S3 when configured.

An application server keeps no state of its own, so a second one can serve beside it against
the same database: every file people upload or the site generates is written and read through
one of two storages (``settings.STORAGES``), never through a path:

- ``uploads`` (:data:`UPLOADS`): uploaded documents, encrypted (``core.StoredFile``). Locally
  ``ZHIKU_UPLOAD_ROOT``.
- ``default`` (:data:`WORKING`): working and generated files that are never served directly —
  rosters being imported and their marked error files. Locally ``MEDIA_ROOT``.

Locally both are :class:`PrivateFileSystemStorage`: files readable by the site's user only,
each written whole or not at all (a temporary name, flushed to disk, then renamed), so a
crash never leaves half a file under a real name. With ``ZHIKU_STORAGE=s3`` both are
``storages.backends.s3.S3Storage`` on one bucket under two prefixes (``zhiku/settings.py``);
an S3 write is whole or not at all by itself.

Files holding personal data are encrypted at rest with the keys of ``ZHIKU_FIELD_KEYS``
(:func:`write_encrypted`, :func:`read_decrypted`; ``zhiku.core.crypto``), each bound to a 16-byte
id (a UUID the caller keeps, usually in the name), so a file cannot be swapped for another;
``experts_rotate_keys`` re-encrypts them (:func:`rotate_encrypted`).

Names are relative, with forward slashes. Nothing here decides who may read a file: callers
check their own rule first.
"""

from __future__ import annotations

import io
import os
import posixpath
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property

from zhiku.core import crypto

UPLOADS = "uploads"
WORKING = "default"
# Every storage alias whose files belong to the site's data (what a backup carries).
DATA_STORAGES = (UPLOADS, WORKING)
CHUNK = 64 * 1024
# A file being written locally lies under this prefix until it is renamed into place.
TEMPORARY_PREFIX = ".writing-"


def storage(alias: str) -> Storage:
    """Return the storage configured under ``alias`` (:data:`UPLOADS` or :data:`WORKING`)."""
    return storages[alias]


def _store(where: str | Storage) -> Storage:
    return storage(where) if isinstance(where, str) else where


class PrivateFileSystemStorage(FileSystemStorage):
    """Local files for the site's user alone, each written whole or not at all.

    Files are 0600 in 0700 directories. A write goes to a temporary name in the same directory,
    is flushed to disk and renamed over the name (an existing file is replaced, as on S3), so a
    reader sees the old file or the new one, never a part.
    """

    def __init__(self, location: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        kwargs["allow_overwrite"] = True
        super().__init__(location, **kwargs)

    def _save(self, name: str, content: File) -> str:
        full = Path(self.path(name))
        full.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = full.with_name(f"{TEMPORARY_PREFIX}{uuid.uuid4().hex}-{full.name}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, full)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return Path(os.path.relpath(full, self.location)).as_posix()


class UploadFileSystemStorage(PrivateFileSystemStorage):
    """The encrypted uploads, under ``ZHIKU_UPLOAD_ROOT`` (outside anything a web server serves)."""

    @cached_property
    def base_location(self) -> str:
        location = getattr(self, "_location", None)  # as given in STORAGES' OPTIONS
        return str(self._value_or_setting(location, settings.ZHIKU_UPLOAD_ROOT))

    def _clear_cached_properties(self, setting: Any, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "ZHIKU_UPLOAD_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


class _ChunkReader(io.RawIOBase):
    """A read-only, unseekable file over an iterator of byte strings."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class _ChunkFile(File):
    """What ``Storage.save`` takes, streaming ``chunks`` once, in order."""

    def __init__(self, chunks: Iterable[bytes], name: str) -> None:
        self._reader = io.BufferedReader(_ChunkReader(chunks), CHUNK)
        super().__init__(self._reader, name=name)

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        while data := self._reader.read(chunk_size or CHUNK):
            yield data

    def seekable(self) -> bool:
        return False


def write(where: str | Storage, name: str, chunks: Iterable[bytes]) -> None:
    """Store the bytes ``chunks`` yields under exactly ``name``, replacing a file of that name.

    Streamed: only a chunk at a time is in memory. Whole or not at all: on failure nothing
    new is left under ``name``.
    """
    store = _store(where)
    saved = store.save(name, _ChunkFile(chunks, name))
    if saved != name:  # a storage that renames instead of replacing: not one of ours
        store.delete(saved)
        raise RuntimeError(f"storage saved {name!r} as {saved!r}")


def write_from(where: str | Storage, name: str, source: Path) -> None:
    """Store the local file ``source`` under ``name`` (see :func:`write`)."""
    with source.open("rb") as handle:
        write(where, name, iter(lambda: handle.read(CHUNK), b""))


@contextmanager
def opened(where: str | Storage, name: str) -> Iterator[IO[bytes]]:
    """Open a stored file for reading (raises FileNotFoundError when there is none)."""
    handle = _store(where).open(name, "rb")
    try:
        yield handle
    finally:
        handle.close()


def read(where: str | Storage, name: str) -> Iterator[bytes]:
    """Yield the bytes of a stored file a chunk at a time."""
    with opened(where, name) as handle:
        while data := handle.read(CHUNK):
            yield data


def exists(where: str | Storage, name: str) -> bool:
    return bool(name) and _store(where).exists(name)


def delete(where: str | Storage, name: str) -> None:
    """Delete a stored file; a missing one is not an error."""
    if name:
        _store(where).delete(name)


@contextmanager
def local_path(where: str | Storage, name: str, *, suffix: str = "") -> Iterator[Path]:
    """Give a path on this machine holding a stored file, for readers that need one.

    Local storage gives its own path; a remote store's file is copied to a private temporary
    file, deleted afterwards.
    """
    store = _store(where)
    try:
        path = Path(store.path(name))
    except NotImplementedError:
        pass
    else:
        if not path.is_file():
            raise FileNotFoundError(name)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="zhiku-") as folder:
        copy = Path(folder) / f"copy{suffix}"
        with opened(store, name) as handle, copy.open("wb") as out:
            while data := handle.read(CHUNK):
                out.write(data)
        yield copy


@contextmanager
def scratch(*, suffix: str = "") -> Iterator[Path]:
    """Give a private temporary path on this machine (to build a file, then :func:`write_from`)."""
    with tempfile.TemporaryDirectory(prefix="zhiku-") as folder:
        yield Path(folder) / f"scratch{suffix}"


def walk(where: str | Storage, top: str = "", *, unfinished: bool = False) -> Iterator[str]:
    """Yield the name of every file in a storage, in a stable order.

    Files still being written (or left by a write that never finished) are skipped unless
    ``unfinished`` is true.
    """
    store = _store(where)
    try:
        directories, names = store.listdir(top)
    except FileNotFoundError:
        return
    for name in sorted(names):
        if unfinished or not name.startswith(TEMPORARY_PREFIX):
            yield posixpath.join(top, name) if top else name
    for directory in sorted(directories):
        yield from walk(
            store, posixpath.join(top, directory) if top else directory, unfinished=unfinished
        )


# --- encrypted files -----------------------------------------------------------------------


def write_encrypted(
    where: str | Storage, name: str, chunks: Iterable[bytes], *, file_id: bytes
) -> None:
    """Store the bytes ``chunks`` yields encrypted under the current key (see :func:`write`)."""
    write(where, name, crypto.encrypt_chunks(chunks, file_id=file_id))


def read_decrypted(where: str | Storage, name: str, *, file_id: bytes) -> Iterator[bytes]:
    """Yield the plaintext of an encrypted stored file a chunk at a time.

    Raises ``crypto.DecryptionFailed`` when the file was altered, cut short, is another
    file's, or no configured key opens it.
    """
    with opened(where, name) as handle:
        yield from crypto.decrypt_chunks(cast(BinaryIO, handle), file_id=file_id)


@contextmanager
def decrypted_copy(
    where: str | Storage, name: str, *, file_id: bytes, suffix: str = ""
) -> Iterator[Path]:
    """Give a private temporary path on this machine holding a stored file's plaintext, for
    readers that need a path (openpyxl); deleted afterwards."""
    with scratch(suffix=suffix) as path:
        with path.open("wb") as out:
            for chunk in read_decrypted(where, name, file_id=file_id):
                out.write(chunk)
        yield path


def rotate_encrypted(where: str | Storage, name: str) -> None:
    """Re-encrypt a stored file under the current key, in place (plaintext unchanged).

    Whole or not at all, like every write: interrupted, the file stays under its old key.
    """
    with opened(where, name) as handle:
        write(where, name, crypto.rotate_chunks(cast(BinaryIO, handle)))


def older_than(where: str | Storage, name: str, cutoff: datetime) -> bool:
    """Return whether a stored file was last written before ``cutoff`` (an aware datetime)."""
    return bool(_store(where).get_modified_time(name) < cutoff)

"""A backup of the whole site in one archive: the database and every file the site keeps.

The archive is a tar file (written under a temporary name and renamed, mode 0600):

- ``db/<app_label>.<model_name>.jsonl.gz`` for every table of every installed model
  (``apps.get_models(include_auto_created=True)``, so core names no app): one JSON array per row,
  the columns the manifest lists, in primary-key order. Database-neutral: dates and times as
  ISO 8601, decimals and UUIDs as strings, JSON columns as JSON. Streamed a chunk of rows at a
  time, so memory stays bounded whatever the size of the tables.
- ``files/<storage>/<name>`` for every file of the storages that hold the site's data
  (:data:`zhiku.core.files.DATA_STORAGES`), read through Django's storage API.
- ``manifest.json``, last: the format, the Zhiku version and commit, when, the source database's
  vendor, the applied migrations, fingerprints of the keys (never the keys), and each member's
  size and SHA-256.

The keys (``ZHIKU_SECRET_KEY``, ``ZHIKU_FIELD_KEYS``, ``ZHIKU_LOOKUP_HASH_KEY``) are not in the
archive: without them the protected values and uploaded files in it cannot be read, and they
must be kept apart from it (``docs/backup.md``).

Consistency: every table is read in one transaction (REPEATABLE READ, read only, on PostgreSQL;
one read transaction on SQLite), and the files are copied while it is open.

Restoring is ``zhiku.core.restore``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
import tempfile
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from zhiku.core import files
from zhiku.core.audit import log_action
from zhiku.core.errors import DomainError

FORMAT = "zhiku-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES = "db/"
FILES = "files/"
ROWS_PER_CHUNK = 2000
READ_SIZE = 1024 * 1024


class BackupRefused(DomainError):
    """A backup that cannot be made, or an archive that cannot be restored here, and why."""


# --- what is backed up -------------------------------------------------------------------------


def backed_up_models() -> list[type[models.Model]]:
    """Every model with a table of its own, in a stable order (through tables included)."""
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]
    for model in found:
        if model._meta.parents:  # multi-table inheritance: rows span tables; not supported
            raise BackupRefused(
                f"模型 {model._meta.label} 使用多表继承，备份不支持：请在 zhiku/core/backup.py 中处理。"
            )
    return sorted(found, key=lambda m: m._meta.label_lower)


def columns_of(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return list(model._meta.local_concrete_fields)


def _member_name(model: type[models.Model]) -> str:
    return f"{TABLES}{model._meta.label_lower}.jsonl.gz"


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        raise TypeError("binary columns are not backed up")
    return value


def _fingerprint(key: str) -> str:
    """A short, one-way name for a key: tells whether two installations hold the same key."""
    return hashlib.sha256(f"zhiku-key-fingerprint:{key}".encode()).hexdigest()[:16]


def _keys(setting: str) -> list[str]:
    raw = getattr(settings, setting, "") or ""
    keys = raw.split(",") if isinstance(raw, str) else [str(k) for k in raw]
    return [k.strip() for k in keys if k.strip()]


def key_fingerprints() -> dict[str, list[str]]:
    return {
        "ZHIKU_FIELD_KEYS": [_fingerprint(k) for k in _keys("ZHIKU_FIELD_KEYS")],
        "ZHIKU_LOOKUP_HASH_KEY": [_fingerprint(k) for k in _keys("ZHIKU_LOOKUP_HASH_KEY")],
    }


def applied_migrations() -> list[list[str]]:
    """The migrations recorded as applied in this database, sorted, as [app, name] pairs."""
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def zhiku_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


def zhiku_commit() -> str:
    """The commit the code runs from: ``ZHIKU_COMMIT`` when the deployment sets it, else git's."""
    if os.environ.get("ZHIKU_COMMIT"):
        return os.environ["ZHIKU_COMMIT"]
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, like any administrator's
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


# --- summary -----------------------------------------------------------------------------------


@dataclass
class Summary:
    """What an archive holds: rows per model, files per storage, bytes."""

    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    file_bytes: int = 0
    archive_bytes: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_files(self) -> int:
        return sum(self.files.values())

    def lines(self) -> list[str]:
        out = [f"  {label}: {count} 行" for label, count in sorted(self.rows.items()) if count]
        out.append(f"共 {self.total_rows} 行（{len(self.rows)} 个数据表）")
        for alias, count in sorted(self.files.items()):
            out.append(f"存储 {alias}：{count} 个文件")
        out.append(f"文件共 {self.total_files} 个，{self.file_bytes} 字节")
        if self.archive_bytes:
            out.append(f"备份文件 {self.archive_bytes} 字节")
        out.extend(f"注意：{w}" for w in self.warnings)
        return out


# --- making a backup ---------------------------------------------------------------------------


@contextmanager
def _snapshot() -> Iterator[None]:
    """Read everything inside one transaction that sees one state of the database.

    Inside a caller's transaction (a test's), that transaction is the snapshot.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # A deferred BEGIN: a read transaction that does not hold the write lock (the site's
        # transactions are IMMEDIATE), so the site keeps working while the backup runs.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    raise BackupRefused(
        f"不支持的数据库类型 {connection.vendor}：备份仅支持 PostgreSQL 和 SQLite。"
    )


class _HashingReader(io.RawIOBase):
    """Reads through ``source`` while hashing; ``tarfile`` copies exactly the declared size."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self.digest = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        self.digest.update(data)
        self.count += len(data)
        buffer[: len(data)] = data
        return len(data)


def _add(archive: tarfile.TarFile, name: str, source: IO[bytes], size: int) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    reader = _HashingReader(source)
    archive.addfile(info, io.BufferedReader(reader, READ_SIZE))
    if reader.count != size:
        raise BackupRefused(f"{name} 在读取时改变了大小（{size} → {reader.count} 字节），请重试。")
    return {"name": name, "size": size, "sha256": reader.digest.hexdigest()}


def _dump_table(model: type[models.Model], out: IO[bytes]) -> int:
    columns = columns_of(model)
    rows = 0
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as packed:
        queryset = (
            model._base_manager.order_by(model._meta.pk.attname)
            .values_list(*(c.attname for c in columns))
            .iterator(chunk_size=ROWS_PER_CHUNK)
        )
        for row in queryset:
            line = json.dumps([_encode(v) for v in row], ensure_ascii=False, separators=(",", ":"))
            packed.write(line.encode("utf-8") + b"\n")
            rows += 1
    return rows


def _referenced_files_missing(copied: set[str]) -> list[str]:
    """Uploaded files a row points at but the storage did not hold (deleted meanwhile?)."""
    from zhiku.core.models import StoredFile

    missing = []
    for stored in StoredFile.objects.order_by("pk").iterator(chunk_size=ROWS_PER_CHUNK):
        if getattr(stored, "removed_at", None) or getattr(stored, "removed", False):
            continue  # its bytes were deleted on purpose (a retention rule)
        if f"{FILES}{files.UPLOADS}/{stored.relative_path}" not in copied:
            missing.append(str(stored.pk))
    return missing


def backup_create(*, path: Path, actor_label: str = "") -> Summary:
    """Write one archive of the database and every file the site keeps to ``path``.

    ``path`` must not exist; the archive appears under it only when complete. An audit entry
    records the backup (after the snapshot: it is not in the archive).
    """
    path = Path(path)
    if path.exists():
        raise BackupRefused(f"{path} 已存在：请指定新的文件名，备份不会覆盖已有文件。")
    if not path.parent.is_dir():
        raise BackupRefused(f"目录 {path.parent} 不存在。")
    summary = Summary()
    members: list[dict[str, Any]] = []
    tables: list[dict[str, Any]] = []
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as archive:
            with _snapshot():
                created = timezone.now()
                migrations = applied_migrations()
                for model in backed_up_models():
                    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
                        rows = _dump_table(model, spool)
                        size = spool.tell()
                        spool.seek(0)
                        member = _add(archive, _member_name(model), spool, size)
                    label = model._meta.label_lower
                    members.append(member)
                    tables.append(
                        {
                            "model": label,
                            "table": model._meta.db_table,
                            "member": member["name"],
                            "columns": [c.attname for c in columns_of(model)],
                            "rows": rows,
                        }
                    )
                    summary.rows[label] = rows
                copied: set[str] = set()
                for alias in files.DATA_STORAGES:
                    store = files.storage(alias)
                    summary.files[alias] = 0
                    for name in files.walk(store):
                        member_name = f"{FILES}{alias}/{name}"
                        with files.opened(store, name) as handle:
                            size = store.size(name)
                            member = _add(archive, member_name, handle, size)
                        members.append({**member, "storage": alias, "file": name})
                        copied.add(member_name)
                        summary.files[alias] += 1
                        summary.file_bytes += size
                missing = _referenced_files_missing(copied)
                if missing:
                    summary.warnings.append(
                        f"{len(missing)} 个上传文件有记录而存储中没有（{', '.join(missing[:5])}…），"
                        "恢复后这些文件无法打开。"
                    )
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "zhiku_version": zhiku_version(),
                "commit": zhiku_commit(),
                "created_at": created.isoformat(),
                "database": {"vendor": connection.vendor},
                "migrations": migrations,
                "keys": key_fingerprints(),
                "tables": tables,
                "members": members,
                "missing_files": missing,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            _add(archive, MANIFEST, io.BytesIO(data), len(data))
            archive.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    summary.archive_bytes = path.stat().st_size
    log_action(
        "core.backup.made",
        actor_label=actor_label,
        data={
            "file": path.name,
            "rows": summary.total_rows,
            "files": summary.total_files,
            "bytes": summary.archive_bytes,
            "manifest_sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    return summary

"""Restoring a backup (``zhiku.core.backup``) into an empty installation, after checking it whole.

Nothing is written until everything is checked: the archive is a Zhiku backup of this format,
every member the manifest lists is there, whole and with its hash, no member is unlisted, the
installation's migrations are the archive's, its keys include the archive's (by fingerprint),
and it is empty (no account, no audit entry, no file). Then, in one transaction, the rows
``migrate`` itself wrote (content types, permissions, catalogues) are replaced by the archive's,
every table is loaded as it was (primary keys kept), sequences are reset (PostgreSQL), foreign
keys checked, the files written and the restore entry appended to the audit chain the archive
brought. Files written are removed again if anything fails.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import posixpath
import tarfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader

from zhiku.core import files
from zhiku.core.audit import log_action
from zhiku.core.backup import (
    FILES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    READ_SIZE,
    ROWS_PER_CHUNK,
    TABLES,
    BackupRefused,
    Summary,
    applied_migrations,
    backed_up_models,
    columns_of,
    key_fingerprints,
)


def _decode(column: models.Field[Any, Any], value: Any) -> Any:
    if value is None or isinstance(column, models.JSONField):
        return value
    return column.to_python(value)


def _damaged(path: Path, why: str) -> BackupRefused:
    return BackupRefused(f"备份文件 {path.name} 已损坏或不完整，未恢复任何数据：{why}")


@contextmanager
def _opened(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        archive = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed below, after the checks
    except FileNotFoundError:
        raise BackupRefused(f"找不到备份文件 {path}。") from None
    except IsADirectoryError:
        raise BackupRefused(f"{path} 是目录，不是备份文件。") from None
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupRefused(
            f"{path.name} 不是可读取的智库备份（不是 tar 归档，或已截断、损坏）：{error}"
        ) from None
    try:
        yield archive
    finally:
        archive.close()


def _read_member(archive: tarfile.TarFile, info: tarfile.TarInfo) -> IO[bytes]:
    handle = archive.extractfile(info)
    if handle is None:
        raise BackupRefused(f"归档成员 {info.name} 不是普通文件。")
    return handle


def _members(path: Path, archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    try:
        infos = archive.getmembers()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise _damaged(path, f"归档目录无法读取（{error}）") from None
    return {info.name: info for info in infos}


def _manifest(path: Path, archive: tarfile.TarFile, infos: dict[str, tarfile.TarInfo]) -> Any:
    if MANIFEST not in infos:
        if any(name.startswith((TABLES, FILES)) for name in infos):
            raise _damaged(path, f"缺少清单 {MANIFEST}（归档被截断？）")
        raise BackupRefused(f"{path.name} 不是智库备份：归档中没有清单 {MANIFEST}。")
    try:
        with _read_member(archive, infos[MANIFEST]) as handle:
            manifest = json.loads(handle.read().decode("utf-8"))
    except (tarfile.TarError, EOFError, OSError) as error:
        raise _damaged(path, f"清单无法读取（{error}）") from None
    except (UnicodeDecodeError, ValueError):
        raise _damaged(path, "清单不是有效的 JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"{path.name} 不是智库备份：清单的格式标识不是“{FORMAT}”。")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(
            f"{path.name} 的备份格式版本为 {manifest.get('format_version')}，"
            f"本系统只能恢复第 {FORMAT_VERSION} 版：请用生成该备份的智库版本恢复。"
        )
    for key in ("members", "tables", "migrations", "keys"):
        if not isinstance(manifest.get(key), list | dict):
            raise _damaged(path, f"清单缺少“{key}”")
    return manifest


def _verify_members(
    path: Path, archive: tarfile.TarFile, infos: dict[str, tarfile.TarInfo], manifest: Any
) -> None:
    listed = {m["name"]: m for m in manifest["members"]}
    for name in listed:
        if name not in infos:
            raise _damaged(path, f"缺少成员 {name}")
    for name, info in infos.items():
        if name != MANIFEST and name not in listed:
            raise _damaged(path, f"归档中有清单未列出的成员 {name}")
        if not info.isfile():
            raise _damaged(path, f"成员 {name} 不是普通文件")
    for name, member in listed.items():
        digest = hashlib.sha256()
        size = 0
        try:
            with _read_member(archive, infos[name]) as handle:
                while data := handle.read(READ_SIZE):
                    digest.update(data)
                    size += len(data)
        except (tarfile.TarError, EOFError, OSError) as error:
            raise _damaged(path, f"成员 {name} 无法完整读取（{error}）") from None
        if size != member["size"]:
            raise _damaged(path, f"成员 {name} 应有 {member['size']} 字节，实有 {size} 字节")
        if digest.hexdigest() != member["sha256"]:
            raise _damaged(path, f"成员 {name} 的 SHA-256 与清单不符")


def _made_by(manifest: Any) -> str:
    version = str(manifest.get("zhiku_version") or "未知版本")
    commit = str(manifest.get("commit") or "")[:12]
    return f"{version}，提交 {commit}" if commit else version


def _verify_migrations_known(path: Path, manifest: Any) -> None:
    theirs = {tuple(pair) for pair in manifest["migrations"]}
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(theirs - known)
    if unknown:
        named = "、".join(f"{a}.{n}" for a, n in unknown[:5])
        raise BackupRefused(
            f"{path.name} 来自有本系统没有的迁移的版本（{named}）：请用生成该备份的智库版本"
            f"（{_made_by(manifest)}）恢复。"
        )


def _verify_schema(path: Path, manifest: Any) -> None:
    theirs = {tuple(pair) for pair in manifest["migrations"]}
    ours = {tuple(pair) for pair in applied_migrations()}
    if theirs - ours:
        raise BackupRefused(
            "本系统的数据库尚未迁移到备份时的结构：请先运行 python manage.py migrate，"
            "或在 restore 时加 --migrate。"
        )
    newer = sorted(ours - theirs)
    if newer:
        named = "、".join(f"{a}.{n}" for a, n in newer[:5])
        raise BackupRefused(
            f"本系统比备份多了迁移（{named}）：备份来自较早的版本。请用生成该备份的版本"
            f"（{_made_by(manifest)}）恢复，再升级。"
        )
    models_here = {m._meta.label_lower: m for m in backed_up_models()}
    listed = {t["model"]: t for t in manifest["tables"]}
    if set(listed) != set(models_here):
        different = sorted(set(listed) ^ set(models_here))
        raise BackupRefused(
            f"{path.name} 的数据表与本系统的不同（{'、'.join(different[:5])}）：请用生成该备份的版本恢复。"
        )
    for label, table in listed.items():
        if table["columns"] != [c.attname for c in columns_of(models_here[label])]:
            raise BackupRefused(
                f"{path.name} 中 {label} 的字段与本系统的不同：请用生成该备份的版本恢复。"
            )


def _verify_keys(path: Path, manifest: Any) -> None:
    ours = key_fingerprints()
    for setting, theirs in manifest["keys"].items():
        lacking = [fp for fp in theirs if fp not in ours.get(setting, [])]
        if lacking:
            raise BackupRefused(
                f"本系统的 {setting} 缺少备份时使用的密钥（指纹 {'、'.join(lacking)}）："
                "恢复后受保护的数据将无法解密或查重。请在 .env 中配置备份时的密钥后再恢复。"
            )


def _verify_empty() -> None:
    from django.contrib.auth import get_user_model

    from zhiku.core.models import AuditEntry

    accounts = get_user_model()._base_manager.count()
    entries = AuditEntry._base_manager.count()
    stored = sum(1 for alias in files.DATA_STORAGES for _ in files.walk(alias))
    if accounts or entries or stored:
        raise BackupRefused(
            f"本系统不是空的（已有 {accounts} 个账户、{entries} 条审计日志、{stored} 个文件），"
            "未恢复任何数据。恢复只能在新安装、已迁移且没有数据的系统上进行。"
        )


# --- restoring ---------------------------------------------------------------------------------


def _insert(model: type[models.Model], batch: list[models.Model]) -> None:
    """Insert rows as they were: ``raw`` so that no field fills itself in (``auto_now``), as
    ``loaddata`` saves; no signal is sent. In batches the database accepts."""
    columns = columns_of(model)
    size = connection.ops.bulk_batch_size(columns, batch) or len(batch)
    for start in range(0, len(batch), size):
        model._base_manager._insert(  # type: ignore[attr-defined]
            batch[start : start + size], fields=columns, raw=True
        )


def _load_table(
    model: type[models.Model], handle: IO[bytes], columns: list[str], expected: int
) -> int:
    by_attname = {f.attname: f for f in columns_of(model)}
    fields = [by_attname[c] for c in columns]
    batch: list[models.Model] = []
    rows = 0
    with gzip.GzipFile(fileobj=handle, mode="rb") as unpacked:
        for line in unpacked:
            values = json.loads(line)
            batch.append(
                model(**{f.attname: _decode(f, v) for f, v in zip(fields, values, strict=True)})
            )
            rows += 1
            if len(batch) >= ROWS_PER_CHUNK:
                _insert(model, batch)
                batch = []
    if batch:
        _insert(model, batch)
    if rows != expected:
        raise BackupRefused(f"{model._meta.label_lower} 应有 {expected} 行，读到 {rows} 行。")
    return rows


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while data := handle.read(files.CHUNK):
        yield data


def _flush(tables: Iterable[str]) -> None:
    statements = connection.ops.sql_flush(
        no_style(), list(tables), reset_sequences=False, allow_cascade=True
    )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def archive_check(*, path: Path) -> Any:
    """Check an archive whole (manifest, members, hashes); return its manifest."""
    path = Path(path)
    with _opened(path) as archive:
        infos = _members(path, archive)
        manifest = _manifest(path, archive, infos)
        _verify_members(path, archive, infos, manifest)
    return manifest


def backup_restore(
    *,
    path: Path,
    actor_label: str = "",
    migrate: Callable[[], None] | None = None,
) -> Summary:
    """Restore the archive at ``path`` into this empty installation; refuse, writing nothing,
    if the archive is damaged, partial or foreign or the installation is not empty.

    ``migrate`` (the command's ``--migrate``) is called after the archive is checked and before
    the schema is compared, to bring a freshly created database to the code's migrations.
    """
    path = Path(path)
    manifest = archive_check(path=path)
    _verify_migrations_known(path, manifest)
    if migrate is not None:
        migrate()
    _verify_schema(path, manifest)
    _verify_keys(path, manifest)
    _verify_empty()
    model_by_label = {m._meta.label_lower: m for m in backed_up_models()}
    summary = Summary()
    written: list[tuple[str, str]] = []
    try:
        with transaction.atomic(), _opened(path) as archive:
            infos = _members(path, archive)
            _flush(m._meta.db_table for m in model_by_label.values())
            for table in manifest["tables"]:
                model = model_by_label[table["model"]]
                with _read_member(archive, infos[table["member"]]) as handle:
                    summary.rows[table["model"]] = _load_table(
                        model, handle, table["columns"], table["rows"]
                    )
            _reset_sequences(list(model_by_label.values()))
            connection.check_constraints()
            for member in manifest["members"]:
                if "storage" not in member:
                    continue
                alias, name = member["storage"], member["file"]
                if alias not in files.DATA_STORAGES or posixpath.isabs(name) or ".." in name:
                    raise BackupRefused(f"归档成员 {member['name']} 的存储位置无效。")
                with _read_member(archive, infos[member["name"]]) as handle:
                    written.append((alias, name))
                    files.write(alias, name, _chunks(handle))
                summary.files[alias] = summary.files.get(alias, 0) + 1
                summary.file_bytes += member["size"]
            log_action(
                "core.backup.restored",
                actor_label=actor_label,
                data={
                    "file": path.name,
                    "created_at": manifest.get("created_at", ""),
                    "source": manifest["database"].get("vendor", ""),
                    "rows": summary.total_rows,
                    "files": summary.total_files,
                },
            )
    except BaseException:
        for alias, name in written:
            files.delete(alias, name)
        raise
    summary.archive_bytes = path.stat().st_size
    return summary

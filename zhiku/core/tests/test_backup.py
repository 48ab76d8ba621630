"""Backup and restore: a populated site backed up and restored into a fresh database holds every
record, file and audit entry it had, on SQLite, on PostgreSQL and from one to the other; damaged,
partial and foreign archives and a non-empty installation are refused with nothing written.

The round trips to a fresh database run ``manage.py`` in subprocesses against databases of their
own (a migrated SQLite file; on PostgreSQL, when reachable, databases made from a migrated
template), so that what is restored is a real new installation.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from zhiku.core import files
from zhiku.core.audit import log_action, verify_chain
from zhiku.core.backup import MANIFEST, BackupRefused, backup_create
from zhiku.core.models import AuditEntry
from zhiku.core.restore import backup_restore
from zhiku.core.tests.backup_support import snapshot

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(django_settings.BASE_DIR)


# --- a populated site --------------------------------------------------------------------------


@pytest.fixture
def roots(settings: Any, tmp_path: Path) -> Path:
    """The site's storages in a directory of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "site" / "media"
    settings.ZHIKU_UPLOAD_ROOT = tmp_path / "site" / "uploads"
    settings.ZHIKU_SMS_BACKEND = "zhiku.core.sms.LocmemBackend"
    return tmp_path / "site"


@pytest.fixture
def populated(roots: Path) -> dict[str, Any]:
    """Accounts, applications with uploaded documents, a council round, a published notice with
    an objection lodged from an address, a working file, and audit entries with every kind of
    value: what a site in use holds."""
    from importlib import import_module

    from django.apps import apps

    from zhiku.recruitment.tests.factories import approved, at, lodge, make_reviewer, publish

    import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)
    reviewer = make_reviewer()
    applications = [
        approved(reviewer, username="zhang", name="张备份", serial=21),
        approved(reviewer, username="li", name="李恢复", serial=22),
    ]
    notice = publish(reviewer, applications)
    lodge(notice, notice.entries.get(name="李恢复"), now=at(dt.date(2026, 9, 29)))
    files.write(files.WORKING, "imports/roster.xlsx", [b"PK\x03\x04 roster ", "名单".encode()])
    log_action(
        "core.parameter.changed",
        actor=reviewer,
        changes={"value": [1.5, {"嵌套": [1, "二", None, True]}]},
        data={"reason": "测试 <b>&'\" \U0001f600 \\x00", "count": 12345678901234},
    )
    return {"reviewer": reviewer}


def _empty_installation() -> None:
    """Make this database what a new installation is: migrated, holding only what migrate
    writes (the test's flush leaves content types and permissions; the catalogues come back)."""
    from importlib import import_module

    from django.apps import apps

    call_command("flush", interactive=False, verbosity=0)
    import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)
    for alias in files.DATA_STORAGES:
        for name in list(files.walk(alias, unfinished=True)):
            files.delete(alias, name)


def _without_restore_entry(state: dict[str, Any], source_entries: int) -> dict[str, Any]:
    tables = dict(state["tables"])
    tables["core.auditentry"] = tables["core.auditentry"][:source_entries]
    tables.pop("core.audithead")
    return {"tables": tables, "files": state["files"]}


def _assert_same_site(source: dict[str, Any], restored: dict[str, Any], *, entries: int) -> None:
    """Every row and file identical; the audit trail is the source's plus the restore entry."""
    assert restored["tables"]["core.auditentry"][entries:] != []
    column = _audit_action_column()
    actions = [row[column] for row in restored["tables"]["core.auditentry"][entries:]]
    assert actions == ["core.backup.restored"]
    mine = _without_restore_entry(source, entries)
    theirs = _without_restore_entry(restored, entries)
    assert set(theirs["tables"]) == set(mine["tables"])
    for label, rows in mine["tables"].items():
        assert len(theirs["tables"][label]) == len(rows), label
        for before, after in zip(rows, theirs["tables"][label], strict=True):
            differ = [
                (i, b, a) for i, (b, a) in enumerate(zip(before, after, strict=True)) if a != b
            ]
            assert not differ, f"{label} row {before[0]}: (column, before, after) {differ}"
    assert theirs["files"] == mine["files"]


def _audit_action_column() -> int:
    names = [f.attname for f in AuditEntry._meta.local_concrete_fields]
    return names.index("action")


# --- in place: back up, empty the database, restore --------------------------------------------


def test_a_backup_restored_into_the_emptied_database_gives_back_every_row_and_file(
    populated: dict[str, Any], tmp_path: Path
) -> None:
    source = snapshot()
    entries = AuditEntry.objects.count()
    archive = tmp_path / "site.tar"

    made = backup_create(path=archive)

    assert made.rows["core.auditentry"] == entries
    assert made.rows["core.storedfile"] == len(
        [f for f in source["files"] if f.startswith("uploads/")]
    )
    assert made.total_files == len(source["files"]) >= 8
    assert AuditEntry.objects.order_by("-seq").values_list("action", flat=True)[0] == (
        "core.backup.made"
    )
    _empty_installation()

    restored = backup_restore(path=archive)

    assert restored.rows == made.rows
    assert restored.total_files == made.total_files
    _assert_same_site(source, snapshot(), entries=entries)
    report = verify_chain()
    assert report.ok, report.problem
    assert report.count == entries + 1


def test_a_backup_reads_one_state_and_keeps_no_key(
    populated: dict[str, Any], tmp_path: Path
) -> None:
    archive = tmp_path / "site.tar"
    backup_create(path=archive)

    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        names = tar.getnames()
        everything = b"".join(
            tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
        )

    assert manifest["format"] == "zhiku-backup"
    assert manifest["database"]["vendor"] == connection.vendor
    assert ["core", "0001_initial"] in manifest["migrations"]
    assert manifest["zhiku_version"]
    assert dt.datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert names[-1] == MANIFEST
    assert {m["name"] for m in manifest["members"]} == set(names) - {MANIFEST}
    assert all(len(m["sha256"]) == 64 for m in manifest["members"])
    for key in [
        *django_settings.ZHIKU_FIELD_KEYS,
        django_settings.SECRET_KEY,
        *str(django_settings.ZHIKU_LOOKUP_HASH_KEY).split(","),
    ]:
        assert key.encode() not in everything


def test_a_backup_never_overwrites_a_file(populated: dict[str, Any], tmp_path: Path) -> None:
    archive = tmp_path / "site.tar"
    archive.write_bytes(b"keep me")

    with pytest.raises(BackupRefused, match="已存在"):
        backup_create(path=archive)

    assert archive.read_bytes() == b"keep me"
    assert list(tmp_path.glob(".site.tar.*")) == []


def test_a_backup_names_uploaded_files_whose_bytes_are_gone(
    populated: dict[str, Any], tmp_path: Path
) -> None:
    from zhiku.core.models import StoredFile

    lost = StoredFile.objects.order_by("pk").first()
    assert lost is not None
    files.delete(files.UPLOADS, lost.relative_path)

    made = backup_create(path=tmp_path / "site.tar")

    assert any(str(lost.pk) in warning for warning in made.warnings)
    with tarfile.open(tmp_path / "site.tar") as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    assert manifest["missing_files"] == [str(lost.pk)]


# --- refusals: nothing written -----------------------------------------------------------------


@pytest.fixture
def archive(populated: dict[str, Any], tmp_path: Path) -> Path:
    """A good backup of the populated site, and this database emptied as a new installation."""
    path = tmp_path / "good.tar"
    backup_create(path=path)
    _empty_installation()
    return path


def _nothing_restored() -> None:
    assert get_user_model()._base_manager.count() == 0
    assert AuditEntry._base_manager.count() == 0
    assert [n for a in files.DATA_STORAGES for n in files.walk(a, unfinished=True)] == []
    from zhiku.experts.models import ExpertiseField

    assert ExpertiseField.objects.filter(code="01").exists()  # the flush was rolled back


def _rewrite(source: Path, target: Path, change: Any) -> Path:
    """Copy a tar archive member by member; ``change(name, data)`` returns new bytes or None to
    leave the member out."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for info in old.getmembers():
            data = old.extractfile(info).read()  # type: ignore[union-attr]
            data = change(info.name, data)
            if data is None:
                continue
            copy = tarfile.TarInfo(info.name)
            copy.size = len(data)
            new.addfile(copy, io.BytesIO(data))
    return target


def _refused(path: Path, *words: str) -> str:
    with pytest.raises(BackupRefused) as refusal:
        backup_restore(path=path)
    message = str(refusal.value)
    for word in words:
        assert word in message
    _nothing_restored()
    return message


def test_a_damaged_member_is_refused(archive: Path, tmp_path: Path) -> None:
    def flip(name: str, data: bytes) -> bytes:
        if name.startswith("files/uploads/") and not getattr(flip, "done", False):
            flip.done = True  # type: ignore[attr-defined]
            return data[:100] + bytes([data[100] ^ 1]) + data[101:]
        return data

    message = _refused(_rewrite(archive, tmp_path / "bad.tar", flip), "已损坏", "SHA-256")
    assert "files/uploads/" in message


def test_a_damaged_table_is_refused(archive: Path, tmp_path: Path) -> None:
    def change(name: str, data: bytes) -> bytes:
        if name != "db/core.auditentry.jsonl.gz":
            return data
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0x20]) + data[middle + 1 :]

    _refused(_rewrite(archive, tmp_path / "bad.tar", change), "已损坏", "core.auditentry")


def test_an_archive_missing_a_member_is_refused(archive: Path, tmp_path: Path) -> None:
    def drop(name: str, data: bytes) -> bytes | None:
        return None if name == "db/accounts.user.jsonl.gz" else data

    _refused(_rewrite(archive, tmp_path / "partial.tar", drop), "不完整", "缺少成员")


@pytest.mark.parametrize("where", [MANIFEST, "files/uploads/"])
def test_a_truncated_archive_is_refused(archive: Path, tmp_path: Path, where: str) -> None:
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith(where))
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[: member.offset_data + member.size // 2])

    _refused(cut, "已损坏或不完整")


def test_an_unlisted_member_is_refused(archive: Path, tmp_path: Path) -> None:
    path = tmp_path / "extra.tar"
    shutil.copyfile(archive, path)
    with tarfile.open(path, "a") as tar:
        info = tarfile.TarInfo("files/uploads/ab/planted.bin")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))

    _refused(path, "清单未列出", "planted.bin")


def test_an_archive_that_is_not_a_zhiku_backup_is_refused(archive: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        info = tarfile.TarInfo("notes.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    not_tar = tmp_path / "photo.tar"
    not_tar.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 600)

    _refused(other, "不是智库备份")
    _refused(not_tar, "不是可读取的智库备份")


def test_another_format_or_unknown_migrations_are_refused(archive: Path, tmp_path: Path) -> None:
    def manifest_with(**changes: Any) -> Any:
        def change(name: str, data: bytes) -> bytes:
            if name != MANIFEST:
                return data
            return json.dumps({**json.loads(data), **changes}).encode()

        return change

    foreign = _rewrite(archive, tmp_path / "f.tar", manifest_with(format="someone-else"))
    later = _rewrite(archive, tmp_path / "v.tar", manifest_with(format_version=99))
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    future = manifest["migrations"] + [["experts", "9999_from_the_future"]]
    newer = _rewrite(archive, tmp_path / "m.tar", manifest_with(migrations=future))

    _refused(foreign, "不是智库备份")
    _refused(later, "格式版本为 99")
    _refused(newer, "本系统没有的迁移", "experts.9999_from_the_future")


def test_an_installation_without_the_backups_keys_is_refused(archive: Path, settings: Any) -> None:
    settings.ZHIKU_FIELD_KEYS = ["b3RoZXItaW5zdGFsbGF0aW9uLWtleS0wMDAwMDAwMDA="]

    _refused(archive, "ZHIKU_FIELD_KEYS", "缺少备份时使用的密钥")


def test_an_installation_in_use_is_refused(populated: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "good.tar"
    backup_create(path=path)
    before = snapshot()

    with pytest.raises(BackupRefused, match="不是空的"):
        backup_restore(path=path)

    assert snapshot() == before


def test_the_commands_speak_chinese_and_print_a_summary(
    populated: dict[str, Any], tmp_path: Path
) -> None:
    from zhiku.core.management.commands import backup, restore

    for name, module in (("backup", backup), ("restore", restore)):
        command_help = module.Command().create_parser("manage.py", name).format_help()
        assert "备份文件" in command_help
    path = tmp_path / "cmd.tar"
    accounts = get_user_model().objects.count()
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert f"accounts.user: {accounts} 行" in out.getvalue()
    assert "备份完成" in out.getvalue()
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(path), stdout=io.StringIO())
    _empty_installation()
    out = io.StringIO()
    call_command("restore", str(path), stdout=out)
    assert "恢复完成" in out.getvalue()
    assert "文件共" in out.getvalue()


# --- into a fresh database, on SQLite and PostgreSQL -------------------------------------------


def _env(database_url: str, root: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhiku.test_settings",
        "DATABASE_URL": database_url,
        "ZHIKU_MEDIA_ROOT": str(root / "media"),
        "ZHIKU_UPLOAD_ROOT": str(root / "uploads"),
    }
    env.pop("ZHIKU_TEST_CLOCK", None)
    return env


def _manage(database_url: str, root: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=_env(database_url, root),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _snapshot_of(database_url: str, root: Path) -> dict[str, Any]:
    out = root / "snapshot.json"
    done = subprocess.run(
        [sys.executable, "-m", "zhiku.core.tests.backup_support", str(out)],
        cwd=BASE_DIR,
        env=_env(database_url, root),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    state: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return state


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new installation's SQLite database, migrated once and copied for each test."""
    folder = tmp_path_factory.mktemp("migrated")
    path = folder / "zhiku.sqlite3"
    _manage(f"sqlite:///{path}", folder, "migrate", "--no-input", "-v", "0")
    return path


def _fresh_sqlite(migrated: Path, folder: Path) -> str:
    folder.mkdir(parents=True)
    shutil.copyfile(migrated, folder / "zhiku.sqlite3")
    return f"sqlite:///{folder / 'zhiku.sqlite3'}"


def _postgres_server() -> dict[str, Any] | None:
    """Where PostgreSQL is: the test run's own server, or 127.0.0.1; None if unreachable."""
    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url) if url.startswith("postgres") else {}
    server: dict[str, Any] = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": int(config.get("PORT") or 5432),
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or "",
    }
    try:
        import psycopg

        with psycopg.connect(dbname="postgres", connect_timeout=3, **server):
            pass
    except Exception:
        return None
    return server


class Postgres:
    """Databases of the tests' own on the PostgreSQL server, dropped at the end."""

    def __init__(self, server: dict[str, Any]) -> None:
        self.server = server
        self.made: list[str] = []
        self.template = ""

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self.server) as conn:
            conn.execute(statement.encode())

    def url(self, name: str) -> str:
        s = self.server
        auth = s["user"] + (f":{s['password']}" if s["password"] else "")
        return f"postgres://{auth}@{s['host']}:{s['port']}/{name}"

    def create(self, *, template: str = "") -> str:
        name = f"zhiku_backup_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self._sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.made.append(name)
        return name

    def fresh(self, root: Path) -> str:
        """A new installation's database: a copy of one migrated once."""
        if not self.template:
            self.template = self.create()
            _manage(self.url(self.template), root / "template", "migrate", "--no-input", "-v", "0")
        return self.url(self.create(template=self.template))

    def drop_all(self) -> None:
        for name in reversed(self.made):
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    server = _postgres_server()
    if server is None:
        pytest.skip(
            "PostgreSQL is not reachable on 127.0.0.1:5432 (or DATABASE_URL's server): "
            "the round trips to PostgreSQL run where it is (CI's PostgreSQL run)"
        )
    databases = Postgres(server)
    try:
        yield databases
    finally:
        databases.drop_all()


def _round_trip(
    source_url: str | None, source_root: Path, target_url: str, target_root: Path, archive: Path
) -> dict[str, Any]:
    """Back up the source (this test's database when ``source_url`` is None), restore into the
    target with manage.py, check its audit chain, and return the target's snapshot."""
    if source_url is None:
        backup_create(path=archive)
    else:
        _manage(source_url, source_root, "backup", str(archive))
    printed = _manage(target_url, target_root, "restore", str(archive))
    assert "恢复完成" in printed
    verified = _manage(target_url, target_root, "audit_verify")
    assert verified.startswith("OK ")
    return _snapshot_of(target_url, target_root)


def test_a_backup_restores_into_a_fresh_sqlite_database(
    populated: dict[str, Any], migrated_sqlite: Path, tmp_path: Path
) -> None:
    source = snapshot()
    entries = AuditEntry.objects.count()
    target = tmp_path / "target"

    restored = _round_trip(
        None, Path(), _fresh_sqlite(migrated_sqlite, target), target, tmp_path / "a.tar"
    )

    _assert_same_site(source, restored, entries=entries)


def test_a_backup_restores_into_a_fresh_postgresql_database(
    populated: dict[str, Any], postgres: Postgres, tmp_path: Path
) -> None:
    source = snapshot()
    entries = AuditEntry.objects.count()
    target = tmp_path / "target"

    restored = _round_trip(None, Path(), postgres.fresh(tmp_path), target, tmp_path / "a.tar")

    _assert_same_site(source, restored, entries=entries)


def test_a_sqlite_backup_restores_into_postgresql(
    populated: dict[str, Any], migrated_sqlite: Path, postgres: Postgres, tmp_path: Path
) -> None:
    """SQLite to PostgreSQL whatever this run's database: the site goes into a SQLite database
    first, is backed up there by manage.py, and that archive goes into PostgreSQL."""
    source = snapshot()
    entries = AuditEntry.objects.count()
    middle = tmp_path / "sqlite"
    middle_url = _fresh_sqlite(migrated_sqlite, middle)
    _round_trip(None, Path(), middle_url, middle, tmp_path / "a.tar")
    target = tmp_path / "postgres"

    restored = _round_trip(middle_url, middle, postgres.fresh(tmp_path), target, tmp_path / "b.tar")

    with tarfile.open(tmp_path / "b.tar") as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    assert manifest["database"]["vendor"] == "sqlite"
    # The SQLite copy's restore entry came along (its backup's entry came after the snapshot);
    # PostgreSQL adds its own.
    column = _audit_action_column()
    actions = [row[column] for row in restored["tables"]["core.auditentry"][entries:]]
    assert actions == ["core.backup.restored", "core.backup.restored"]
    trimmed = dict(restored["tables"])
    trimmed["core.auditentry"] = trimmed["core.auditentry"][: entries + 1]
    _assert_same_site(source, {"tables": trimmed, "files": restored["files"]}, entries=entries)

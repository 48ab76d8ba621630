"""What the crash-safety tests need: a site of their own, run by real processes that they kill.

A :class:`CrashSite` is a database of its own (a SQLite file, or a PostgreSQL database beside
the test database when the suite runs on PostgreSQL) with a media folder, migrated and set up by
``manage.py`` subprocesses with the test settings (the background tasks in the database, as in
production). The test starts ``db_worker`` or ``runserver`` with ``ZHIKU_CRASH_PAUSE`` naming a
checkpoint (``zhiku.core.crashpoints``), waits for the process to reach it with its transaction
open, kills it with SIGKILL, and reads the database with plain SQL. Every process it starts is
killed when the test ends, whatever happens.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

from zhiku.core import crashpoints

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = "zhiku.core.tests.crash_settings"
WAIT = 90.0
# Code a setup script starts with: what a copy of the test database may lack.
RELOAD = """
from importlib import import_module
from django.apps import apps
import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)
"""  # seconds: a loaded CI machine is slow, a hung process is not waited for longer


class CrashSite:
    """A database and media folder of their own, and the processes run against them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.media = folder / "media"
        self.media.mkdir()
        self.points = folder / "points"
        self.points.mkdir()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            base = dict(connection.settings_dict)
            self.pg = {
                "host": base["HOST"] or "127.0.0.1",
                "port": str(base["PORT"] or 5432),
                "user": base["USER"] or "postgres",
                "password": base["PASSWORD"] or "",
            }
            self.name = f"zhiku_crash_{uuid.uuid4().hex[:10]}"
            auth = self.pg["user"] + (f":{self.pg['password']}" if self.pg["password"] else "")
            self.url = f"postgres://{auth}@{self.pg['host']}:{self.pg['port']}/{self.name}"
        else:
            self.path = folder / "site.sqlite3"
            self.url = f"sqlite:///{self.path}"

    # --- the database ---------------------------------------------------------------------------

    def copy_test_database(self) -> bool:
        """Start from a copy of the test database, migrated already; False if it cannot be had.

        Migrating a new database takes minutes on PostgreSQL; a copy takes a second. What the
        copy lacks (the catalogues a transactional test's flush removed) the setup reloads.
        """
        source = str(connection.settings_dict["NAME"])
        if "memorydb" not in source and not Path(source).name.startswith("test"):
            return False  # never a copy of a database that is not the test database
        if self.vendor == "postgresql":
            connection.close()  # a template database must have no other session
            try:
                self._admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{source}"')
            except Exception:
                self._admin(f'CREATE DATABASE "{self.name}"')
                return False
            return True
        import sqlite3

        try:
            with (
                closing(sqlite3.connect(source, uri=source.startswith("file:"))) as src,
                closing(sqlite3.connect(self.path)) as copy,
            ):
                if not src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
                    return False
                src.backup(copy)
        except sqlite3.Error:
            self.path.unlink(missing_ok=True)
            return False
        return True

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as admin:
            admin.execute(sql.encode())

    def _conninfo(self, dbname: str) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(dbname=dbname, **self.pg)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one read, outside Django (the test's own connection is another database)."""
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self._conninfo(self.name), autocommit=True) as conn:
                cursor = conn.execute(sql.replace("?", "%s").encode(), params)
                return list(cursor.fetchall()) if cursor.description else []
        import sqlite3

        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as conn:
            return list(conn.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.query(sql, params)[0][0]

    # --- processes ------------------------------------------------------------------------------

    def env(self, pause: str = "") -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DATABASE_URL": self.url,
            "ZHIKU_MEDIA_ROOT": str(self.media),
            crashpoints.FOLDER: str(self.points),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop(crashpoints.PAUSE, None)
        env.pop("ZHIKU_TEST_CLOCK", None)
        if pause:
            env[crashpoints.PAUSE] = pause
        return env

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run one ``manage.py`` command to its end; its output is returned (and shown on failure)."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=WAIT * 2,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)}: {done.stdout}\n{done.stderr}")
        return done

    def python(self, code: str) -> Any:
        """Run ``code`` in ``manage.py shell``; it sets ``result``, which comes back as JSON."""
        script = f"import json\nresult = None\n{code}\nprint('RESULT=' + json.dumps(result))\n"
        out = self.manage("shell", "-c", script).stdout
        line = [s for s in out.splitlines() if s.startswith("RESULT=")][-1]
        return json.loads(line.removeprefix("RESULT="))

    def start(self, *args: str, pause: str = "") -> subprocess.Popen[bytes]:
        log = (self.folder / f"{args[0]}-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(pause),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def reached(self, point: str, process: subprocess.Popen[bytes]) -> None:
        """Wait until ``process`` stands at ``point`` (it wrote the file), or fail."""
        flag = self.points / f"{point}.reached"
        deadline = time.monotonic() + WAIT
        while not flag.exists():
            if process.poll() is not None:
                raise AssertionError(f"the process ended before {point}:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{point} not reached within {WAIT:.0f} s:\n{self.logs()}")
            time.sleep(0.1)
        flag.unlink()

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        """SIGKILL: no handler runs, no transaction is closed, as when a machine loses power."""
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=WAIT)

    def wait_until(self, sql: str, expected: Any, params: tuple[Any, ...] = ()) -> None:
        deadline = time.monotonic() + WAIT
        while (found := self.scalar(sql, params)) != expected:
            if time.monotonic() > deadline:
                raise AssertionError(f"{sql} is {found!r}, not {expected!r}:\n{self.logs()}")
            time.sleep(0.2)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.folder.glob("*.log"))
        )

    def close(self) -> None:
        for process in self.processes:
            self.kill(process)
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@contextmanager
def crash_site(folder: Path) -> Iterator[CrashSite]:
    """A migrated site of its own; its processes killed and its database dropped at the end."""
    site = CrashSite(folder)
    try:
        if not site.copy_test_database():
            site.manage("migrate", "--no-input", "-v", "0")
        yield site
    finally:
        site.close()


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

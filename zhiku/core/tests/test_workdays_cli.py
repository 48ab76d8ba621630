"""The workdays command as an operator runs it: output streams and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhiku.test_settings",
        "DATABASE_URL": f"sqlite:///{db}",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "cli.sqlite3"
    result = _manage("migrate", "--no-input", "-v", "0", db=db)
    assert result.returncode == 0, result.stderr
    return db


def test_add_prints_the_end_date_alone_and_exits_zero(migrated_db: Path) -> None:
    result = _manage("workdays", "add", "2026-09-28", "7", db=migrated_db)

    assert (result.returncode, result.stdout) == (0, "2026-10-13\n")


def test_an_unentered_year_goes_to_standard_error_with_exit_one(migrated_db: Path) -> None:
    result = _manage("workdays", "add", "2026-12-25", "15", db=migrated_db)

    assert result.returncode == 1
    assert result.stdout == ""
    assert "2027 年的工作日历尚未录入" in result.stderr

"""备份与恢复基准：N 位专家的站点备份、恢复到空库所需的时间和内存峰值。

Runs against its own throwaway database (SQLite in a temporary directory, or a fresh test
database on the server DATABASE_URL names), never the developer's var/zhiku.sqlite3. The memory
figure is the peak of Python's allocations during each command (tracemalloc): it stays about the
same whatever the number of experts, because tables are read and written a chunk of rows at a
time. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.experts import ChineseHelpFormatter, _own_database, create_experts  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/backup.py",
        description=(
            "备份与恢复基准：在独立的临时数据库中生成专家，测量 backup 写出备份文件、restore 恢复到"
            "清空后的数据库各需多少时间，以及期间 Python 分配内存的峰值。设置了 DATABASE_URL 时"
            "在该 PostgreSQL 服务器上新建临时测试库，结束后删除。"
        ),
        formatter_class=ChineseHelpFormatter,
        add_help=False,
    )
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    parser.add_argument(
        "--experts",
        type=int,
        default=100_000,
        metavar="N",
        help="库中生成的专家人数（默认 %(default)s）",
    )
    parser.add_argument(
        "--seed", type=int, default=2026, help="生成数据所用的随机种子（默认 %(default)s）"
    )
    return parser


def _measured(step: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``step``; return its result, the seconds it took and its peak allocation in MB."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = step()
        seconds = time.perf_counter() - start
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, seconds, peak / 1024 / 1024


def run(
    experts: int, seed: int, workdir: Path, out: Callable[[str], None] = print
) -> dict[str, float]:
    """Measure on the database Django is set up with (which must be a throwaway one)."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=workdir / "media", ZHIKU_UPLOAD_ROOT=workdir / "uploads"):
        return _run(experts, seed, workdir, out)


def _run(experts: int, seed: int, workdir: Path, out: Callable[[str], None]) -> dict[str, float]:
    from django.core.management import call_command
    from django.db import connection

    from zhiku.core.backup import backup_create
    from zhiku.core.restore import backup_restore
    from zhiku.experts.models import Expert

    rng = random.Random(seed)  # noqa: S311 - seeded sample data, not a secret
    out(f"数据库：{connection.vendor}（{connection.settings_dict['NAME']}）")
    start = time.perf_counter()
    create_experts(experts, rng)
    out(f"生成专家 {experts} 人：{time.perf_counter() - start:.1f} s")
    archive = workdir / "bench-backup.tar"

    made, backup_s, backup_mb = _measured(lambda: backup_create(path=archive))
    out(
        f"备份：{made.total_rows} 行，{archive.stat().st_size / 1024 / 1024:.1f} MB，"
        f"{backup_s:.1f} s（{made.total_rows / backup_s:,.0f} 行/s），内存峰值 {backup_mb:.1f} MB"
    )
    call_command("flush", interactive=False, verbosity=0)
    restored, restore_s, restore_mb = _measured(lambda: backup_restore(path=archive))
    out(
        f"恢复：{restored.total_rows} 行，{restore_s:.1f} s"
        f"（{restored.total_rows / restore_s:,.0f} 行/s），内存峰值 {restore_mb:.1f} MB"
    )
    count = Expert.objects.count()
    out(f"恢复后专家 {count} 人{'，与备份前相同' if count == experts else '，与备份前不同！'}")
    return {
        "backup_s": backup_s,
        "backup_mb": backup_mb,
        "restore_s": restore_s,
        "restore_mb": restore_mb,
        "experts": count,
    }


def main(argv: Sequence[str] | None = None, *, database_ready: bool = False) -> int:
    """Run the benchmark; ``database_ready`` means the caller (a test) already owns a database."""
    args = build_parser().parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="zhiku-bench-backup-"))
    try:
        if database_ready:
            run(args.experts, args.seed, workdir)
            return 0
        drop = _own_database(workdir)
        try:
            run(args.experts, args.seed, workdir)
        finally:
            drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

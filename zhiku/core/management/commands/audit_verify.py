"""Check the hash chain of the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhiku.core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "校验审计日志的哈希链。完好时打印“OK 条数 链头哈希”并以 0 退出；"
        "否则打印第一条被修改、删除或插入的条目并以 1 退出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect-head",
            default="",
            metavar="HASH",
            help="此前打印并在系统外保存的链头哈希；它必须仍在链中，否则说明其后的条目被删除或整条链被重算",
        )

    def handle(self, *args: Any, expect_head: str, **options: Any) -> None:
        report = verify_chain(expect_head=expect_head.strip().lower())
        if report.ok:
            self.stdout.write(f"OK {report.count} {report.head_hash}")
            return
        where = []
        if report.entry_id is not None:
            where.append(f"id={report.entry_id}")
        if report.seq is not None:
            where.append(f"seq={report.seq}")
        self.stdout.write(f"FAIL {' '.join(where) or 'head'}: {report.problem}")
        raise SystemExit(1)

"""Delete encrypted upload files that no row points at (left by a transaction rolled back)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhiku.core import files
from zhiku.core.uploads import stored_files_orphans


class Command(BaseCommand):
    help = (
        "删除上传目录中没有对应记录的加密文件（写入文件后事务回滚留下的）。"
        "只删除超过 --hours 小时的文件，可重复运行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=int, default=24, help="只删除早于此小时数的文件（默认 24）"
        )

    def handle(self, *args: Any, hours: int, **options: Any) -> None:
        orphans = stored_files_orphans(older_than_hours=hours)
        for name in orphans:
            files.delete(files.UPLOADS, name)
        self.stdout.write(self.style.SUCCESS(f"已删除 {len(orphans)} 个无记录的上传文件。"))

"""Restore a backup into an empty installation, after checking the archive whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiku.core.backup import BackupRefused
from zhiku.core.restore import backup_restore


class Command(BaseCommand):
    help = (
        "把 backup 生成的备份文件恢复到一个空的新安装（已迁移、没有账户、审计日志和文件）。"
        "先校验每个成员的 SHA-256、清单、迁移状态和密钥指纹；备份损坏、不完整、不是智库备份、"
        "来自结构不同的版本，或本系统不是空的，都会拒绝并说明原因，不写入任何数据。"
        "记录在一个事务中载入，文件在校验通过后写入，最后记一条恢复的审计日志接在恢复的链上。"
        "恢复前须在 .env 中配置备份时的密钥。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH", help="backup 生成的备份文件")
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="校验备份后先对数据库运行 migrate（用于刚建好的空数据库）",
        )

    def handle(self, *args: Any, path: str, migrate: bool, **options: Any) -> None:
        def run_migrate() -> None:
            call_command("migrate", interactive=False, verbosity=0)

        try:
            summary = backup_restore(
                path=Path(path),
                actor_label="manage.py restore",
                migrate=run_migrate if migrate else None,
            )
        except BackupRefused as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] >= 1:
            self.stdout.write(f"已从 {path} 恢复：")
            for line in summary.lines():
                self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：{summary.total_rows} 行，{summary.total_files} 个文件，"
                f"{summary.file_bytes} 字节。请运行 python manage.py audit_verify 核对审计日志。"
            )
        )

"""Write one consistent archive of the database and every file the site keeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiku.core.backup import BackupRefused, backup_create


class Command(BaseCommand):
    help = (
        "把数据库的全部记录（与数据库种类无关的格式）和系统保存的全部文件写入一个备份文件"
        "（tar 归档，含每个成员的 SHA-256 清单、迁移状态、版本与提交、生成时间、源数据库种类），"
        "并记入审计日志。全部数据在同一个只读事务中读取，结果前后一致。"
        "密钥（ZHIKU_SECRET_KEY、ZHIKU_FIELD_KEYS、ZHIKU_LOOKUP_HASH_KEY）不在备份中，"
        "须另行妥善保管：没有密钥，备份中受保护的数据无法解密。用 restore 恢复。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            metavar="PATH",
            help="备份文件的路径（如 /var/backups/zhiku/zhiku-2026-11-28.tar）；不得已存在",
        )

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            summary = backup_create(path=Path(path), actor_label="manage.py backup")
        except BackupRefused as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] >= 1:
            self.stdout.write(f"已写入备份 {path}：")
            for line in summary.lines():
                self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{summary.total_rows} 行，{summary.total_files} 个文件，"
                f"{summary.archive_bytes} 字节。"
            )
        )

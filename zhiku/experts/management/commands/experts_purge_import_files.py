"""Delete marked import error files (they hold identity numbers) once their week is over."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from zhiku.experts.services.imports import ERROR_FILE_KEPT, import_files_purge


class Command(BaseCommand):
    help = (
        "删除导入任务结束满 7 天的“标出错误的文件”（其中含有证件号码）。"
        "每次开始导入时也会清理；可每天定时运行，重复运行无害。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = import_files_purge(before=timezone.now() - ERROR_FILE_KEPT)
        self.stdout.write(f"已删除 {count} 个过期的错误文件。")

"""Re-encrypt protected personal data and uploaded files under the first key of ZHIKU_FIELD_KEYS,
and recompute every lookup hash with the first key of ZHIKU_LOOKUP_HASH_KEY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zhiku.core.plugins import key_rotations
from zhiku.core.uploads import stored_files_rotate
from zhiku.experts.services.imports import import_files_rotate


class Command(BaseCommand):
    help = (
        "密钥轮换：把新密钥放在 ZHIKU_FIELD_KEYS（或查重密钥 ZHIKU_LOOKUP_HASH_KEY）的第一位、"
        "旧密钥保留在后面，运行本命令用新密钥重新加密全部受保护信息和上传的文件、重新计算全部"
        "查重哈希，之后即可从配置中删除旧密钥。轮换期间查重仍按新旧密钥查找。可重复运行。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = sum(step() for _app, step in key_rotations())
        # Uploaded documents, and the rosters being imported and their marked error files.
        files = stored_files_rotate() + import_files_rotate()
        self.stdout.write(
            self.style.SUCCESS(
                f"已用当前密钥重新加密 {count} 条记录（并重新计算其查重哈希）、{files} 个上传文件。"
            )
        )

"""Re-encrypt protected personal data under the first key of ZHIKU_FIELD_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zhiku.experts.services import protected_data_rotate


class Command(BaseCommand):
    help = (
        "密钥轮换：把新密钥放在 ZHIKU_FIELD_KEYS 的第一位、旧密钥保留在后面，运行本命令"
        "用新密钥重新加密全部受保护信息，之后即可从配置中删除旧密钥。可重复运行。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = protected_data_rotate()
        self.stdout.write(self.style.SUCCESS(f"已用当前密钥重新加密 {count} 条记录。"))

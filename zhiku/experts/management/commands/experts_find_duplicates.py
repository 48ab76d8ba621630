"""List experts entered twice under two spellings of one number; optionally normalise."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiku.experts.models import Expert
from zhiku.experts.normalisation import normalise_stored


class Command(BaseCommand):
    help = (
        "解密并统一证件号码、手机号码和电子邮箱的格式后，列出可能重复录入的同一人（不合并）。"
        "有重复时以状态 1 退出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--normalise",
            action="store_true",
            help="同时把存储的号码改为统一格式（与数据迁移 0007 相同，可重复运行）。",
        )

    def handle(self, *args: Any, normalise: bool, **options: Any) -> None:
        report = normalise_stored(Expert, apply=normalise)
        for line in report.lines():
            self.stdout.write(line)
        if not normalise and report.changed:
            self.stdout.write(
                f"另有 {report.changed} 位专家的号码尚未统一格式：加 --normalise 运行以更新。"
            )
        if report.collisions:
            raise CommandError(f"发现 {len(report.collisions)} 组可能重复录入的专家。")

"""Load demonstration data: each app's plugin seeds its own part, in INSTALLED_APPS order."""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from zhiku.core.plugins import demo_steps


class Command(BaseCommand):
    help = (
        "载入演示数据：各模块（账户、专家库……）依次生成各自的演示数据，并打印演示账户。"
        "可重复运行，已存在的数据不会重复创建；--seed 相同则生成的数据相同。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2026, help="随机数种子，决定生成的演示数据（默认 2026）"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="仅当数据库中还没有任何账户时才载入（make run 使用），否则只打印提示",
        )

    @transaction.atomic
    def handle(self, *args: Any, seed: int, if_empty: bool, **options: Any) -> None:
        if if_empty and get_user_model().objects.exists():
            self.stdout.write("数据库中已有账户，未载入演示数据。")
            return
        rng = random.Random(seed)
        for _app, step in demo_steps():
            for line in step(rng):
                self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))

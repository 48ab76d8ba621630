"""Create demonstration accounts (and, as later parts are built, their data)."""

from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from zhiku.accounts import services
from zhiku.accounts.models import Right, Role, User

DEMO_PASSWORD = "Zhiku-Demo-2026!"  # noqa: S105 - published demo credential, demo data only

# username, full name, role, rights (staff only)
DEMO_ACCOUNTS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("secadmin", "林安宁", Role.SECURITY_ADMIN, ()),
    ("secadmin2", "何守正", Role.SECURITY_ADMIN, ()),
    ("auditor", "周审言", Role.AUDITOR, ()),
    ("staff", "陈质远", Role.STAFF, tuple(Right.values)),
    ("reviewer", "黄立诚", Role.STAFF, (Right.REVIEW_APPLICATIONS,)),
    ("council1", "李明德", Role.COUNCIL, ()),
    ("council2", "王慧琳", Role.COUNCIL, ()),
    ("council3", "张国栋", Role.COUNCIL, ()),
    ("supervisor", "吴正平", Role.SUPERVISOR, ()),
    ("expert", "郑博文", Role.EXPERT, ()),
]


class Command(BaseCommand):
    help = (
        f"创建演示数据：每个角色的演示账户（密码统一为 {DEMO_PASSWORD}）及已建成模块的演示数据。"
        "可重复运行，已存在的数据不会重复创建；--seed 相同则生成的数据相同。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2026, help="随机数种子，决定生成的演示数据（默认 2026）"
        )
        parser.add_argument("--quiet-accounts", action="store_true", help="不打印演示账户列表")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="仅当数据库中还没有任何账户时才载入（make run 使用），否则只打印提示",
        )

    @transaction.atomic
    def handle(
        self, *args: Any, seed: int, quiet_accounts: bool, if_empty: bool, **options: Any
    ) -> None:
        if if_empty and User.objects.exists():
            self.stdout.write(
                f"数据库中已有账户，未载入演示数据。演示账户（若存在）的密码为 {DEMO_PASSWORD}。"
            )
            return
        rng = random.Random(seed)
        created = self._accounts()
        self._later_modules(rng)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪（新建账户 {created} 个）。"))
        if not quiet_accounts:
            self.stdout.write(f"演示账户（密码均为 {DEMO_PASSWORD}）：")
            for username, full_name, role, _rights in DEMO_ACCOUNTS:
                self.stdout.write(f"  {username:<12} {full_name}  {Role(role).label}")

    def _accounts(self) -> int:
        created = 0
        # The first security admin cannot be made by a service (nobody grants themselves);
        # the seed plays the installer here, as `manage.py createsecurityadmin` does in production.
        for username, full_name, role, _rights in DEMO_ACCOUNTS:
            user, was_created = User.objects.get_or_create(
                username=username,
                defaults={
                    "full_name": full_name,
                    "role": role,
                    "email": f"{username}@demo.zhiku.local",
                },
            )
            if was_created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                created += 1
        granter = User.objects.get(username="secadmin")
        for username, _name, _role, rights in DEMO_ACCOUNTS:
            user = User.objects.get(username=username)
            held = user.active_rights()
            for right in rights:
                if right not in held:
                    services.right_grant(actor=granter, user=user, right=right, reason="演示数据")
        return created

    def _later_modules(self, rng: random.Random) -> None:
        """Each later part of Zhiku adds its demonstration data here, drawn from ``rng``."""
        # --- expert registry (issue 4) ---
        from zhiku.experts.demo import seed_experts

        made = seed_experts(rng, actor=User.objects.get(username="staff"))
        self.stdout.write(f"演示专家：新建 {made} 位。")

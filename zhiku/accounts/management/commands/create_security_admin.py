"""Create the first security admin of a new installation."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from zhiku.accounts.models import AccountChange, Role, User
from zhiku.core.audit import log_action


class Command(BaseCommand):
    help = (
        "新系统安装时创建第一位安全管理员（之后的账户均由安全管理员在网页中创建）。"
        "密码从终端读取，不在命令行中出现。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="用户名")
        parser.add_argument("--full-name", required=True, help="姓名")
        parser.add_argument("--email", required=True, help="电子邮箱")

    @transaction.atomic
    def handle(self, *args: Any, username: str, full_name: str, email: str, **o: Any) -> None:
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"用户名“{username}”已被使用。")
        user = User(username=username, full_name=full_name, email=email, role=Role.SECURITY_ADMIN)
        password = getpass.getpass("密码：")
        if password != getpass.getpass("再次输入密码："):
            raise CommandError("两次输入的密码不一致。")
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        user.set_password(password)
        user.save()
        AccountChange.objects.create(
            user=user,
            kind=AccountChange.Kind.CREATED,
            to_value=Role.SECURITY_ADMIN,
            at=timezone.now(),
            reason="系统安装时由命令行创建",
        )
        log_action(
            "accounts.account.created",
            obj=user,
            actor_label="manage.py create_security_admin",
            changes={"value": ["", Role.SECURITY_ADMIN]},
        )
        self.stdout.write(self.style.SUCCESS(f"已创建安全管理员 {user}。"))

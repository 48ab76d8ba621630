"""Create a security admin from the server: the first of a new installation, and the second.

Every later security admin is asked for in the web pages and approved by another one; the
first two cannot be, so whoever runs the server creates them, as the installer.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiku.accounts.services import AccountError, security_admin_bootstrap


class Command(BaseCommand):
    help = (
        "在服务器上创建安全管理员：新系统安装时的第一位，以及第二位（涉及个人信息的授权须由"
        "第二位安全管理员批准）。此后的安全管理员账户在网页上申请，由另一位安全管理员批准。"
        "密码从终端读取，不在命令行中出现。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="用户名")
        parser.add_argument("--full-name", required=True, help="姓名")
        parser.add_argument("--email", required=True, help="电子邮箱")

    def handle(self, *args: Any, username: str, full_name: str, email: str, **o: Any) -> None:
        # Ask before any transaction: SQLite would hold its write lock while the installer types.
        password = getpass.getpass("密码：")
        if password != getpass.getpass("再次输入密码："):
            raise CommandError("两次输入的密码不一致。")
        try:
            user = security_admin_bootstrap(
                username=username, full_name=full_name, email=email, password=password
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"已创建安全管理员 {user}。"))

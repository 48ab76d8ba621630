"""Write the audit trail's head hash of the day to a file outside the database, and mail it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from zhiku.core.audit import verify_chain
from zhiku.core.roles import Role
from zhiku.core.tasks import send_email


def anchor_path(directory: Path, day: dt.date) -> Path:
    return directory / f"audit-head-{day.isoformat()}.txt"


class Command(BaseCommand):
    help = (
        "校验审计日志后，把当前链头哈希追加到当天的锚定文件（ZHIKU_AUDIT_ANCHOR_DIR），"
        "并在启用 ZHIKU_AUDIT_ANCHOR_MAIL 时发给每位审计员。链头未变时不重复写入或发信，"
        "可每天运行多次。日后可用 audit_verify --expect-head 证明日志未被截断。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            default="",
            metavar="YYYY-MM-DD",
            help="锚定文件所属的日期（默认今天，Asia/Shanghai）",
        )
        parser.add_argument(
            "--dir",
            dest="directory",
            default="",
            help="锚定文件所在目录（默认取设置 AUDIT_ANCHOR_DIR，即环境变量 ZHIKU_AUDIT_ANCHOR_DIR）",
        )

    def handle(self, *args: Any, date: str, directory: str, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"无法识别的日期“{date}”：请使用 YYYY-MM-DD 格式。") from None
        folder = Path(directory) if directory else Path(settings.AUDIT_ANCHOR_DIR)
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"审计日志校验失败，未写入锚定：{report.problem}（请立即通知审计员，并运行 audit_verify）"
            )
        path = anchor_path(folder, day)
        line = f"{day.isoformat()} {report.count} {report.head_hash}"
        recorded = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        if recorded and recorded[-1].split()[-1:] == [report.head_hash]:
            self.stdout.write(f"链头未变，未重复写入：{line}")
            return
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        self.stdout.write(f"已写入 {path}：{line}")
        if settings.AUDIT_ANCHOR_MAIL:
            self._mail(day, report.count, report.head_hash)

    def _mail(self, day: dt.date, count: int, head: str) -> None:
        recipients = list(
            get_user_model()
            .objects.filter(role=Role.AUDITOR, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if not recipients:
            self.stderr.write("没有可接收邮件的审计员账户，未发送链头邮件。")
            return
        body = (
            f"{day.isoformat()} 审计日志链头：\n\n"
            f"条目数：{count}\n链头哈希：{head}\n\n"
            "请将本邮件保存在系统之外。日后运行\n"
            f"  python manage.py audit_verify --expect-head {head}\n"
            "即可证明此前的条目未被删除或改写。\n"
        )
        send_email.enqueue(
            subject=f"【广东省质量发展智库】审计日志链头 {day.isoformat()}",
            body=body,
            recipients=recipients,
        )
        self.stdout.write(f"已发送给 {len(recipients)} 位审计员。")

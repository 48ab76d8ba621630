"""Write draw records (JSON) for anyone to check with ``python -m zhiku.verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiku.activities.choices import ActivityStatus, DrawStatus
from zhiku.activities.models import Draw
from zhiku.activities.record import record_filename, record_json


class Command(BaseCommand):
    help = (
        "输出抽取记录（JSON）。--all DIR：将每一项已结束活动的抽取记录（已完成或已取消，秘密值已公开）"
        "写入目录 DIR，每项一个文件；或给出抽取编号，将其记录输出到标准输出。"
        "记录可用 python -m zhiku.verify 核验。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", metavar="CODE", help="抽取编号，如 CQ-2026-0001")
        parser.add_argument(
            "--all", metavar="DIR", dest="directory", help="写入全部已结束抽取记录的目录"
        )

    def handle(self, *args: Any, codes: list[str], directory: str | None, **options: Any) -> None:
        if bool(codes) == bool(directory):
            raise CommandError(
                "请给出抽取编号，或用 --all DIR 写出全部已结束的抽取记录（二者选一）。"
            )
        if directory:
            folder = Path(directory)
            folder.mkdir(parents=True, exist_ok=True)
            draws = Draw.objects.filter(
                activity__status=ActivityStatus.CLOSED,
                status__in=(DrawStatus.COMPLETED, DrawStatus.CANCELLED),
            ).select_related("activity")
            count = 0
            for draw in draws.order_by("pk"):
                (folder / record_filename(draw)).write_text(record_json(draw), encoding="utf-8")
                count += 1
            self.stdout.write(f"已写出 {count} 份抽取记录到 {folder}")
            return
        for code in codes:
            found = Draw.objects.select_related("activity").filter(code=code).first()
            if found is None:
                raise CommandError(f"没有编号为 {code} 的抽取。")
            self.stdout.write(record_json(found), ending="")

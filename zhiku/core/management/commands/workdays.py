"""Count and check working days from the command line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhiku.core.workdays import CalendarNotConfigured, WorkdayCalendar


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"无法识别的日期“{text}”：请使用 YYYY-MM-DD 格式，如 2026-09-28。"
        ) from None


class Command(BaseCommand):
    help = (
        "按中国大陆官方工作日历（含法定节假日与调休上班日）计算和查询工作日。"
        "起算日不计入（《民法典》第二百零一条）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, title="子命令")
        add = sub.add_parser(
            "add",
            help="打印某日之后第 N 个工作日的日期（起算日不计入）",
            description="打印 DATE 之后第 N 个工作日的日期，起算日不计入。",
        )
        add.add_argument("date", help="起算日，格式 YYYY-MM-DD，如 2026-09-28")
        add.add_argument("n", type=int, help="工作日数，正整数，如 7")
        check = sub.add_parser(
            "check",
            help="说明某日是否为工作日及原因",
            description="说明 DATE 是否为工作日，以及依据（周末、法定节假日、调休上班等）。",
        )
        check.add_argument("date", help="要查询的日期，格式 YYYY-MM-DD，如 2026-10-10")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        calendar = WorkdayCalendar()
        day = _date(options["date"])
        try:
            if subcommand == "add":
                if options["n"] < 1:
                    raise CommandError(
                        "工作日数须为正整数（至少为 1）：期限从起算日的次日起算，"
                        "第 0 个工作日没有意义。要查询某日本身是否为工作日，请用 check 子命令。"
                    )
                self.stdout.write(calendar.add_workdays(day, options["n"]).isoformat())
            else:
                info = calendar.explain(day)
                verdict = "工作日" if info.is_workday else "非工作日"
                self.stdout.write(f"{day.isoformat()} {verdict}：{info.reason}")
        except CalendarNotConfigured as exc:
            raise CommandError(str(exc)) from None

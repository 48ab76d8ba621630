"""Run every app's deadline step, then e-mail each member of staff what falls due soon.

Idempotent, so it may run every few minutes (``make run`` does; production runs it from cron):
a step closes only what has ended and is still open, and each person gets at most one digest a
day (the audit trail records each one sent). Pages never depend on it: a notice past its end
shows as ended whether or not this has run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from zhiku.core.audit import log_action
from zhiku.core.errors import DomainError
from zhiku.core.http import site_url
from zhiku.core.models import AuditEntry
from zhiku.core.plugins import dashboard, deadline_steps, due_items
from zhiku.core.roles import Role
from zhiku.core.tasks import send_email
from zhiku.core.workdays import add_workdays

DIGEST_ACTION = "core.deadline_digest.sent"
DIGEST_WORKDAYS = 3


class Command(BaseCommand):
    help = (
        "办理到期事项：由各模块关闭已到期的事项（征集截止、公示期满等），"
        f"并给每位工作人员发送一封未来 {DIGEST_WORKDAYS} 个工作日内到期事项的提醒邮件"
        "（每人每天至多一封，在 ZHIKU_DEADLINE_DIGEST_HOUR 点以后发送）。可反复运行，"
        "第二次运行不会重复办理或重复发信。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-digest", action="store_true", help="只办理到期事项，不发送提醒邮件"
        )

    def handle(self, *args: Any, no_digest: bool, **options: Any) -> None:
        now = timezone.now()
        failed = []
        for app, step in deadline_steps():
            try:
                with transaction.atomic():
                    lines = list(step(now))
            except DomainError as exc:
                failed.append(app)
                self.stderr.write(f"{app}：{exc}")
                continue
            for line in lines:
                self.stdout.write(line)
        if not no_digest:
            self._digest(now)
        if failed:
            raise CommandError("以下模块的到期事项未能办理：" + "、".join(failed))

    def _digest(self, now: dt.datetime) -> None:
        local = timezone.localtime(now)
        if local.hour < settings.ZHIKU_DEADLINE_DIGEST_HOUR:
            return
        today = local.date()
        problem = ""
        try:
            until = add_workdays(today, DIGEST_WORKDAYS)
        except DomainError as exc:
            # Never guess a horizon: list only what is due by today, and say why.
            until, problem = today, str(exc)
        sent_to = set(
            AuditEntry.objects.filter(
                action=DIGEST_ACTION, data__day=today.isoformat()
            ).values_list("object_id", flat=True)
        )
        staff = (
            get_user_model()
            .objects.filter(role=Role.STAFF, is_active=True)
            .exclude(email="")
            .order_by("pk")
        )
        count = 0
        for user in staff:
            if str(user.pk) in sent_to:
                continue
            items = due_items(user, today, until)
            if not items:
                continue
            body = render_to_string(
                "core/email/deadline_digest.txt",
                {
                    "user": user,
                    "today": today,
                    "until": until,
                    "workdays": DIGEST_WORKDAYS,
                    "items": [(item, site_url(item.url)) for item in items],
                    "waiting": [(item, site_url(item.url)) for item in dashboard(user, today)],
                    "problem": problem,
                    "link": site_url(reverse("core:dashboard")),
                },
            )
            subject, _sep, text = body.partition("\n")
            with transaction.atomic():
                send_email.enqueue(
                    subject=subject.strip(), body=text.lstrip("\n"), recipients=[user.email]
                )
                log_action(
                    DIGEST_ACTION,
                    obj=user,
                    data={"day": today.isoformat(), "items": len(items)},
                )
            count += 1
        if count:
            self.stdout.write(f"已向 {count} 位工作人员发送到期事项提醒邮件。")

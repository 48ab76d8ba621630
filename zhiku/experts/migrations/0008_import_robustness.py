"""Imports that tell the truth: rows read, blank and wrong; one row per activation e-mail owed,
with what became of it; each imported expert linked to the job that entered them.

The e-mail counters of older jobs become rows: an account whose holder has set a password got
its e-mail; the others did if the job counted every e-mail as sent, else they are pending (the
sending of that job stopped midway) and the job page offers to send them again. Experts entered
by an older import are linked to it through the reason of their first status row ("导入任务 #N").
"""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

JOB_IN_REASON = re.compile(r"导入任务 #(\d+)")


def forward(apps, schema_editor):
    ImportJob = apps.get_model("experts", "ImportJob")
    ActivationEmail = apps.get_model("experts", "ActivationEmail")
    User = apps.get_model("accounts", "User")
    Expert = apps.get_model("experts", "Expert")
    StatusChange = apps.get_model("experts", "StatusChange")

    for job in ImportJob.objects.exclude(account_ids=[]).iterator():
        everyone_sent = job.emails_sent >= len(job.account_ids)
        rows = []
        for user in User.objects.filter(pk__in=job.account_ids).order_by("pk"):
            used = bool(user.password) and not user.password.startswith("!")
            sent = used or everyone_sent
            rows.append(
                ActivationEmail(
                    job=job,
                    user=user,
                    status="sent" if sent else "pending",
                    sent_at=job.finished_at if sent else None,
                )
            )
        ActivationEmail.objects.bulk_create(rows, batch_size=1000)
        waiting = any(r.status == "pending" for r in rows)
        job.email_state = "incomplete" if waiting else "done"
        job.email_error = (
            "发送在中途停止，未能确认其余邮件是否发出；可点击“重新发送”。" if waiting else ""
        )
        job.email_updated_at = job.finished_at
        job.save(update_fields=["email_state", "email_error", "email_updated_at"])

    jobs = set(ImportJob.objects.values_list("pk", flat=True))
    changes = StatusChange.objects.filter(from_value="", reason__contains="导入任务 #")
    for expert_id, reason in changes.values_list("expert_id", "reason").iterator():
        match = JOB_IN_REASON.search(reason)
        if match and int(match.group(1)) in jobs:
            Expert.objects.filter(pk=expert_id, import_job__isnull=True).update(
                import_job_id=int(match.group(1))
            )


class Migration(migrations.Migration):
    dependencies = [
        ("experts", "0007_normalise_protected_values"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="blank_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="跳过的空行数"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="error_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="有错误的行数"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="processed_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="已读取行数"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="email_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "无"),
                    ("queued", "等待发送"),
                    ("sending", "正在发送"),
                    ("done", "已全部发出"),
                    ("incomplete", "未全部发出"),
                ],
                default="",
                max_length=16,
                verbose_name="激活邮件",
            ),
        ),
        migrations.AddField(
            model_name="importjob",
            name="email_error",
            field=models.TextField(blank=True, verbose_name="激活邮件发送问题"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="email_updated_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.CreateModel(
            name="ActivationEmail",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待发送"),
                            ("sent", "已发送"),
                            ("failed", "发送失败"),
                            ("not_needed", "无需发送"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="状态",
                    ),
                ),
                ("error", models.CharField(blank=True, max_length=300, verbose_name="失败原因")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="发送时间")),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="activation_emails",
                        to="experts.importjob",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "激活邮件",
                "indexes": [
                    models.Index(fields=["job", "status"], name="activationemail_job_status")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("job", "user"), name="activationemail_once_per_job"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="expert",
            name="import_job",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="experts",
                to="experts.importjob",
                verbose_name="导入任务",
            ),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RemoveField(model_name="importjob", name="account_ids"),
        migrations.RemoveField(model_name="importjob", name="emails_sent"),
    ]

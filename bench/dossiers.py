"""综合考核档案性能基准：为 1000 位专家（默认）各生成一份 PDF 档案并打包，即“全库档案批量生成”。

Runs against its own throwaway database (SQLite in a temporary directory, or a fresh test
database on the server DATABASE_URL names), never the developer's var/zhiku.sqlite3. It writes a
year's record for N experts — about three activities each with their attendance, scores and fees,
four training sessions, a confirmed yearly assessment — then runs the background task's body
(``dossier_batch_run``) once and prints the time, the pages written and pages per second, and
how much of the time went into reading the records (``dossier_of`` for every expert, timed
apart). It asserts nothing, so a slow machine still reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

YEAR = 2026
PER_ACTIVITY = 10
SERVICES_PER_EXPERT = 3
TRAININGS = 4


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/dossiers.py",
        description=(
            "综合考核档案性能基准：在独立的临时数据库中为 N 位在库专家生成一年的记录（每人约 3 项活动的"
            "出席、评分与报酬，4 次培训，一次已确认的年度考核），然后运行一次全库档案批量生成（后台任务"
            "的主体 dossier_batch_run），打印总耗时、总页数、每秒页数，以及其中读取记录（dossier_of）"
            "所占的时间。设置了 DATABASE_URL 时在该 PostgreSQL 服务器上新建临时测试库，结束后删除。"
        ),
        formatter_class=ChineseHelpFormatter,
        add_help=False,
    )
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    parser.add_argument(
        "--experts", type=int, default=1000, metavar="N", help="在库专家人数（默认 %(default)s）"
    )
    parser.add_argument(
        "--seed", type=int, default=2026, help="生成数据所用的随机种子（默认 %(default)s）"
    )
    return parser


# --- a throwaway database -------------------------------------------------------------------


def _own_database(workdir: Path) -> Callable[[], None]:
    """Set Django up on a fresh database of its own; return what removes it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiku.test_settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.MEDIA_ROOT = workdir / "media"
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = str(workdir / "bench.sqlite3")
    else:
        db.setdefault("TEST", {})["NAME"] = f"{db['NAME']}_dossiers_bench"
    old_name = db["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    assert connection.settings_dict["NAME"] != old_name, "基准测试不得使用开发数据库"

    def drop() -> None:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    return drop


# --- a year's record ------------------------------------------------------------------------


def create_records(count: int, rng: random.Random, out: Callable[[str], None]) -> Any:
    """N experts of the pool and a year's record; returns the member of staff who asks."""
    from django.db import transaction
    from django.utils import timezone

    from zhiku.accounts.tests.factories import make_account
    from zhiku.activities.choices import ActivityKind, ActivityStatus, AttendanceStatus, Source
    from zhiku.activities.models import Activity, Attendance, Fee
    from zhiku.evaluations import services
    from zhiku.evaluations.models import Evaluation, TrainingInvitee, TrainingSession
    from zhiku.experts import crypto
    from zhiku.experts.models import Expert, ExpertField, ExpertiseField

    start = time.perf_counter()
    staff = make_account("staff", username="bench-staff", rights=("export_data",))
    now = timezone.now()
    leaves = list(ExpertiseField.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    token = crypto.encrypt("440106197001010000")  # never decrypted here
    kinds = [k for k in ActivityKind.values if k != ActivityKind.SEMINAR]
    with transaction.atomic():
        experts = Expert.objects.bulk_create(
            [
                Expert(
                    name=f"基准专家{i}",
                    gender="male" if i % 2 else "female",
                    birth_date=dt.date(1960, 1, 1) + dt.timedelta(days=i % 9000),
                    id_type="resident",
                    id_number_token=token,
                    id_number_hash=crypto.lookup_hash(f"bench-{i}", purpose=crypto.ID_HASH_PURPOSE),
                    id_number_masked="4****************0",
                    organisation=f"广东省基准检测研究院第{i % 97}分院",
                    org_type="research",
                    title="高级工程师",
                    title_level="senior",
                    region="guangzhou",
                    status="active",
                    pool_number=f"GDQ-2020-{i + 1:04d}",
                )
                for i in range(count)
            ],
            batch_size=500,
        )
        ExpertField.objects.bulk_create(
            [
                ExpertField(expert=e, field_id=leaves[i % len(leaves)], is_primary=True)
                for i, e in enumerate(experts)
            ],
            batch_size=500,
        )
        size = min(PER_ACTIVITY, count)
        n_activities = max(1, count * SERVICES_PER_EXPERT // size)
        activities = Activity.objects.bulk_create(
            [
                Activity(
                    kind=kinds[a % len(kinds)],
                    title=f"{YEAR} 年基准评估活动第 {a + 1} 项",
                    start_date=dt.date(YEAR, 1, 5) + dt.timedelta(days=(a * 347) % 300),
                    end_date=dt.date(YEAR, 1, 5) + dt.timedelta(days=(a * 347) % 300),
                    place="广州市天河区",
                    experts_needed=size,
                    status=ActivityStatus.CLOSED,
                    created_by=staff,
                    created_at=now,
                    closed_at=now,
                )
                for a in range(n_activities)
            ],
            batch_size=500,
        )
        attendance, evaluations, fees = [], [], []
        for a, activity in enumerate(activities):
            for k in range(size):
                expert = experts[(a * size + k) % count]
                status = (
                    AttendanceStatus.UNEXCUSED
                    if rng.random() < 0.03
                    else AttendanceStatus.EXCUSED
                    if rng.random() < 0.05
                    else AttendanceStatus.ATTENDED
                )
                attendance.append(
                    Attendance(
                        activity=activity,
                        expert=expert,
                        source=Source.DRAWN,
                        status=status,
                        opinion="意见已按时提交，载入活动报告。" if status == "attended" else "",
                        recorded_by=staff,
                        recorded_at=now,
                    )
                )
                if status != AttendanceStatus.ATTENDED:
                    continue
                scores = {
                    d: rng.choice((3, 4, 4, 5))
                    for d in ("attitude", "professional", "knowledge", "expression")
                }
                evaluations.append(
                    Evaluation(
                        activity=activity,
                        expert=expert,
                        scale_max=5,
                        comment="准备充分，意见具体可行。",
                        scored_by=staff,
                        scored_at=now,
                        **scores,
                    )
                )
                fees.append(
                    Fee(
                        activity=activity,
                        expert=expert,
                        amount=Decimal("1800.00"),
                        paid_on=activity.start_date + dt.timedelta(days=14),
                        recorded_by=staff,
                        recorded_at=now,
                    )
                )
        Attendance.objects.bulk_create(attendance, batch_size=1000)
        Evaluation.objects.bulk_create(evaluations, batch_size=1000)
        Fee.objects.bulk_create(fees, batch_size=1000)
        for t in range(TRAININGS):
            session = TrainingSession.objects.create(
                topic=("law", "policy", "technical", "other")[t],
                title=f"{YEAR} 年第 {t + 1} 期专家培训",
                date=dt.date(YEAR, 3 * t + 2, 10),
                place="广州市越秀区",
                status="held",
                created_by=staff,
                created_at=now,
            )
            TrainingInvitee.objects.bulk_create(
                [
                    TrainingInvitee(
                        session=session,
                        expert=e,
                        invited_by=staff,
                        invited_at=now,
                        email_status="queued",
                        attendance="attended" if rng.random() < 0.8 else "absent",
                        recorded_by=staff,
                        recorded_at=now,
                    )
                    for e in experts
                ],
                batch_size=1000,
            )
    assessment = services.assessment_run(
        actor=staff,
        title=f"{YEAR} 年度专家考核",
        period_start=dt.date(YEAR, 1, 1),
        period_end=dt.date(YEAR, 12, 31),
    )
    services.assessment_grades_accept(actor=staff, assessment=assessment)
    services.assessment_confirm(actor=staff, assessment=assessment)
    out(
        f"生成专家 {count} 人及一年的记录（活动 {n_activities} 项、出席 {len(attendance)} 人次、"
        f"评价 {len(evaluations)} 次、培训 {TRAININGS} 次、年度考核 1 次）：{time.perf_counter() - start:.1f} s"
    )
    return staff


# --- measurement ----------------------------------------------------------------------------


def run(count: int, seed: int, out: Callable[[str], None] = print) -> None:
    from zhiku.evaluations.models import DossierBatch
    from zhiku.evaluations.selectors.dossier import dossier_of
    from zhiku.evaluations.services.dossiers import dossier_batch_run, pool_experts

    rng = random.Random(seed)  # noqa: S311 - seeded sample data, not a secret
    staff = create_records(count, rng, out)

    start = time.perf_counter()
    for expert in pool_experts():
        dossier_of(expert)
    reading = time.perf_counter() - start

    batch = DossierBatch.objects.create(requested_by=staff, requested_at=_now(), total=count)
    start = time.perf_counter()
    batch = dossier_batch_run(batch=batch)
    elapsed = time.perf_counter() - start
    size = batch.size or 0

    out(f"批量生成档案：{batch.done} 份，共 {batch.pages} 页，压缩包 {size / 1024 / 1024:.1f} MB")
    out(f"总耗时：{elapsed:.1f} s（每份 {elapsed / max(1, batch.done) * 1000:.0f} ms）")
    out(f"每秒页数：{batch.pages / elapsed:.1f} 页/秒")
    out(f"其中读取记录（dossier_of，单独计时）：{reading:.1f} s（{reading / elapsed * 100:.0f}%）")


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def main(argv: Sequence[str] | None = None, *, database_ready: bool = False) -> int:
    """Run the benchmark; ``database_ready`` means the caller (a test) already owns a database."""
    args = build_parser().parse_args(argv)
    if database_ready:
        run(args.experts, args.seed)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="zhiku-bench-dossiers-"))
    try:
        drop = _own_database(workdir)
        try:
            run(args.experts, args.seed)
        finally:
            drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

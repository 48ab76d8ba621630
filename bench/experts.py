"""专家库性能基准：10 万专家下的列表页、1 万行名单导入，以及同一文件的 openpyxl 直接读取。

Runs against its own throwaway database (SQLite in a temporary directory, or a fresh test
database on the server DATABASE_URL names), never the developer's var/zhiku.sqlite3. Prints the
figures and whether each target is met; it asserts nothing, so a slow machine still reports.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LIST_TARGET_MS = 100.0
IMPORT_TARGET_RATIO = 3.0
LIST_RUNS = 7
READ_RUNS = 3


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/experts.py",
        description=(
            "专家库性能基准：在独立的临时数据库中生成专家，测量列表页服务端耗时（领域 + 职称级别 + 地区"
            "筛选，第 2 页，多次取中位数）、导入一份名单文件的耗时，以及用 openpyxl 直接读取同一文件"
            f"的耗时。目标：列表页 ≤ {LIST_TARGET_MS:.0f} ms；导入 ≤ 直接读取的 "
            f"{IMPORT_TARGET_RATIO:.0f} 倍。设置了 DATABASE_URL 时在该 PostgreSQL 服务器上新建"
            "临时测试库，结束后删除。"
        ),
        formatter_class=ChineseHelpFormatter,
        add_help=False,
    )
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    parser.add_argument(
        "--experts",
        type=int,
        default=100_000,
        metavar="N",
        help="库中预先生成的专家人数（默认 %(default)s）",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=10_000,
        metavar="M",
        help="导入文件的数据行数（默认 %(default)s）",
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
    from django.conf import settings

    django.setup()
    from django.db import connection

    # Not setup_test_environment(): its template instrumentation (a signal and a copy of the
    # context per template rendered) is test machinery, not server time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = workdir / "media"
    # Activation e-mails are a separate background task; they are queued, not timed.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = str(workdir / "bench.sqlite3")
    else:
        db.setdefault("TEST", {})["NAME"] = f"{db['NAME']}_bench"
    old_name = db["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    assert connection.settings_dict["NAME"] != old_name, "基准测试不得使用开发数据库"

    def drop() -> None:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    return drop


# --- data -----------------------------------------------------------------------------------

REGION_WEIGHTS = {"guangzhou": 30, "shenzhen": 20, "foshan": 8, "dongguan": 8, "other_province": 6}
LEVEL_WEIGHTS = {
    "senior": 25,
    "associate_senior": 35,
    "intermediate": 25,
    "junior": 10,
    "none": 5,
}


def _pick(rng: random.Random, weights: dict[str, int], rest: Sequence[str]) -> str:
    choices = list(weights) + list(rest)
    w = list(weights.values()) + [2] * len(rest)
    return rng.choices(choices, weights=w)[0]


def create_experts(count: int, rng: random.Random) -> None:
    """Write ``count`` experts with fields and status rows by bulk inserts of precomputed rows."""
    from django.db import connection, transaction

    from zhiku.core.masking import mask
    from zhiku.experts import crypto
    from zhiku.experts.choices import Region
    from zhiku.experts.models import Expert, ExpertField, ExpertiseField
    from zhiku.experts.services import ID_HASH_PURPOSE, MOBILE_HASH_PURPOSE
    from zhiku.experts.tests.factories import resident_number

    other_regions = [r for r in Region.values if r not in REGION_WEIGHTS]
    leaves = list(ExpertiseField.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    # Never decrypted here: one token of the real length serves every row.
    id_token = crypto.encrypt("440106197001010000")
    mobile_token = crypto.encrypt("13800000000")
    experts = []
    for i in range(count):
        birth = date(1955, 1, 1) + timedelta(days=i % 14_000)
        number = resident_number(birth, i // 14_000, area="110101")
        mobile = f"150{i:08d}"
        applicant = i % 20 == 0
        experts.append(
            Expert(
                name=f"基准专家{i}",
                gender="male" if i % 2 else "female",
                birth_date=birth,
                id_type="resident",
                id_number_token=id_token,
                id_number_hash=crypto.lookup_hash(number, purpose=ID_HASH_PURPOSE),
                id_number_masked=mask(number),
                mobile_token=mobile_token,
                mobile_hash=crypto.lookup_hash(mobile, purpose=MOBILE_HASH_PURPOSE),
                mobile_masked=mask(mobile),
                organisation=f"基准单位{i % 3000}",
                org_type=rng.choice(["university", "research", "enterprise", "public_institution"]),
                title="高级工程师",
                title_level=_pick(rng, LEVEL_WEIGHTS, []),
                region=_pick(rng, REGION_WEIGHTS, other_regions),
                status="applicant" if applicant else "active",
                pool_number=None if applicant else f"GDQ-{2015 + i // 20_000}-{i % 20_000 + 1:05d}",
            )
        )
    with transaction.atomic():
        Expert.objects.bulk_create(experts, batch_size=2000)
        links = []
        for e in experts:
            primary = rng.choice(leaves)
            links.append(ExpertField(expert_id=e.pk, field_id=primary, is_primary=True))
            if rng.random() < 0.3:
                other = rng.choice(leaves)
                if other != primary:
                    links.append(ExpertField(expert_id=e.pk, field_id=other, is_primary=False))
        ExpertField.objects.bulk_create(links, batch_size=5000)
    # Fresh statistics, and on PostgreSQL no autovacuum of 200,000 new rows during the timing.
    with connection.cursor() as cursor:
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def write_roster(path: Path, rows: int) -> None:
    """Write a filled-in roster of ``rows`` people in the template's layout."""
    from openpyxl import Workbook

    from zhiku.experts.spreadsheets import DATA_SHEET, HEADERS
    from zhiku.experts.tests.factories import resident_number

    fields = ["01.01 质量管理体系", "02.01 标准制修订", "05.01 产品检验", "12.02 质量政策研究"]
    regions = ["广州市", "深圳市", "佛山市", "外省（区、市）"]
    levels = ["正高级", "副高级", "中级"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    ws.append(list(HEADERS))
    for n in range(rows):
        birth = date(1960, 1, 1) + timedelta(days=n % 9000)
        ws.append(
            [
                f"导入专家{n}",
                "女" if n % 2 else "男",
                birth,
                "居民身份证",
                resident_number(birth, n // 9000, area="440306"),
                f"137{n:08d}",
                f"expert{n}@example.org" if n % 10 else "",
                "广州市天河区华观路 1 号",
                "广东省质量研究院",
                "科研院所",
                "室主任",
                "否",
                "研究员",
                levels[n % 3],
                "",
                "博士研究生",
                "博士",
                "",
                "",
                regions[n % 4],
                fields[n % 4],
                "01.02、05.02" if n % 5 == 0 else "",
                "C、M" if n % 3 == 0 else "",
                "是",
                "是",
            ]
        )
    wb.save(path)


# --- measurements ---------------------------------------------------------------------------


def measure_list(out: Callable[[str], None]) -> float:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from zhiku.accounts.tests.factories import make_account
    from zhiku.experts import selectors
    from zhiku.experts.models import ExpertiseField

    client = Client()
    client.force_login(make_account("staff", username="bench-staff"))
    field = ExpertiseField.objects.get(code="01")
    params: dict[str, str | int] = {
        "field": field.pk,
        "title_level": "senior",
        "region": "guangzhou",
        "page": 2,
    }
    url = reverse("registry:expert_list")
    response = client.get(url, params)  # warm-up: templates, caches
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(LIST_RUNS):
        start = time.perf_counter()
        client.get(url, params)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    matches = selectors.expert_search(
        today=timezone.localdate(), field=field, title_level="senior", region="guangzhou"
    ).count()
    median = statistics.median(times)
    out(
        f"列表页（领域 01 + 职称级别 正高级 + 地区 广州市，第 2 页，匹配 {matches} 人）："
        f"中位数 {median:.1f} ms（{LIST_RUNS} 次：{', '.join(f'{t:.1f}' for t in times)}），"
        f"每次 {len(queries)} 条查询"
    )
    return median


def bare_read(path: Path) -> float:
    from openpyxl import load_workbook

    start = time.perf_counter()
    wb = load_workbook(path, read_only=True)
    cells = 0
    for row in wb.worksheets[0].iter_rows(values_only=True):
        for _value in row:
            cells += 1
    wb.close()
    return time.perf_counter() - start


def measure_import(path: Path, rows: int, out: Callable[[str], None]) -> tuple[float, float]:
    from django.conf import settings
    from django.utils import timezone

    from zhiku.accounts.models import Right
    from zhiku.accounts.tests.factories import make_account
    from zhiku.experts.models import ImportJob
    from zhiku.experts.services import import_job_run

    reads = [bare_read(path) for _ in range(READ_RUNS)]
    read = statistics.median(reads)
    actor = make_account("staff", username="bench-importer", rights=(Right.REVIEW_APPLICATIONS,))
    stored = Path(settings.MEDIA_ROOT) / "imports" / "bench.xlsx"
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, stored)
    job = ImportJob.objects.create(
        created_by=actor,
        created_at=timezone.now(),
        file_name=path.name,
        stored_file="imports/bench.xlsx",
        admit_on=timezone.localdate(),
    )
    start = time.perf_counter()
    job = import_job_run(job=job)
    elapsed = time.perf_counter() - start
    out(
        f"导入 {rows} 行：{elapsed:.2f} s（结果：{job.get_state_display()}，"
        f"导入 {job.created_count} 人，开设账户 {job.account_count} 个，错误 {job.error_count} 处）"
    )
    if job.state != ImportJob.State.COMPLETED:
        out(f"  导入未完成：{job.message} {job.errors[:3]}")
        elapsed = float("inf")  # a failed import meets no target
    out(
        f"openpyxl 直接读取同一文件（read_only=True，遍历全部值）：中位数 {read:.2f} s"
        f"（{READ_RUNS} 次：{', '.join(f'{t:.2f}' for t in reads)}）"
    )
    return elapsed, read


def run(experts: int, rows: int, seed: int, out: Callable[[str], None] = print) -> dict[str, float]:
    """Measure on the database Django is set up with (which must be a throwaway one)."""
    from django.db import connection

    rng = random.Random(seed)  # noqa: S311 - seeded sample data, not a secret
    out(f"数据库：{connection.vendor}（{connection.settings_dict['NAME']}）")
    start = time.perf_counter()
    create_experts(experts, rng)
    out(f"生成专家 {experts} 人：{time.perf_counter() - start:.1f} s")
    list_ms = measure_list(out)
    with tempfile.TemporaryDirectory(prefix="zhiku-bench-file-") as tmp:
        path = Path(tmp) / f"roster-{rows}.xlsx"
        write_roster(path, rows)
        out(f"导入文件：{rows} 行，{path.stat().st_size / 1024:.0f} KB")
        imported, read = measure_import(path, rows, out)
    ratio = imported / read if read else float("inf")
    met = "达标" if list_ms <= LIST_TARGET_MS else "未达标"
    out(f"目标 列表页 ≤ {LIST_TARGET_MS:.0f} ms：{list_ms:.1f} ms，{met}")
    met = "达标" if ratio <= IMPORT_TARGET_RATIO else "未达标"
    out(f"目标 导入 / 直接读取 ≤ {IMPORT_TARGET_RATIO:.0f}：{ratio:.2f}，{met}")
    return {"list_ms": list_ms, "import_s": imported, "read_s": read, "ratio": ratio}


def main(argv: Sequence[str] | None = None, *, database_ready: bool = False) -> int:
    """Run the benchmark; ``database_ready`` means the caller (a test) already owns a database."""
    args = build_parser().parse_args(argv)
    if database_ready:
        run(args.experts, args.rows, args.seed)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="zhiku-bench-"))
    try:
        drop = _own_database(workdir)
        try:
            run(args.experts, args.rows, args.seed)
        finally:
            drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

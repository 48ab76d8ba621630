"""专家库性能基准：10 万专家下的列表页、1 万行名单导入，以及同一文件的 openpyxl 直接读取。

Runs against its own throwaway database (SQLite in a temporary directory, or a fresh test
database on the server DATABASE_URL names), never the developer's var/zhiku.sqlite3. Prints the
figures and whether each target is met; it asserts nothing, so a slow machine still reports.
"""

from __future__ import annotations

import argparse
import json
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
IMPORT_TARGET_RATIO = 2.0
LIST_RUNS = 7
CREATE_BATCH = 50_000
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
    from django.core.signals import setting_changed
    from django.db import connection

    # Not setup_test_environment(): its template instrumentation (a signal and a copy of the
    # context per template rendered) is test machinery, not server time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = workdir / "media"
    # Activation e-mails are a separate background task; they are queued, not timed. (Say so to
    # django-tasks too: it keeps the backends it made, here the test settings' immediate one.)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    setting_changed.send(sender=type(settings), setting="TASKS", value=settings.TASKS, enter=True)
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


def create_experts(
    count: int, rng: random.Random, out: Callable[[str], None] | None = None
) -> None:
    """Write ``count`` experts with their fields in batches: rows computed in Python and written
    with COPY on PostgreSQL (one prepared INSERT per row on SQLite), never model instances —
    ``bulk_create`` took 6 minutes for 1,000,000."""
    from django.db import connection, transaction
    from django.utils import timezone

    from zhiku.core.bulk import bulk_insert
    from zhiku.core.masking import mask
    from zhiku.experts import crypto
    from zhiku.experts.choices import Region
    from zhiku.experts.models import Expert, ExpertField, ExpertiseField
    from zhiku.experts.tests.factories import resident_number

    other_regions = [r for r in Region.values if r not in REGION_WEIGHTS]
    regions = list(REGION_WEIGHTS) + other_regions
    region_weights = list(REGION_WEIGHTS.values()) + [2] * len(other_regions)
    levels, level_weights = list(LEVEL_WEIGHTS), list(LEVEL_WEIGHTS.values())
    org_types = ["university", "research", "enterprise", "public_institution"]
    leaves = list(ExpertiseField.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    # Never decrypted here: one token of the real length serves every row.
    id_token = crypto.encrypt("440106197001010000")
    mobile_token = crypto.encrypt("13800000000")
    now = timezone.now()
    with transaction.atomic():
        last_pk = Expert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for start in range(0, count, CREATE_BATCH):
            stop = min(start + CREATE_BATCH, count)
            rows = []
            for i in range(start, stop):
                birth = date(1955, 1, 1) + timedelta(days=i % 14_000)
                number = resident_number(birth, i // 14_000, area="110101")
                mobile = f"150{i:08d}"
                applicant = i % 20 == 0
                rows.append(
                    {
                        "name": f"基准专家{i}",
                        "gender": "male" if i % 2 else "female",
                        "birth_date": birth,
                        "id_type": "resident",
                        "id_number_token": id_token,
                        "id_number_hash": crypto.lookup_hash(
                            number, purpose=crypto.ID_HASH_PURPOSE
                        ),
                        "id_number_masked": mask(number),
                        "mobile_token": mobile_token,
                        "mobile_hash": crypto.lookup_hash(
                            mobile, purpose=crypto.MOBILE_HASH_PURPOSE
                        ),
                        "mobile_masked": mask(mobile),
                        "organisation": f"基准单位{i % 3000}",
                        "org_type": rng.choice(org_types),
                        "title": "高级工程师",
                        "title_level": rng.choices(levels, weights=level_weights)[0],
                        "region": rng.choices(regions, weights=region_weights)[0],
                        "status": "applicant" if applicant else "active",
                        # Years before any the import or an admission numbers in (up to
                        # 1,000,000 experts): GDQ-2026-10000 taken by the data stopped the
                        # import of a million-expert run.
                        "pool_number": None
                        if applicant
                        else f"GDQ-{1975 + i // 20_000}-{i % 20_000 + 1:05d}",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            bulk_insert(Expert, rows)
            # One transaction, nobody else writing: the new keys follow the rows' order.
            pks = list(
                Expert.objects.filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", flat=True)[: stop - start]
            )
            assert len(pks) == stop - start, (len(pks), stop - start)
            last_pk = pks[-1]
            links = []
            for pk in pks:
                primary = rng.choice(leaves)
                links.append({"expert_id": pk, "field_id": primary, "is_primary": True})
                if rng.random() < 0.3:
                    other = rng.choice(leaves)
                    if other != primary:
                        links.append({"expert_id": pk, "field_id": other, "is_primary": False})
            bulk_insert(ExpertField, links)
            if out is not None and count > CREATE_BATCH:
                out(f"  已生成 {stop} 人……")
    # Fresh statistics, and on PostgreSQL no autovacuum of a million new rows during the
    # timing (VACUUM also sets the visibility map that index-only scans need).
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
                "男" if (n // 9000) % 2 else "女",  # as the number's 17th digit says
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
    url = reverse("experts:expert_list")
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
    with CaptureQueriesContext(connection) as counted:
        matches = selectors.expert_search(
            today=timezone.localdate(), field=field, title_level="senior", region="guangzhou"
        ).count()
    median = statistics.median(times)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    out(
        f"列表页（领域 01 + 职称级别 正高级 + 地区 广州市，第 2 页，匹配 {matches} 人）："
        f"中位数 {median:.1f} ms（{LIST_RUNS} 次：{', '.join(f'{t:.1f}' for t in times)}），"
        f"每次 {len(queries)} 条查询，其中数据库耗时 {sql_ms:.1f} ms（再测一次所得）；"
        f"测量时本机负载 {os.getloadavg()[0]:.1f}（{os.cpu_count()} 核）"
    )
    page_sqls = [q["sql"] for q in queries.captured_queries]
    estimated = any(q.startswith("EXPLAIN") and "experts_expert" in q for q in page_sqls)
    out(
        "人数："
        + (
            "页面用数据库的估计数（EXPLAIN，不逐一计数），以下“精确计数”页面不执行"
            if estimated
            else "页面逐一计数"
        )
    )
    explain_list(
        [
            ("精确计数", _list_query(counted.captured_queries[-1:], "COUNT(")),
            ("本页", _list_query(queries.captured_queries, "LIMIT")),
        ],
        out,
    )
    return median


def _list_query(queries: list[dict[str, str]], mark: str) -> str | None:
    """The list's query among ``queries``: the one on experts and their fields with ``mark``."""
    return next(
        (
            q["sql"]
            for q in queries
            if not q["sql"].startswith("EXPLAIN")
            and 'FROM "experts_expert"' in q["sql"]
            and "experts_expertfield" in q["sql"]
            and mark in q["sql"]
        ),
        None,
    )


def explain_list(queries: list[tuple[str, str | None]], out: Callable[[str], None]) -> None:
    """Print the plan the database chose for each of the list's queries, as a tree of steps
    with the table or index each reads (EXPLAIN ANALYZE on PostgreSQL, with the rows each step
    produced and the query's time; EXPLAIN QUERY PLAN on SQLite)."""
    from django.db import connection

    for label, sql in queries:
        if sql is None:
            out(f"查询计划（{connection.vendor}）{label}：未找到该查询")
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                steps = _postgresql_steps(plan[0]["Plan"])
                took = f"，执行 {plan[0]['Execution Time']:.1f} ms"
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                steps = _sqlite_steps(cursor.fetchall())
                took = ""
        out(f"查询计划（{connection.vendor}）{label}{took}：")
        for step in steps:
            out(f"    {step}")


def _postgresql_steps(node: dict[str, Any], depth: int = 0) -> list[str]:
    name = node["Node Type"]
    if node.get("Join Type") not in (None, "Inner"):  # Hash Join + Semi: "Hash Semi Join"
        name = name.replace(" Join", f" {node['Join Type']} Join").replace(
            "Nested Loop", f"Nested Loop {node['Join Type']} Join"
        )
    if node.get("Parallel Aware"):
        name = f"Parallel {name}"
    if node.get("Index Name"):
        name += f" {node['Index Name']}"
    elif node.get("Relation Name"):
        name += f" {node['Relation Name']}"
    if node.get("Parent Relationship") == "SubPlan":
        name = f"子计划 {name}"
    line = "  " * depth + f"{name}（{node.get('Actual Rows', '?')} 行"
    if node.get("Actual Loops", 1) != 1:
        line += f" × {node['Actual Loops']} 次"
    lines = [line + "）"]
    for child in node.get("Plans", []):
        lines += _postgresql_steps(child, depth + 1)
    return lines


def _sqlite_steps(rows: list[tuple[Any, ...]]) -> list[str]:
    depth: dict[int, int] = {0: -1}
    lines = []
    for node_id, parent, _unused, detail in rows:
        depth[node_id] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node_id] + str(detail))
    return lines


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
        f"导入 {rows} 行：{elapsed:.2f} s（结果：{job.get_status_display()}，"
        f"导入 {job.created_count} 人，开设账户 {job.account_count} 个，错误 {job.error_count} 处）"
    )
    if job.status != ImportJob.Status.COMPLETED:
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
    create_experts(experts, rng, out)
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

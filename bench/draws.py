"""随机抽取性能基准：100 万专家（PostgreSQL；SQLite 为 10 万）中按三项条件、五个回避单位抽取。

Runs against its own throwaway database (SQLite in a temporary directory, or a fresh test
database on the server DATABASE_URL names), never the developer's var/zhiku.sqlite3. Prints, in
one run: the draw's time (freezing the pool with every recusal rule, then round 1); the bare SQL
query selecting only the eligible ids; the standard-library computation of every eligible
label's position (the algorithm's floor); a baseline in the style other expert systems use
(every candidate loaded as an ORM object with its relations, recusal decided in Python, then
``random.sample``); and the peak memory. It asserts nothing, so a slow machine still reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DRAW_RATIO_TARGET = 1.3
BASELINE_FACTOR_TARGET = 10.0
MEMORY_TARGET_MB = 300.0
RUNS = 3
BATCH = 20_000

CITIES = ["广州", "深圳", "佛山", "东莞", "珠海", "中山", "惠州", "江门", "肇庆", "汕头"]
WORDS = "华南粤海珠江岭南南方新世纪恒信宏达金鹏天成博远正诚嘉禾德润信达明辉兴盛安泰瑞丰卓越鼎力"
KINDS = ["检测", "认证", "质量技术", "标准化服务", "计量测试", "检验"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
REGION_WEIGHTS = {"guangzhou": 30, "shenzhen": 20, "foshan": 8, "dongguan": 8, "other_province": 6}
LEVEL_WEIGHTS = {"senior": 25, "associate_senior": 35, "intermediate": 25, "junior": 10, "none": 5}
ORG_TYPES = ["university", "research", "enterprise", "public_institution", "social_organisation"]


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/draws.py",
        description=(
            "随机抽取性能基准：在独立的临时数据库中生成专家（PostgreSQL 默认 100 万人，SQLite 默认 "
            "10 万人），按三项条件（专业领域、职称级别、地区）和五个回避单位抽取，测量：抽取耗时（冻结"
            "候选池并完成第 1 轮）、只选出可抽取专家编号的裸 SQL 查询、以标准库计算全部位置值（算法下限）、"
            "其他专家系统常见做法的基线（全部候选专家载入为 ORM 对象、在 Python 中判断回避，再 "
            f"random.sample），以及内存峰值。目标：抽取 ≤ {DRAW_RATIO_TARGET} ×（裸查询 + 位置值）；"
            f"比基线快 {BASELINE_FACTOR_TARGET:.0f} 倍以上；内存峰值低于 {MEMORY_TARGET_MB:.0f} MB。"
            "设置了 DATABASE_URL 时在该 PostgreSQL 服务器上新建临时测试库，结束后删除。"
        ),
        formatter_class=ChineseHelpFormatter,
        add_help=False,
    )
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    parser.add_argument(
        "--experts",
        type=int,
        default=None,
        metavar="N",
        help="库中生成的专家人数（默认 PostgreSQL 1000000，SQLite 100000）",
    )
    parser.add_argument("--places", type=int, default=5, help="抽取人数（默认 %(default)s）")
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
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = str(workdir / "bench.sqlite3")
    else:
        db.setdefault("TEST", {})["NAME"] = f"{db['NAME']}_draws_bench"
    old_name = db["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    assert connection.settings_dict["NAME"] != old_name, "基准测试不得使用开发数据库"

    def drop() -> None:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    return drop


# --- data -----------------------------------------------------------------------------------


def organisation_names() -> list[str]:
    """3,600 names that differ in Chinese characters (as real ones do)."""
    names = []
    for i, a in enumerate(WORDS[::2]):
        for j, b in enumerate(WORDS[1::2]):
            city = CITIES[(i + j) % len(CITIES)]
            for k in range(len(KINDS)):
                names.append(f"{city}{a}{b}{KINDS[k]}")
    return names


def _pick(rng: random.Random, weights: dict[str, int], rest: Sequence[str]) -> str:
    choices = list(weights) + list(rest)
    w = list(weights.values()) + [2] * len(rest)
    return rng.choices(choices, weights=w)[0]


def _batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def create_pool(count: int, rng: random.Random, today: dt.date, out: Callable[[str], None]) -> None:
    """Write ``count`` experts and what recusal reads (fields, employment, conflicts,
    unavailability, unfamiliar fields), streamed in batches of bulk inserts."""
    from django.db import connection, transaction
    from django.utils import timezone

    from zhiku.core.bulk import bulk_insert
    from zhiku.core.masking import mask
    from zhiku.experts import crypto
    from zhiku.experts.choices import Region
    from zhiku.experts.models import (
        Conflict,
        Employment,
        Expert,
        ExpertField,
        ExpertiseField,
        Unavailability,
    )

    start = time.perf_counter()
    names = organisation_names()
    other_regions = [r for r in Region.values if r not in REGION_WEIGHTS]
    leaves = list(ExpertiseField.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    id_token = crypto.encrypt("440106197001010000")  # never decrypted here
    mobile_token = crypto.encrypt("13800000000")
    now = timezone.now()
    declarer = _account("bench-declarer", "expert")

    def experts() -> Iterator[dict[str, Any]]:
        for i in range(count):
            status = (
                "applicant"
                if i % 20 == 0
                else "suspended"
                if i % 50 == 1
                else "exited"
                if i % 50 == 2
                else "active"
            )
            number = f"bench-{i:08d}"
            yield {
                "name": f"基准专家{i}",
                "gender": "male" if i % 2 else "female",
                "birth_date": dt.date(1960, 1, 1) + dt.timedelta(days=i % 9000),
                "id_type": "resident",
                "id_number_token": id_token,
                "id_number_hash": crypto.lookup_hash(number, purpose=crypto.ID_HASH_PURPOSE),
                "id_number_masked": mask("440106197001010000"),
                "mobile_token": mobile_token,
                "mobile_hash": "",
                "mobile_masked": "138****0000",
                "organisation": names[(i * 7919) % len(names)] + FORMS[i % 3],
                "org_type": ORG_TYPES[i % len(ORG_TYPES)],
                "title": "高级工程师",
                "title_level": _pick(rng, LEVEL_WEIGHTS, []),
                "region": _pick(rng, REGION_WEIGHTS, other_regions),
                "status": status,
                "pool_number": None
                if status == "applicant"
                else f"GDQ-{2010 + i // 60_000}-{i % 60_000 + 1:05d}",
                "special_categories": [],
                "created_at": now,
                "updated_at": now,
            }

    with transaction.atomic():
        for batch in _batches(experts()):
            bulk_insert(Expert, batch)
    first = Expert.objects.order_by("pk").values_list("pk", flat=True).first()
    assert first is not None and Expert.objects.count() == count
    out(f"生成专家 {count} 人：{time.perf_counter() - start:.1f} s")

    def related() -> Iterator[tuple[Any, dict[str, Any]]]:
        for i in range(count):
            pk = first + i
            primary = leaves[(i * 31) % len(leaves)]
            yield ExpertField, {"expert_id": pk, "field_id": primary, "is_primary": True}
            if i % 10 < 3:
                other = leaves[(i * 17 + 5) % len(leaves)]
                if other != primary:
                    yield ExpertField, {"expert_id": pk, "field_id": other, "is_primary": False}
            yield (
                Employment,
                {
                    "expert_id": pk,
                    "organisation": names[(i * 7919) % len(names)] + FORMS[(i + 1) % 3],
                    "start": dt.date(2015, 1, 1),
                    "end": None,
                    "in_field": True,
                },
            )
            if i % 5 == 0:  # a past employer, left 0 to 6 years ago
                yield (
                    Employment,
                    {
                        "expert_id": pk,
                        "organisation": names[(i * 104_729) % len(names)] + "有限公司",
                        "start": dt.date(2005, 1, 1),
                        "end": today - dt.timedelta(days=(i * 37) % 2200),
                        "in_field": True,
                    },
                )
            if i % 200 == 7:
                yield (
                    Conflict,
                    {
                        "expert_id": pk,
                        "kind": "organisation",
                        "party": names[(i * 13) % len(names)],
                        "reason": "基准",
                        "declared_at": now,
                        "declared_by_id": declarer.pk,
                    },
                )
            if i % 33 == 3:
                day = today + dt.timedelta(days=(i * 11) % 120)
                yield (
                    Unavailability,
                    {
                        "expert_id": pk,
                        "start": day,
                        "end": day + dt.timedelta(days=3),
                        "reason": "",
                    },
                )

    start = time.perf_counter()
    through = Expert.unfamiliar_fields.through
    with transaction.atomic():
        pending: dict[Any, list[dict[str, Any]]] = {}
        for model, row in related():
            rows = pending.setdefault(model, [])
            rows.append(row)
            if len(rows) == BATCH:
                bulk_insert(model, rows)
                pending[model] = []
        for model, rows in pending.items():
            bulk_insert(model, rows)
        unfamiliar = [
            {"expert_id": first + i, "expertisefield_id": leaves[(i * 31) % len(leaves)]}
            for i in range(5, count, 100)
        ]
        bulk_insert(through, unfamiliar)
    with connection.cursor() as cursor:
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    out(
        f"生成专业领域、工作经历、利益冲突、不可参加期间与不熟悉领域：{time.perf_counter() - start:.1f} s"
    )


def _account(username: str, role: str, rights: tuple[str, ...] = ()) -> Any:
    from zhiku.accounts.tests.factories import make_account

    return make_account(role, username=username, rights=rights)


# --- measurements ---------------------------------------------------------------------------


def _median(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def run(
    experts: int, places: int, seed: int, out: Callable[[str], None] = print
) -> dict[str, float]:
    """Measure on the database Django is set up with (which must be a throwaway one)."""
    from django.db import connection
    from django.utils import timezone

    from zhiku import verify
    from zhiku.accounts.models import Right
    from zhiku.activities import pool as pools
    from zhiku.activities import services
    from zhiku.activities.choices import ActivityKind, DrawStatus

    rng = random.Random(seed)  # noqa: S311 - seeded sample data, not a secret
    today = timezone.localdate()
    out(f"数据库：{connection.vendor}（{connection.settings_dict['NAME']}）")
    create_pool(experts, rng, today, out)

    staff = _account("bench-operator", "staff", (Right.RUN_DRAWS,))
    witness = _account("bench-witness", "supervisor")
    names = organisation_names()
    involved = [names[(k * 7919) % len(names)] for k in range(1, 6)]
    conditions = pools.Conditions(
        fields=("01",),
        title_levels=("senior", "associate_senior"),
        regions=("guangzhou", "shenzhen", "foshan", "dongguan"),
    )
    out(
        "抽取条件：专业领域 01（含子领域）、职称级别 正高级/副高级、地区 广州/深圳/佛山/东莞；"
        f"回避单位 5 个：{'、'.join(involved)}"
    )

    def activity(n: int) -> Any:
        return services.activity_create(
            actor=staff,
            data=services.ActivityData(
                kind=ActivityKind.ASSESSMENT,
                title=f"基准活动 {n}",
                start_date=today + dt.timedelta(days=20),
                end_date=today + dt.timedelta(days=21),
                place="广州",
                experts_needed=places,
                commissioning_units=[involved[0] + "有限公司"],
                assessed_units=[f"{name} 有限责任公司" for name in involved[1:]],
            ),
        )

    # Activities are created before the clock starts: only the draw is timed.
    activities = iter([activity(n) for n in range(1, RUNS + 3)])

    def draw_once() -> Any:
        setup = services.DrawSetup(
            places=places, conditions=conditions, strata={}, supervisor=witness
        )
        draw = services.draw_open(actor=staff, activity=next(activities), setup=setup)
        services.draw_witness(actor=witness, draw=draw, value="73914062")
        return draw

    draw_s, draw_runs, draw = _median(draw_once)
    rss_after_draws = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    labels = [label for values in draw.labels.values() for label in values]
    out(
        f"抽取（冻结候选池并完成第 1 轮）：中位数 {_ms(draw_s)}（{RUNS} 次："
        f"{', '.join(_ms(t) for t in draw_runs)}）；候选池 {draw.label_count} 人，"
        f"排除 {draw.exclusions.count()} 人，不符合条件 {draw.counts['not_meeting']} 人"
    )

    strata = pools.strata_from(places, {})
    # The rules of a draw of the next activity (the one just drawn now has candidates).
    recusal = services.recusal_for(next(activities), today)
    sql, params = pools.eligible_ids(conditions, strata, recusal).query.sql_with_params()

    def bare() -> list[Any]:
        # Run as the draw runs its query (on PostgreSQL without JIT compilation).
        with pools.without_jit(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    bare_s, bare_runs, ids = _median(bare)
    out(
        f"裸 SQL（只选出可抽取专家的 id，全部条件与回避在 WHERE 中）：中位数 {_ms(bare_s)}"
        f"（{', '.join(_ms(t) for t in bare_runs)}），{len(ids)} 行"
    )
    assert len(ids) == draw.label_count, (len(ids), draw.label_count)

    code = verify.hash_times(b"bench", 99)
    randomness = b"73914062./"
    positions_s, positions_runs, _ranked = _median(
        lambda: verify.positions(code, randomness, labels)
    )
    out(
        f"标准库计算全部 {len(labels)} 个标签的位置值并排序（算法下限）：中位数 {_ms(positions_s)}"
        f"（{', '.join(_ms(t) for t in positions_runs)}）"
    )

    baseline_s, _runs, baseline_count = _median(
        lambda: orm_baseline(conditions, strata, recusal, places), runs=1
    )
    out(
        f"基线（候选专家连同工作经历、利益冲突、不可参加期间、不熟悉领域载入为 ORM 对象，"
        f"在 Python 中判断回避，再 random.sample）：{_ms(baseline_s)}，可抽取 {baseline_count} 人"
    )

    tracemalloc.start()
    draw_once()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = peak / 1024 / 1024
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out(
        f"内存峰值（抽取一次，tracemalloc）：{peak_mb:.1f} MB；进程最大常驻内存：生成数据并抽取后 "
        f"{rss_after_draws:.0f} MB，运行基线后 {rss_mb:.0f} MB"
    )

    floor = bare_s + positions_s
    ratio = draw_s / floor if floor else float("inf")
    factor = baseline_s / draw_s if draw_s else float("inf")
    met = "达标" if ratio <= DRAW_RATIO_TARGET else "未达标"
    out(f"目标 抽取 ≤ {DRAW_RATIO_TARGET} ×（裸查询 + 位置值）：{ratio:.2f} ×，{met}")
    met = "达标" if factor >= BASELINE_FACTOR_TARGET else "未达标"
    out(f"目标 比基线快 ≥ {BASELINE_FACTOR_TARGET:.0f} 倍：{factor:.1f} 倍，{met}")
    met = "达标" if peak_mb < MEMORY_TARGET_MB else "未达标"
    out(f"目标 内存峰值 < {MEMORY_TARGET_MB:.0f} MB：{peak_mb:.1f} MB，{met}")
    return {
        "draw_s": draw_s,
        "bare_s": bare_s,
        "positions_s": positions_s,
        "baseline_s": baseline_s,
        "ratio": ratio,
        "factor": factor,
        "peak_mb": peak_mb,
    }


def orm_baseline(conditions: Any, strata: Any, recusal: Any, places: int) -> int:
    """What expert systems commonly do: load every candidate meeting the conditions as an ORM
    object with its relations, decide recusal in Python, then ``random.sample``."""
    from zhiku.activities import pool as pools
    from zhiku.activities.orgnames import org_key
    from zhiku.experts.choices import Status
    from zhiku.experts.models import ExpertiseField

    rng = random.Random()  # noqa: S311 - the baseline's style, not ours
    candidates = list(
        pools.meeting_conditions(conditions, strata)
        .filter(status=Status.ACTIVE)
        .prefetch_related("employments", "conflicts", "unavailabilities", "unfamiliar_fields")
    )
    keys = recusal.keys
    unfamiliar = set(
        ExpertiseField.objects.filter(code__in=conditions.fields).values_list("pk", flat=True)
    )
    eligible = []
    for e in candidates:
        if org_key(e.organisation) in keys:
            continue
        if any(
            org_key(w.organisation) in keys and (w.end is None or w.end >= recusal.cutoff)
            for w in e.employments.all()
        ):
            continue
        if any(
            c.withdrawn_at is None and c.kind == "organisation" and org_key(c.party) in keys
            for c in e.conflicts.all()
        ):
            continue
        if any(u.start <= recusal.end and u.end >= recusal.start for u in e.unavailabilities.all()):
            continue
        if unfamiliar and any(
            f.pk in unfamiliar or f.parent_id in unfamiliar for f in e.unfamiliar_fields.all()
        ):
            continue
        eligible.append(e)
    rng.sample(eligible, min(places, len(eligible)))
    return len(eligible)


def main(argv: Sequence[str] | None = None, *, database_ready: bool = False) -> int:
    """Run the benchmark; ``database_ready`` means the caller (a test) already owns a database."""
    args = build_parser().parse_args(argv)
    if database_ready:
        run(args.experts or 1000, args.places, args.seed)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="zhiku-bench-draws-"))
    try:
        drop = _own_database(workdir)
        try:
            from django.db import connection

            default = 1_000_000 if connection.vendor == "postgresql" else 100_000
            run(args.experts or default, args.places, args.seed)
        finally:
            drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

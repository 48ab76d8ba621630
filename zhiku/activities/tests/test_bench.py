"""The draws benchmark keeps working: run it with a small pool (figures, not timings)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "draws.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_draws", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_the_benchmark_prints_its_figures_with_a_small_pool(
    catalogues: None, capsys: pytest.CaptureFixture[str]
) -> None:
    status = load_bench().main(["--experts", "400", "--places", "3"], database_ready=True)

    out = capsys.readouterr().out
    assert status == 0
    assert "生成专家 400 人" in out
    assert "抽取（冻结候选池并完成第 1 轮）：中位数" in out
    assert "裸 SQL（只选出可抽取专家的 id" in out
    assert "标准库计算全部" in out
    assert "基线（候选专家连同工作经历" in out
    assert "内存峰值（抽取一次，tracemalloc）" in out
    assert "目标 抽取 ≤ 1.3 ×（裸查询 + 位置值）" in out
    assert "目标 比基线快 ≥ 10 倍" in out
    assert "目标 内存峰值 < 300 MB" in out


def test_the_benchmarks_help_is_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        load_bench().main(["--help"])

    out = capsys.readouterr().out
    assert out.startswith("用法：")
    assert "PostgreSQL 1000000，SQLite 100000" in out

"""The backup benchmark keeps working: its main function with tiny numbers (figures, not timings)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "backup.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_backup", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_the_backup_benchmark_prints_its_figures_with_tiny_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from importlib import import_module

    from django.apps import apps

    import_module("zhiku.experts.migrations.0002_catalogues").load(apps, None)

    status = load_bench().main(["--experts", "40"], database_ready=True)

    out = capsys.readouterr().out
    assert status == 0
    assert "生成专家 40 人" in out
    assert "备份：" in out and "内存峰值" in out
    assert "恢复：" in out
    assert "恢复后专家 40 人，与备份前相同" in out

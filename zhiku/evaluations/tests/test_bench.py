"""The dossiers benchmark keeps working: run it with a few experts (figures, not timings)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "dossiers.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_dossiers", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_the_benchmark_prints_its_figures_with_a_few_experts(
    catalogues: None, capsys: pytest.CaptureFixture[str], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path

    status = load_bench().main(["--experts", "6"], database_ready=True)

    out = capsys.readouterr().out
    assert status == 0
    assert "生成专家 6 人及一年的记录" in out
    assert "批量生成档案：6 份，共" in out
    assert "每秒页数：" in out and "页/秒" in out
    assert "其中读取记录（dossier_of，单独计时）" in out


def test_the_benchmarks_help_is_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        load_bench().main(["--help"])

    out = capsys.readouterr().out
    assert out.startswith("用法：")
    assert "综合考核档案性能基准" in out

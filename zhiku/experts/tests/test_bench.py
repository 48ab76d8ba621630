"""The benchmark keeps working: run its main function with tiny numbers (figures, not timings)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "experts.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_experts", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_benchmark_prints_its_figures_with_tiny_numbers(
    settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.MEDIA_ROOT = tmp_path

    status = load_bench().main(["--experts", "200", "--rows", "50"], database_ready=True)

    out = capsys.readouterr().out
    assert status == 0
    assert "生成专家 200 人" in out
    assert "列表页（领域 01 + 职称级别 正高级 + 地区 广州市，第 2 页" in out
    assert "导入 50 行" in out and "结果：已导入，导入 50 人" in out
    assert "openpyxl 直接读取同一文件" in out
    assert "目标 列表页 ≤ 100 ms" in out
    assert "目标 导入 / 直接读取 ≤ 2" in out


def test_benchmark_help_is_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        load_bench().main(["--help"])

    out = capsys.readouterr().out
    assert out.startswith("用法：")
    assert "库中预先生成的专家人数（默认 100000）" in out

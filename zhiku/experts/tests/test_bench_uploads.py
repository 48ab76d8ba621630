"""The upload benchmark keeps working: one file in its own process, figures printed (not judged)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "uploads.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_uploads", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_imports_the_bomb_in_a_child_process_and_prints_its_peak(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = load_bench().main(["--only", "bomb-rows"])

    out = capsys.readouterr().out
    assert status == 0
    assert re.search(
        r"压缩炸弹：200 MB 的空行 <row/>（\d+ KB）：未导入（文件有误）；峰值 \d+ MB", out
    )
    assert "超过每个部分 100 MB 的上限" in out
    assert "目标 每种文件的内存峰值 ≤ 300 MB" in out


def test_every_case_writes_a_file_the_archive_check_judges(tmp_path: Path) -> None:
    bench = load_bench()
    from zhiku.experts.spreadsheets import archive

    for case in ("bomb-rows", "bomb-string", "limit-rows", "limit-strings"):
        path = tmp_path / f"{case}.xlsx"
        bench.write_case(case, path, 10)
        if case.startswith("bomb"):
            with pytest.raises(archive.ArchiveRefused):
                archive.archive_check(path)
        else:
            archive.upload_check(path)  # at the limits, still let through

"""bench/portal.py runs end to end on a small notice and prints its figures (it times nothing
here: the figures are not checked, only that they are printed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_portal_benchmark_prints_both_throughputs_and_their_ratio() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "portal.py"),
            "--seconds",
            "1",
            "--users",
            "5",
            "--entries",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "最小 Django 视图：" in out and "公示页面（匿名）：" in out
    assert "请求/秒" in out and "比值（公示页面 / 最小视图）：" in out

"""bench/load.py runs end to end with a few sessions for a few seconds: the production server
(gunicorn, production settings) answers every page the clients ask for, and the figures are
printed (their values are not judged here: tests time nothing)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_load_benchmark_drives_the_production_server_without_an_error() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--users",
            "4",
            "--seconds",
            "8",
            "--experts",
            "100",
            "--workers",
            "2",
            "--think",
            "0.1",
            "0.3",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "生产配置（zhiku.settings，关闭调试）" in out
    assert "服务器：gunicorn" in out and "4 个已登录会话" in out
    total = re.search(r"合计：([\d.]+) 请求/秒（(\d+) 次）.*95% (\d+) ms，错误 (\d+) 次", out)
    assert total is not None, out
    assert int(total.group(2)) > 0, out  # the clients were let in and asked for pages
    assert total.group(4) == "0", out  # no page failed, none sent a client to the sign-in page
    assert "导出专家名单（Excel）" in out  # the exporting session exported
    assert "目标 无错误且 95% < 500 ms：" in out

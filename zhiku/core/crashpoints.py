"""Named points where the crash-safety tests stop a process before killing it.

A test that must kill a worker or the server in the middle of an operation (with its
transaction open) sets ``ZHIKU_CRASH_PAUSE`` to the point's name and ``ZHIKU_CRASH_DIR`` to a
folder, in the environment of the process it starts. On reaching that point the process writes
``<point>.reached`` there and waits to be killed. Without the variable (always, outside those
tests) a checkpoint does nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE = "ZHIKU_CRASH_PAUSE"
FOLDER = "ZHIKU_CRASH_DIR"
# Never wait for ever: a test that forgot to kill the process leaves no orphan behind.
LONGEST_WAIT = 120.0


def checkpoint(name: str) -> None:
    """Stop here, and say so, when a crash test asked for ``name``; else do nothing."""
    if os.environ.get(PAUSE) != name:
        return
    folder = Path(os.environ.get(FOLDER) or ".")
    (folder / f"{name}.reached").write_text(str(os.getpid()))
    deadline = time.monotonic() + LONGEST_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.05)
    raise SystemExit(f"crash checkpoint {name}: not killed within {LONGEST_WAIT:.0f} s")

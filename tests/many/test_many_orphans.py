"""Pool workers die with their parent (issue 24, defect 18): SIGKILL of a ``--workers 2`` run
leaves no worker running, nor its side process (``many/side.py``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import simulation_file

ROOT = Path(__file__).resolve().parents[2]


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_sigkill_of_the_parent_leaves_no_orphaned_workers(tmp_path):
    path = simulation_file(tmp_path, replicates=20_000, methods=["DL", "GLMM"], taus=[0.5])
    out = tmp_path / "out"  # never finished: killed
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bayesmeta", "simulate", str(path), "--out", str(out)]
        + ["--workers", "2", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 120
    try:
        while len(workers) < 3:  # 2 pool workers and the side process
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
            workers = children(process.pid)
        time.sleep(1.0)  # past their start (the initializer ran)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert len(workers) == 3
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = [pid for pid in workers if alive(pid)]
    for pid in orphans:  # never leave them behind, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert orphans == []

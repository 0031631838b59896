"""Ctrl-C mid-run, then --resume: the same table as a run never interrupted, no row lost or
duplicated; and the store refuses to resume a different run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bayesmeta.errors import InputError
from bayesmeta.many import ChunkStore
from bayesmeta.simulate import read_study, run_simulation

from .conftest import simulation_file

ROOT = Path(__file__).resolve().parents[2]


def _sigint_as_from_a_terminal() -> None:
    """Run in the child before exec: SIGINT at its default, so Python turns it into KeyboardInterrupt.

    A runner that starts the suite in the background (a non-interactive shell's ``&``) leaves SIGINT
    ignored, and children inherit that; Ctrl-C must be tested as a terminal delivers it.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cli(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "bayesmeta", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_sigint_as_from_a_terminal,
        **kwargs,
    )


def test_sigint_then_resume_gives_the_uninterrupted_table(tmp_path):
    path = simulation_file(tmp_path, replicates=1000, methods=["DL", "DL-HK"], taus=[0.5])
    reference = tmp_path / "reference"
    run_simulation(read_study(path), out=reference, workers=1, show_progress=False)

    out = tmp_path / "interrupted"
    chunks = out / ".progress" / "chunks"
    process = _cli("simulate", str(path), "--out", str(out), "--workers", "2", "--json")
    deadline = time.monotonic() + 120
    while len(list(chunks.glob("chunk-*.parquet"))) < 3:
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert not (out / "replicates.csv").exists()  # nothing final written by an interrupted run
    written = len(list(chunks.glob("chunk-*.parquet")))
    assert written >= 3

    resumed = _cli("simulate", str(path), "--out", str(out), "--workers", "2", "--json", "--resume")
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    result = json.loads(stdout)
    assert 0 < result["ran"] < 1000  # it really resumed: earlier replicates were kept
    for name in ("replicates.csv", "replicates.parquet", "metrics.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    assert not (out / ".progress").exists()


def test_resume_of_a_different_run_is_refused(tmp_path):
    store = ChunkStore(tmp_path / "p", schema={"task": "str", "x": "float"})
    store.open(fingerprint={"seed": 1}, resume=False)
    store.write([{"task": "a", "x": 1.0}])
    again = ChunkStore(tmp_path / "p", schema={"task": "str", "x": "float"})
    assert again.open(fingerprint={"seed": 1}, resume=True) == {"a"}
    with pytest.raises(InputError, match="--resume"):
        ChunkStore(tmp_path / "p", schema={"task": "str", "x": "float"}).open(
            fingerprint={"seed": 2}, resume=True
        )


def test_without_resume_earlier_chunks_are_discarded(tmp_path):
    store = ChunkStore(tmp_path / "p", schema={"task": "str", "x": "float"})
    store.open(fingerprint={"seed": 1}, resume=False)
    store.write([{"task": "a", "x": 1.0}])
    fresh = ChunkStore(tmp_path / "p", schema={"task": "str", "x": "float"})
    assert fresh.open(fingerprint={"seed": 1}, resume=False) == set()
    assert fresh.table(sort_by=["task"]).empty

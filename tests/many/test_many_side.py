"""The side process of a parallel run (issue #22, item 7): the specification curve is drawn in a
helper process forked at the start, while the parent writes the tables; the files are the same
bytes as a serial run's, the parent never imports matplotlib, and the helper never outlives
the run."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from bayesmeta.many.side import (
    SideProcess,
    SideProcessGone,
    deferred,
    side_process,
    side_wanted,
)

from .test_many_orphans import alive

OUTPUTS = (
    "multiverse.csv",
    "multiverse.parquet",
    "summary.json",
    "spec_curve.png",
    "report.md",
    "report.html",
)


def _fail(message):
    raise ValueError(message)


def test_a_side_process_runs_jobs_in_another_process_and_raises_their_errors():
    side = SideProcess(modules=("json",))
    try:
        side.start(os.getpid)
        pid = side.result()
        assert pid != os.getpid() and alive(pid)
        side.start(divmod, 7, 2)
        with pytest.raises(RuntimeError, match="one job at a time"):
            side.start(divmod, 1, 1)
        assert side.result() == (3, 1)
        side.start(_fail, "drawn wrong")
        with pytest.raises(ValueError, match="drawn wrong"):
            side.result()
    finally:
        side.close()
    assert not alive(pid)


def test_a_failed_run_ends_its_side_process_at_once():
    with pytest.raises(KeyError), side_process(workers=2, modules=("json",)) as side:
        assert side is not None
        side.start(os.getpid)
        pid = side.result()
        side.start(_fail, "never collected")
        raise KeyError("the run failed")
    assert not alive(pid)


SWALLOWS_EXCEPTIONS = """
import time
for _ in range(400):  # ~20 s of importing, in which a bare except swallows what a signal raises
    try:
        time.sleep(0.05)
    except BaseException:
        pass
"""


def test_a_failed_run_ends_a_side_process_forked_with_the_clis_sigterm_handler(
    tmp_path, monkeypatch
):
    """The CLI's SIGTERM handler raises; a side process still importing (a module whose bare
    ``except`` swallows that exception) lived on, and closing it waited forever (a hung test)."""
    import signal
    import threading
    import time

    from bayesmeta.cli import Terminated

    (tmp_path / "swallows_exceptions.py").write_text(SWALLOWS_EXCEPTIONS)
    monkeypatch.syspath_prepend(str(tmp_path))

    def raising(signum, frame):
        raise Terminated

    previous = signal.signal(signal.SIGTERM, raising)  # as `bayesmeta` installs it
    try:
        side = SideProcess(modules=("swallows_exceptions",))
    finally:
        signal.signal(signal.SIGTERM, previous)
    pid = side._process.pid
    time.sleep(0.5)  # inside the import
    closed = threading.Event()
    threading.Thread(target=lambda: (side.close(wait=False), closed.set()), daemon=True).start()
    ended = closed.wait(15)
    if not ended:  # leave nothing behind
        os.kill(pid, signal.SIGKILL)
    assert ended, "closing the side process hung"
    assert not alive(pid)


def test_a_side_process_ended_as_it_starts_prints_no_traceback():
    # forked with the CLI's raising SIGTERM handler and ended before it has its own (a run
    # that fails at once, now that the CLI forks it first): no traceback on the user's stderr
    code = """
import os, signal
import bayesmeta.many.side as side
from bayesmeta.cli import _terminate

signal.signal(signal.SIGTERM, _terminate)
read, write = os.pipe()
serve = side._serve
def late(*args):  # the side process, held before it reaches its handlers
    os.read(read, 1)
    serve(*args)
side._serve = late
process = side.SideProcess(modules=("json",))
os.kill(process._process.pid, signal.SIGTERM)
os.write(write, b"x")
process._process.join(30)
print(process._process.exitcode)
process.close()
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr
    assert done.stdout.strip() == str(-signal.SIGTERM)  # ended by the default action


def test_deferred_calls_here_without_a_side_process_and_there_with_one():
    here = deferred(None, os.getpid)
    assert here() == os.getpid()
    with side_process(workers=2, modules=("json",)) as side:
        there = deferred(side, os.getpid)
        assert there() != os.getpid()


def test_only_runs_whose_fitting_runs_elsewhere_get_a_side_process():
    assert not side_wanted(workers=1, scheduler=None)
    assert side_wanted(workers=2, scheduler=None)
    assert side_wanted(workers=None, scheduler="local:2")
    with side_process(workers=1) as side:
        assert side is None
    with multiprocessing.get_context("fork").Pool(1) as pool:  # daemonic: may not fork
        assert not pool.apply(side_wanted, kwds={"workers": 2, "scheduler": None})


def test_the_parent_of_a_pool_run_never_imports_matplotlib(multiverse_spec, tmp_path):
    # the bytes of every output, serial against pool and Dask: test_many_identical.py
    text = multiverse_spec.read_text().replace('"PM", "GLMM", "bayes"', '"PM"')
    assert text != multiverse_spec.read_text()
    multiverse_spec.write_text(text)  # lighter: the figure is what this test is about
    code = f"""
import json, sys
from bayesmeta.analysis.specfile import load_spec
from bayesmeta.multiverse import run_multiverse

seen = {{}}
for workers in (2, 1):
    out = {str(tmp_path)!r} + f"/w{{workers}}"
    summary = run_multiverse(load_spec({str(multiverse_spec)!r}), out=out, workers=workers)
    assert sorted(summary["files"]) == sorted({list(OUTPUTS)!r})
    seen[workers] = "matplotlib.figure" in sys.modules
print(json.dumps(seen))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"2": False, "1": True}  # drawn aside; drawn here (serial)
    assert (tmp_path / "w2" / "spec_curve.png").read_bytes() == (
        tmp_path / "w1" / "spec_curve.png"
    ).read_bytes()


def test_the_cli_forks_a_parallel_runs_side_process_before_its_heavy_imports(
    multiverse_spec, tmp_path
):
    # forked first, it imports matplotlib while the parent imports numpy, pandas and scipy,
    # not while the workers fit; its job is in a module it imported, so nothing more is
    # imported when the figure is sent (bayesmeta.multiverse would cost it ~0.2 s then); the
    # files are the bytes of a serial run's
    from bayesmeta.many.side import SPEC_CURVE_MODULES
    from bayesmeta.multiverse import run as multiverse_run

    assert multiverse_run.spec_curve_png.__module__ in SPEC_CURVE_MODULES
    text = multiverse_spec.read_text().replace('"PM", "GLMM", "bayes"', '"PM"')
    multiverse_spec.write_text(text)
    code = f"""
import json, sys
import bayesmeta.many.side as side

heavy = ("numpy", "pandas", "scipy", "pyarrow", "matplotlib")
seen = [[m for m in heavy if m in sys.modules]]  # importing the side module loads none
start = side.SideProcess.__init__
def recording(self, *args, **kwargs):
    seen.append([m for m in heavy if m in sys.modules])
    start(self, *args, **kwargs)
side.SideProcess.__init__ = recording
from bayesmeta.cli import main
status = [
    main(["multiverse", {str(multiverse_spec)!r}, "--out", {str(tmp_path)!r} + f"/w{{n}}",
          "--workers", str(n), "--json"])
    for n in (2, 1)
]
print(json.dumps([status, seen]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    status, seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == [0, 0]
    assert seen == [[], []]  # one side process, forked before any of them was imported
    assert sorted(p.name for p in (tmp_path / "w2").iterdir()) == sorted(OUTPUTS)
    for name in OUTPUTS:
        assert (tmp_path / "w2" / name).read_bytes() == (tmp_path / "w1" / name).read_bytes()


def test_the_parent_of_a_pool_simulation_never_imports_matplotlib(tmp_path):
    from .conftest import simulation_file

    path = simulation_file(tmp_path, replicates=6, methods=["DL"], taus=[0.5])
    code = f"""
import json, sys
from bayesmeta.simulate import read_study, run_simulation

seen = {{}}
for workers in (2, 1):
    out = {str(tmp_path)!r} + f"/w{{workers}}"
    summary = run_simulation(read_study({str(path)!r}), out=out, workers=workers)
    seen[workers] = ["matplotlib.figure" in sys.modules, sorted(summary["files"])]
print(json.dumps(seen))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["2"][0] is False and seen["1"][0] is True  # drawn aside; drawn here (serial)
    assert seen["2"][1] == seen["1"][1] and "coverage.png" in seen["1"][1]
    for name in seen["1"][1]:
        assert (tmp_path / "w2" / name).read_bytes() == (tmp_path / "w1" / name).read_bytes()


def test_a_side_process_killed_leaves_the_work_to_this_process():
    import signal
    import time

    with side_process(workers=2, modules=("json",)) as side:
        side.start(os.getpid)
        pid = side.result()
        side.start(time.sleep, 30)  # killed while it runs a job
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(SideProcessGone):
            side.result()
        assert deferred(side, divmod, 7, 2)() == (3, 1)  # drawn here instead
    assert not alive(pid)


def test_the_side_process_draws_the_curve_without_pandas(multiverse_spec, tmp_path, monkeypatch):
    # the run sends the figure's columns as plain arrays (no DataFrame: unpickling one imports
    # pandas, ~0.3 s of the side's start that ran on into the fitting); a process with only
    # the side's modules draws them, without importing pandas, into the same bytes
    import pickle

    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.many.side import SPEC_CURVE_MODULES
    from bayesmeta.multiverse import run as multiverse_run

    text = multiverse_spec.read_text().replace('"PM", "GLMM", "bayes"', '"PM"')
    multiverse_spec.write_text(text)
    sent = []
    real = multiverse_run.deferred

    def recording(side, job, *args, **kwargs):
        sent.append((job, args, kwargs))
        return real(side, job, *args, **kwargs)

    monkeypatch.setattr(multiverse_run, "deferred", recording)
    multiverse_run.run_multiverse(load_spec(str(multiverse_spec)), out=tmp_path / "w1", workers=1)
    [(job, (columns,), options)] = sent
    assert job is multiverse_run.spec_curve_png
    assert all(isinstance(v, np.ndarray) and v.dtype != object for v in columns.values())
    code = f"""
import importlib, pickle, sys
for name in {SPEC_CURVE_MODULES!r}:
    importlib.import_module(name)
job, columns, options = pickle.loads(sys.stdin.buffer.read())
png = job(columns, **options)
assert "pandas" not in sys.modules, "the side process imported pandas"
sys.stdout.buffer.write(png)
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps((job, columns, options)),
        capture_output=True,
        check=True,
    )
    assert done.stdout == (tmp_path / "w1" / "spec_curve.png").read_bytes()

"""``bayesmeta run models`` before and after a change (issue 22 item 6: specs on the many/
executor, each figure drawn once, InferenceData built only where saved), paired, in one run.

The *before* tree (default ``48c2d69``, main before the figures were drawn once; the first
measurement of this folder used ``4c48e23``, which had no ``--workers``) and the *after* tree
(default ``HEAD``) are extracted with ``git archive``;
every measurement is a fresh process of this venv's Python with ``PYTHONPATH`` at one tree or the
other (same libraries), on the *before* tree's ``models/`` (same inputs). Within a repetition the
variants run one after another, their order rotating from one repetition to the next, so the load
of other jobs on this shared 2-core machine hits them alike:

- ``before --workers 1`` and ``after --workers 1``: serially in one process;
- ``before --workers 2`` and ``after --workers 2``: the specs and the comparisons on a pool of 2
  processes.

Each repetition starts and ends with a CPU-burn control (one, then two CPU-bound processes at once:
a ratio near 1 means the second core was free, near 2 that it was busy). Wall and CPU seconds
(user + system of the process and its children) and the 1-minute load average are recorded.

    .venv/bin/python benchmarks/run/bench_run_models.py --reps 3

Writes ``results.json`` (or ``--results NAME``) beside this file and prints the README table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BURN = "s = 0\nfor i in range(12_000_000):\n    s += i * i\n"
VARIANTS = {
    "before --workers 1": ("before", ["--workers", "1"]),
    "before --workers 2": ("before", ["--workers", "2"]),
    "after --workers 1": ("after", ["--workers", "1"]),
    "after --workers 2": ("after", ["--workers", "2"]),
}


def extract(commit: str, into: Path) -> Path:
    """The package and spec files of ``commit`` in ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, "bayesmeta", "models"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def burn_control() -> dict[str, float]:
    """Seconds of one CPU-bound process alone, and of two at once."""

    def timed(n: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(n)]
        for p in procs:
            p.wait()
        return time.perf_counter() - start

    one, two = timed(1), timed(2)
    return {"one": one, "two": two, "ratio": two / one, "load": os.getloadavg()[0]}


def measure(tree: Path, extra: list[str], models: Path) -> dict[str, float]:
    """Wall and CPU seconds of ``run models`` in a fresh process on ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, "-m", "bayesmeta", "run", str(models), "--out", out, *extra]
        load = os.getloadavg()[0]
        before = os.times()
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=out)
        wall = time.perf_counter() - started
        after = os.times()
    if done.returncode != 0:
        raise RuntimeError(f"run models on {tree} {extra} failed:\n{done.stderr[-2000:]}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return {"wall": wall, "cpu": cpu, "load_start": load, "load_end": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="48c2d69", help="commit of the before tree")
    parser.add_argument("--after", default="HEAD", help="commit of the after tree")
    parser.add_argument("--reps", type=int, default=3, help="paired repetitions")
    parser.add_argument("--results", default="results.json", help="file written beside this one")
    parser.add_argument(
        "--workers", default=None, help="only the variants with this --workers (e.g. 2)"
    )
    args = parser.parse_args()
    names = [n for n in VARIANTS if args.workers is None or n.endswith(f"--workers {args.workers}")]
    runs: dict[str, list] = {name: [] for name in names}
    controls: list[dict] = []
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "before").mkdir()
        (Path(scratch) / "after").mkdir()
        trees = {
            "before": extract(args.before, Path(scratch) / "before"),
            "after": extract(args.after, Path(scratch) / "after"),
        }
        models = trees["before"] / "models"
        for rep in range(args.reps):
            controls.append(burn_control())
            print("control", json.dumps(controls[-1]), flush=True)
            order = names[rep % len(names) :] + names[: rep % len(names)]
            for name in order:
                tree, extra = VARIANTS[name]
                result = measure(trees[tree], extra, models)
                runs[name].append(result)
                print(rep, name, json.dumps(result), flush=True)
            report(args, runs, controls)  # every finished repetition is kept
        controls.append(burn_control())
        print("control", json.dumps(controls[-1]), flush=True)
    report(args, runs, controls)


def report(args: argparse.Namespace, runs: dict[str, list], controls: list[dict]) -> None:
    """Write ``results.json`` and print the README table (medians over the repetitions)."""
    names = [n for n in VARIANTS if runs.get(n)]
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", args.after],
        capture_output=True,
        text=True,
    ).stdout.strip()
    summary = {
        name: {
            key: statistics.median(r[key] for r in runs[name])
            for key in ("wall", "cpu", "load_start")
        }
        for name in names
        if runs[name]
    }
    payload = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "before": args.before,
        "after": commit,
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "reps": min(len(r) for r in runs.values()),
        "runs": runs,
        "controls": controls,
        "median": summary,
    }
    (HERE / args.results).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print("| variant | wall (s) | CPU (s) | load at start |")
    print("|---|---|---|---|")
    for name, s in summary.items():
        print(f"| {name} | {s['wall']:.1f} | {s['cpu']:.1f} | {s['load_start']:.1f} |")
    ratios = ", ".join(f"{c['ratio']:.2f}" for c in controls)
    print(f"CPU-burn control (2 processes / 1): {ratios}")


if __name__ == "__main__":
    main()

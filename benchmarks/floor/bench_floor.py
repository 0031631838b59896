"""Before/after, paired (issue #22): the CLI's import floor, ``freq`` on the bundled data, and
DerSimonian-Laird at k = 10^3, 10^4, 10^5 beside metafor.

"Before" is a checkout of the commit before #22's work (``--before DIR``, e.g. made with
``git worktree add --detach /tmp/before 58c3304``), run with this same virtual environment
(the editable install's import hook removed and ``DIR`` first on ``sys.path``; checked: the
child prints which bayesmeta it imported). Every repetition
runs each variant once, in turn, each in a fresh process, so both see the same machine load.
Times: wall and CPU (user + system of the child, from ``resource.getrusage``).

    .venv/bin/python benchmarks/floor/bench_floor.py --before /tmp/before [--repeat 5]

Writes ``benchmarks/floor/results.json`` and prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FREQ = ["freq", "cart_wu2025", "--events", "orr_events", "--total", "orr_total", "--json"]
DL_CODE = """
import sys, time, json, numpy as np
k = int(sys.argv[1])
rng = np.random.default_rng(1)
vi = rng.uniform(0.02, 0.5, k); yi = rng.normal(-1.0, np.sqrt(vi + 0.2))
from bayesmeta.freq.uni import fit_uni
import bayesmeta
start = time.perf_counter(); cpu = time.process_time()
fit = fit_uni(yi, vi, np.ones((k, 1)), method="DL")
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "tau2": fit.tau2, "file": bayesmeta.__file__}))
"""
METAFOR = """
suppressPackageStartupMessages(library(metafor))
k <- as.integer(commandArgs(trailingOnly = TRUE)[1])
d <- read.csv(commandArgs(trailingOnly = TRUE)[2])
t <- system.time(fit <- rma(d$yi, d$vi, method = "DL"))
cat(sprintf('{"seconds": %.6f, "tau2": %.12g}\\n', t[["elapsed"]], fit$tau2))
"""


def _redirect(code: str, source: str) -> str:
    """``code`` run with the bayesmeta of ``source`` (the editable install's finder removed)."""
    return (
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path"
        " if not type(f).__module__.startswith('__editable__')]\n"
        f"sys.path.insert(0, {source!r})\n" + code
    )


def _cli(args: list[str]) -> str:
    return (
        f"import runpy\nsys.argv = ['bayesmeta', *{args!r}]\n"
        "runpy.run_module('bayesmeta', run_name='__main__')\n"
    )


def run(argv: list[str], *, pythonpath: str | None = None) -> dict:
    if pythonpath:  # argv = [python, "-c", code, *args]
        argv = [argv[0], "-c", _redirect(argv[2], pythonpath), *argv[3:]]
    elif argv[1:2] == ["-c"] and "bayesmeta" in argv[2]:
        argv = [argv[0], "-c", "import sys\n" + argv[2], *argv[3:]]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"{argv}: {done.stderr[-2000:]}")
    return {"wall": wall, "cpu": cpu, "stdout": done.stdout}


def floor(before: str, repeat: int) -> dict:
    py = sys.executable
    variants = {
        "python -c pass": ([py, "-c", "pass"], None),
        "--version (before)": ([py, "-c", _cli(["--version"])], before),
        "--version (after)": ([py, "-c", _cli(["--version"])], None),
        "--help (before)": ([py, "-c", _cli(["--help"])], before),
        "--help (after)": ([py, "-c", _cli(["--help"])], None),
        "freq (before)": ([py, "-c", _cli(FREQ)], before),
        "freq (after)": ([py, "-c", _cli(FREQ)], None),
    }
    check = run([py, "-c", "import bayesmeta\nprint(bayesmeta.__file__)"], pythonpath=before)
    assert check["stdout"].startswith(before), check["stdout"]
    check = run([py, "-c", "import bayesmeta\nprint(bayesmeta.__file__)"])
    assert check["stdout"].startswith(str(ROOT)), check["stdout"]
    out: dict[str, list] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, (argv, path) in variants.items():
            row = run(argv, pythonpath=path)
            out[name].append({"wall": row["wall"], "cpu": row["cpu"]})
    return out


def dl(before: str, repeat: int, sizes: list[int]) -> dict:
    import tempfile

    import numpy as np

    out: dict[str, dict[str, list]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in sizes:
            rng = np.random.default_rng(1)
            vi = rng.uniform(0.02, 0.5, k)
            yi = rng.normal(-1.0, np.sqrt(vi + 0.2))
            csv = Path(tmp) / f"dl{k}.csv"
            np.savetxt(
                csv,
                np.column_stack([yi, vi]),
                delimiter=",",
                header="yi,vi",
                comments="",
                fmt="%.17g",
            )
            rows: dict[str, list] = {"before": [], "after": [], "metafor": []}
            for _ in range(repeat):
                # before: k x k matrices (80 GB at k = 10^5): not run there
                if k <= 10_000:
                    row = run([sys.executable, "-c", DL_CODE, str(k)], pythonpath=before)
                    rows["before"].append(json.loads(row["stdout"]))
                    assert rows["before"][-1]["file"].startswith(before)
                row = run([sys.executable, "-c", DL_CODE, str(k)])
                rows["after"].append(json.loads(row["stdout"]))
                try:
                    row = run(["Rscript", "-e", METAFOR, str(k), str(csv)])
                    rows["metafor"].append(json.loads(row["stdout"]))
                except RuntimeError as error:  # metafor builds k x k matrices too
                    rows.setdefault("metafor_error", str(error).splitlines()[-3:])
            out[str(k)] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result = {"load_start": os.getloadavg(), "cpus": os.cpu_count()}
    result["floor"] = floor(args.before, args.repeat)
    result["dl"] = dl(args.before, max(3, args.repeat // 2), [1_000, 10_000, 100_000])
    result["load_end"] = os.getloadavg()
    (HERE / "results.json").write_text(json.dumps(result, indent=1) + "\n")
    med = statistics.median
    print(f"load average {result['load_start'][0]:.1f} -> {result['load_end'][0]:.1f}")
    print("| command | wall s (median) | CPU s (median) | runs (wall) |\n|---|---:|---:|---|")
    for name, rows in result["floor"].items():
        walls = [r["wall"] for r in rows]
        print(
            f"| {name} | {med(walls):.2f} | {med(r['cpu'] for r in rows):.2f} | "
            f"{', '.join(f'{w:.2f}' for w in walls)} |"
        )
    print("\n| k | before (ms) | after (ms) | metafor rma DL (ms) | tau2 after - metafor |")
    print("|---:|---:|---:|---:|---:|")
    for k, rows in result["dl"].items():
        b = (
            f"{1000 * med(r['seconds'] for r in rows['before']):.1f}"
            if rows["before"]
            else "not run (k x k: 80 GB)"
        )
        a = 1000 * med(r["seconds"] for r in rows["after"])
        if rows["metafor"]:
            m = f"{1000 * med(r['seconds'] for r in rows['metafor']):.1f}"
            diff = f"{rows['after'][0]['tau2'] - rows['metafor'][0]['tau2']:.1e}"
        else:
            m, diff = "fails: " + " ".join(rows["metafor_error"])[:60], "-"
        print(f"| {k} | {b} | {a:.1f} | {m} | {diff} |")


if __name__ == "__main__":
    main()

"""Benchmark of ``bayesmeta.bayes.fit``: whole process and in-session refits (ORR model).

Measures, on the CAR-T objective-response outcome (random-intercept model, default settings:
4 chains x 1000 draws after 1000 tuning steps):

1. whole process: ``bayesmeta fit cart_wu2025 --events orr_events --total orr_total --json``
   from process start to exit (imports, model build / compile, sampling, summary, JSON), for
   each sampler; the first (cold) run is reported separately from the warm median, because the
   first run on a machine fills PyTensor's on-disk compile cache;
2. in-session refit: a second ``fit`` in the same process when only the data (the counts of one
   study) or a prior parameter (tau ~ halfnormal(1.0) instead of 1.5) changed: the compiled
   model is reused from the cache (``bayesmeta.nuts.sampling``);
3. plain PyMC: ``plain_pymc.py`` beside this file, a hand-written PyMC model of the same data
   sampled with ``pm.sample()`` defaults, one process per run.

Usage: ``.venv/bin/python benchmarks/bayes/bench_fit.py [--repeat N]``; prints a markdown table
and writes ``benchmarks/bayes/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent / "bayesmeta"


def whole_process(sampler: str, repeat: int) -> list[float]:
    command = [
        str(BIN),
        "fit",
        "cart_wu2025",
        "--events",
        "orr_events",
        "--total",
        "orr_total",
        "--json",
        "--sampler",
        sampler,
    ]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        json.loads(done.stdout)
    return times


def plain_pymc(repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, str(HERE / "plain_pymc.py")], check=True, capture_output=True
        )
        times.append(time.perf_counter() - start)
    return times


def in_session(sampler: str, repeat: int) -> dict[str, list[float]]:
    import numpy as np

    from bayesmeta.bayes import build_model, fit
    from bayesmeta.data import cart_outcome
    from bayesmeta.data.metadata import MetaData

    data = cart_outcome("orr")
    events = np.array(data.events)
    events[0] = max(events[0] - 1, 0)
    changed = MetaData(
        data.studies, events, data.total, data.covariates, data.excluded, data.outcome
    )
    out: dict[str, list[float]] = {
        "first fit in session": [],
        "refit, data changed": [],
        "refit, prior changed": [],
    }
    start = time.perf_counter()
    fit(build_model(data), engine="nuts", sampler=sampler)
    out["first fit in session"].append(time.perf_counter() - start)
    for _ in range(repeat):
        start = time.perf_counter()
        fit(build_model(changed), engine="nuts", sampler=sampler)
        out["refit, data changed"].append(time.perf_counter() - start)
        start = time.perf_counter()
        fit(build_model(data, tau_prior="halfnormal(1.0)"), engine="nuts", sampler=sampler)
        out["refit, prior changed"].append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samplers", default="pymc,nutpie")
    args = parser.parse_args()
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
        "rows": [],
    }
    rows = results["rows"]
    for sampler in args.samplers.split(","):
        times = whole_process(sampler, args.repeat + 1)
        rows.append(
            {"what": f"bayesmeta fit, whole process, cold ({sampler})", "seconds": [times[0]]}
        )
        rows.append(
            {"what": f"bayesmeta fit, whole process, warm ({sampler})", "seconds": times[1:]}
        )
        for what, seconds in in_session(sampler, args.repeat).items():
            rows.append({"what": f"{what} ({sampler})", "seconds": seconds})
    rows.append(
        {
            "what": "plain PyMC, whole process (pm.sample defaults)",
            "seconds": plain_pymc(args.repeat),
        }
    )
    print("| what | median s | runs |")
    print("| --- | ---: | --- |")
    for row in rows:
        row["median"] = statistics.median(row["seconds"])
        runs = ", ".join(f"{s:.2f}" for s in row["seconds"])
        print(f"| {row['what']} | {row['median']:.2f} | {runs} |")
    from bayesmeta.atomic import write_json

    write_json(HERE / "results.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

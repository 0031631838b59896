"""Benchmark of the one-stage IPD model: exact engine vs NUTS vs our GLMM (and glmer, bench_glmer.R).

Data: 2,000 patients in 90 trials (``patients.csv`` beside this file, simulated with seed 20261206:
a binary modifier x with within-trial log OR -0.5 and a different across-trial slope, a numeric
z), modifiers ``x + z`` (5 coefficients: intercept, x:within, x:across, z:within, z:across).

Measures, in process after one warm-up, median of ``--repeat`` runs: the exact engine
(``fit_ipd(engine="quadrature")``, with log evidence), the GLMM (``fit_ipd_glmm``, 7-node AGQ);
NUTS (``fit_ipd(engine="nuts")``, 4 chains x 1000 draws after 1000 tuning steps, compile included,
``--nuts-runs`` runs). glmer's time comes from ``bench_glmer.R`` (``glmer_results.json``).
Writes ``results.json`` (atomically) and prints a markdown table.

Usage: .venv/bin/python benchmarks/ipd/bench_ipd.py [--repeat 3] [--nuts-runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def make_data(path: Path, *, seed: int = 20261206) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(2000 - 90 * 8, np.ones(90) / 90) + 8
    rows = []
    for i, n in enumerate(sizes):
        s = rng.normal()
        x = (rng.random(n) < expit(-0.3 + s)).astype(int)
        z = np.round(rng.normal(rng.normal(), 1.0, n), 2)
        logit = -0.2 + rng.normal(0, 0.5) - 0.8 * s - 0.5 * x + 0.3 * z
        y = (rng.random(n) < expit(logit)).astype(int)
        rows.append(pd.DataFrame({"trial": f"T{i + 1:02d}", "y": y, "x": x, "z": z}))
    pd.concat(rows, ignore_index=True).to_csv(path, index=False)


def _time(fn, repeat: int) -> tuple[float, object]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--nuts-runs", type=int, default=1)
    args = parser.parse_args()
    from bayesmeta.data.patients import patients_from_frame
    from bayesmeta.ipd.bayes import fit_ipd
    from bayesmeta.ipd.glmm import fit_ipd_glmm
    from bayesmeta.ipd.within_across import ipd_design

    path = HERE / "patients.csv"
    if not path.exists():
        make_data(path)
    data = patients_from_frame(pd.read_csv(path), trial="trial", outcome="y")
    design = ipd_design(data, "x + z")
    glmm_s, glmm = _time(lambda: fit_ipd_glmm(design), args.repeat)
    exact_s, exact = _time(lambda: fit_ipd(design, engine="quadrature"), args.repeat)
    nuts_times = []
    for run in range(args.nuts_runs):
        start = time.perf_counter()
        nuts = fit_ipd(design, engine="nuts", seed=run + 1)
        nuts_times.append(time.perf_counter() - start)
    glmer_file = HERE / "glmer_results.json"
    glmer = json.loads(glmer_file.read_text()) if glmer_file.exists() else {}
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        "patients": int(data.n_patients),
        "trials": int(data.k),
        "glmm_seconds": glmm_s,
        "exact_seconds": exact_s,
        "nuts_seconds": statistics.median(nuts_times),
        "glmer_seconds": glmer.get("seconds"),
        "x_within": {
            "glmm": glmm.coefficients["x:within"],
            "exact": exact.coefficients["x:within"].to_dict(),
            "nuts": nuts.coefficients["x:within"].to_dict(),
            "glmer": glmer.get("x_within"),
        },
        "exact_log_evidence": exact.log_evidence,
        "nuts_diagnostics": nuts.diagnostics.to_dict(),
    }
    tmp = HERE / "results.json.tmp"
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    os.replace(tmp, HERE / "results.json")
    print("| engine | seconds | x:within |")
    print("|---|---|---|")
    print(f"| exact (quadrature) | {exact_s:.2f} | {exact.coefficients['x:within'].median:.4f} |")
    print(
        f"| NUTS 4 x 1000 | {results['nuts_seconds']:.1f} | {nuts.coefficients['x:within'].median:.4f} |"
    )
    print(f"| GLMM (ours) | {glmm_s:.3f} | {glmm.coefficients['x:within']['estimate']:.4f} |")
    print(f"| glmer nAGQ=7 | {results['glmer_seconds']} | {glmer.get('x_within')} |")


if __name__ == "__main__":
    main()

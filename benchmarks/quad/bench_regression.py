"""Benchmark of the exact meta-regression (``bayesmeta.quad.regression``) against NUTS.

Measures:

1. in-process ``fit_regression_quadrature`` with p = 2, 4, 6 and 8 coefficients on the CAR-T
   orr outcome (median of ``--repeat`` runs after one warm-up), and the same fits' log-tau and
   beta | tau node counts;
2. the whole CLI process ``bayesmeta fit cart_wu2025 --events crr_events --total crr_total
   --formula "cancer_type + country" --json`` with ``--engine quadrature`` and ``--engine nuts``
   (default 4 x 1000 draws, warm compile cache), side by side, ``--nuts-runs`` times.

Usage: ``.venv/bin/python benchmarks/quad/bench_regression.py [--repeat 10] [--nuts-runs 1]``;
prints a markdown table and writes ``benchmarks/quad/results_regression.json`` (atomically).
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
FORMULAS = {
    2: "age_median",
    4: "cancer_type + age_median",
    6: "cancer_type + country + age_median + year",
    8: "cancer_type + country + age_median + year + phase",
}
CLI = [
    sys.executable,
    "-m",
    "bayesmeta",
    "fit",
    "cart_wu2025",
    "--events",
    "crr_events",
    "--total",
    "crr_total",
    "--formula",
    "cancer_type + country",
    "--json",
]


def timed(function, repeat: int) -> float:
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def process(command: list[str], runs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--nuts-runs", type=int, default=1)
    args = parser.parse_args()

    from bayesmeta.bayes import build_model
    from bayesmeta.data import cart_outcome
    from bayesmeta.quad.regression import fit_regression_quadrature, regression_posterior

    rows: dict[str, dict] = {}
    for p, formula in FORMULAS.items():
        spec = build_model(cart_outcome("orr"), formula=formula)
        assert spec.design.matrix.shape[1] == p, (formula, spec.design.columns)
        seconds = timed(lambda spec=spec: fit_regression_quadrature(spec), args.repeat)
        post, _ = regression_posterior(spec)
        integrate_only = timed(lambda spec=spec: regression_posterior(spec), args.repeat)
        rows[f"p={p}"] = {
            "formula": formula,
            "fit_ms": 1000 * seconds,
            "integration_ms": 1000 * integrate_only,
            "log_tau_nodes": int(post.s.size),
            "beta_nodes": int(post.z.shape[0]),
            "rule": post.rule,
        }
        print(
            f"p={p} {formula}: fit {1000 * seconds:.0f} ms, integration {1000 * integrate_only:.0f} ms, "
            f"{post.s.size} x {post.z.shape[0]} ({post.rule})",
            flush=True,
        )
    quad_process = process([*CLI, "--engine", "quadrature"], 3)
    nuts_process = process([*CLI, "--engine", "nuts"], args.nuts_runs)
    rows["cli_process"] = {
        "quadrature_s": quad_process,
        "nuts_s": nuts_process,
        "ratio": nuts_process / quad_process,
    }
    print(
        f"CLI process: quadrature {quad_process:.2f} s, NUTS {nuts_process:.2f} s, "
        f"{nuts_process / quad_process:.1f}x"
    )
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        "repeat": args.repeat,
        "results": rows,
    }
    out = HERE / "results_regression.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of the exact quadrature engine against NUTS (``bayesmeta.bayes.fit``) and brms.

Measures (median of ``--repeat`` runs unless noted):

1. in-process ``fit_quadrature`` on the CAR-T outcomes: random, common, subgroup (common tau)
   and subgroup (separate tau) by cancer type;
2. a 24-prior sensitivity grid (4 mu priors x 6 tau priors) on the death outcome, full fits;
3. exact leave-one-study-out (``loo_log_predictive``) per outcome;
4. whole CLI process ``bayesmeta fit cart_wu2025 --events orr_events --total orr_total --json``
   with ``--engine quadrature`` and ``--engine nuts`` (NUTS: default 4 x 1000 draws, warm
   compile cache, run ``--nuts-runs`` times);
5. brms: ``bench_brms.R`` beside this file (compile + first fit, refit without compiling, whole
   Rscript process), run once when ``--brms`` is given.

Usage: ``.venv/bin/python benchmarks/quad/bench_quad.py [--repeat 20] [--nuts-runs 1] [--brms]``;
prints a markdown table and writes ``benchmarks/quad/results.json`` (atomically).
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
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent / "bayesmeta"
CLI = ["fit", "cart_wu2025", "--events", "orr_events", "--total", "orr_total", "--json"]
MU_PRIORS = ["normal(0, 2.5)", "normal(0, 1.5)", "normal(0, 5)", "student_t(3, 0, 2.5)"]
TAU_PRIORS = [
    "halfnormal(1.5)",
    "halfnormal(1)",
    "halfnormal(3)",
    "halfcauchy(1)",
    "exponential(1)",
    "halfstudentt(3, 1)",
]


def timed(function, repeat: int) -> float:
    function()  # warm caches (imports, Gauss-Hermite rules)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def process(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--nuts-runs", type=int, default=1)
    parser.add_argument("--brms", action="store_true")
    args = parser.parse_args()

    from bayesmeta.data import cart_outcome
    from bayesmeta.model.spec import build_model
    from bayesmeta.quad import fit_quadrature, loo_log_predictive

    rows: dict[str, float] = {}
    for outcome in ("orr", "crr", "death"):
        data = cart_outcome(outcome)
        models = {
            "random": build_model(data, kind="random"),
            "common": build_model(data, kind="common"),
            "subgroup": build_model(data, by="cancer_type"),
            "separate": build_model(data, by="cancer_type", separate_tau=True),
        }
        for name, spec in models.items():
            rows[f"fit {outcome} {name}"] = timed(lambda s=spec: fit_quadrature(s), args.repeat)
        random = models["random"]
        rows[f"loo {outcome} random (k={data.k})"] = timed(
            lambda s=random: loo_log_predictive(s), max(args.repeat // 4, 3)
        )
    death = cart_outcome("death")
    specs = [build_model(death, mu_prior=m, tau_prior=t) for m in MU_PRIORS for t in TAU_PRIORS]
    rows["24-prior sensitivity grid, death (full fits)"] = timed(
        lambda: [fit_quadrature(s) for s in specs], max(args.repeat // 4, 3)
    )
    rows["CLI process, quadrature"] = process([str(BIN), *CLI, "--engine", "quadrature"], 5)
    rows["CLI process, NUTS (4 x 1000)"] = process(
        [str(BIN), *CLI, "--engine", "nuts"], args.nuts_runs
    )
    if args.brms:
        start = time.perf_counter()
        out = subprocess.run(
            ["Rscript", str(HERE / "bench_brms.R")],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        rows["brms Rscript process (compile + 2 fits)"] = time.perf_counter() - start
        brms = json.loads(out.stdout.strip().splitlines()[-1])
        rows["brms first fit incl. compile (4 x 1000)"] = brms["first_fit_with_compile"]
        rows["brms refit, no compile (4 x 1000)"] = brms["refit_no_compile"]

    result = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "repeat": args.repeat,
        "seconds": rows,
    }
    fd, tmp = tempfile.mkstemp(dir=HERE, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(result, handle, indent=1)
    os.replace(tmp, HERE / "results.json")
    print("| measurement | time |\n|---|---|")
    for name, seconds in rows.items():
        shown = f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
        print(f"| {name} | {shown} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

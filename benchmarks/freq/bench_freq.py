"""Time per fit of bayesmeta.freq (DL and GLMM) beside metafor's rma / rma.glmm.

Usage (repository root)::

    .venv/bin/python benchmarks/freq/bench_freq.py [--repeats 50] [--no-r]

Prints a Markdown table (ms per fit, best of 3 batches for Python; metafor timed by
``Rscript benchmarks/freq/bench_metafor.R``, a whole batch divided by its size). The fit
includes everything the user gets: effect sizes, tau^2, the Q-profile interval (DL) or the
heterogeneity tests (GLMM).
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from bayesmeta.data import cart_outcome
from bayesmeta.freq import glmm, rma

ROOT = Path(__file__).resolve().parents[2]
OUTCOMES = ("orr", "crr", "death")


def per_fit_ms(fn, repeats: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - start) / repeats)
    return 1000 * best


def metafor_times(repeats: int) -> dict[tuple[str, str], float]:
    out = subprocess.run(
        ["Rscript", str(ROOT / "benchmarks" / "freq" / "bench_metafor.R"), str(repeats)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    times = {}
    for line in out.strip().splitlines():
        _engine, outcome, fit, ms = line.split(",")
        times[(outcome, fit)] = float(ms)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--no-r", action="store_true", help="skip the metafor timings")
    args = parser.parse_args()
    r_times = {} if args.no_r else metafor_times(max(5, args.repeats // 5))
    print("| outcome | k | fit | bayesmeta (ms/fit) | metafor (ms/fit) |")
    print("|---|---|---|---|---|")
    for outcome in OUTCOMES:
        data = cart_outcome(outcome)
        for fit, fn in (
            ("DL", lambda d=data: rma(d, method="DL")),
            ("GLMM", lambda d=data: glmm(d)),
        ):
            ours = per_fit_ms(fn, args.repeats)
            theirs = r_times.get((outcome, fit))
            shown = "—" if theirs is None else f"{theirs:.1f}"
            print(f"| {outcome} | {data.k} | {fit} | {ours:.2f} | {shown} |")


if __name__ == "__main__":
    main()

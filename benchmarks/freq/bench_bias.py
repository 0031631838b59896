"""Time of the small-study, influence and cumulative pieces each spec report adds.

Usage (repository root)::

    .venv/bin/python benchmarks/freq/bench_bias.py [--repeats 5]

Prints a Markdown table (ms per call, best of ``repeats``) on the three CAR-T outcomes:
Egger + Peters + Begg + trim-and-fill, the influence table, the exact-engine leave-one-out
pooled rates, the GLMM profile CI, the frequentist and Bayesian cumulative analyses, and GOSH
on 13 studies (all 8191 subsets by DL, 50 by the exact engine).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bayesmeta.analysis.bayes_influence import bayes_influence
from bayesmeta.analysis.gosh import gosh
from bayesmeta.analysis.sequential import bayes_cumulative
from bayesmeta.data import cart_outcome
from bayesmeta.freq import (
    cumulative,
    egger,
    glmm_profile_ci,
    influence,
    peters,
    rank_test,
    trim_fill,
)

OUTCOMES = ("orr", "crr", "death")


def best_ms(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return 1000 * best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(
        "| outcome | tests + trim-and-fill | influence | Bayes LOO shift | GLMM profile CI "
        "| cumulative (freq) | cumulative (Bayes) | GOSH 13 studies |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for outcome in OUTCOMES:
        data = cart_outcome(outcome)
        small = data.where(np.arange(data.k) < 13)
        cells = [
            best_ms(lambda d=data: (egger(d), peters(d), rank_test(d), trim_fill(d)), args.repeats),
            best_ms(lambda d=data: influence(d), args.repeats),
            best_ms(lambda d=data: bayes_influence(d), args.repeats),
            best_ms(lambda d=data: glmm_profile_ci(d), args.repeats),
            best_ms(lambda d=data: cumulative(d, order_by="year"), args.repeats),
            best_ms(lambda d=data: bayes_cumulative(d, order_by="year"), 1),
            best_ms(lambda d=small: gosh(d, n_bayes=50), 1),
        ]
        print(f"| {outcome} | " + " | ".join(f"{c:.0f} ms" for c in cells) + " |")


if __name__ == "__main__":
    main()

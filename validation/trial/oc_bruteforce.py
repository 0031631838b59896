"""Brute-force operating characteristics of one-sample binomial designs (independent of bayesmeta).

For every possible number of responders x = 0..n the posterior probability P(p > p0 | x) is
computed by numerical integration of prior density x binomial likelihood (scipy.integrate.quad,
no conjugate update), the success set {x : P(p > p0 | x) > confidence} is enumerated, and
P(success | rate) is summed from the binomial pmf. The smallest margin |P - confidence| over x
is recorded so the test can see that no decision sits on a rounding edge.

Run from the repository root:  python validation/trial/oc_bruteforce.py
It writes validation/trial/oc_bruteforce.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy import integrate, stats

HERE = Path(__file__).resolve().parent

CASES = {
    # the call: n = 40, p0 = 0.7, confidence 0.9, with a CAR-T-like robust MAP prior
    "cart_like_robust_n40": {
        "prior": [(0.11, 2.79, 1.18), (0.39, 9.28, 1.69), (0.30, 22.47, 1.95), (0.20, 1.0, 1.0)],
        "n": 40,
        "p0": 0.7,
        "confidence": 0.9,
    },
    "uniform_n40": {"prior": [(1.0, 1.0, 1.0)], "n": 40, "p0": 0.7, "confidence": 0.9},
    # RBesT's AS MAP prior (R/mixstanvar.R, RBesT 1.9-0) in a small placebo-like design
    "rbest_as_map_n20": {
        "prior": [(0.62, 19.2, 57.8), (0.38, 3.5, 9.4)],
        "n": 20,
        "p0": 0.2,
        "confidence": 0.95,
    },
    "bimodal_n15": {
        "prior": [(0.5, 3.0, 12.0), (0.5, 12.0, 3.0)],
        "n": 15,
        "p0": 0.5,
        "confidence": 0.8,
    },
}
RATES = [0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9]


def prior_pdf(p: float, comps) -> float:
    return sum(w * stats.beta.pdf(p, a, b) for w, a, b in comps)


def prob_above(x: int, n: int, p0: float, comps) -> float:
    def f(p: float) -> float:
        return prior_pdf(p, comps) * stats.binom.pmf(x, n, p)

    opts = {"epsabs": 0.0, "epsrel": 1e-12, "limit": 500}
    below = integrate.quad(f, 0.0, p0, **opts)[0]
    above = integrate.quad(f, p0, 1.0, **opts)[0]
    return above / (above + below)


def case(spec: dict) -> dict:
    n, p0, conf, comps = spec["n"], spec["p0"], spec["confidence"], spec["prior"]
    probs = [prob_above(x, n, p0, comps) for x in range(n + 1)]
    success = [x for x, pr in enumerate(probs) if pr > conf]
    power = {f"{r:g}": float(sum(stats.binom.pmf(x, n, r) for x in success)) for r in RATES}
    return {
        "prior": [{"weight": w, "a": a, "b": b} for w, a, b in comps],
        "n": n,
        "p0": p0,
        "confidence": conf,
        "prob_above": probs,
        "success_set": success,
        "critical": min(success) if success else None,
        "type1": float(sum(stats.binom.pmf(x, n, p0) for x in success)),
        "power": power,
        "min_margin": float(np.min(np.abs(np.array(probs) - conf))),
    }


def main() -> None:
    out = {
        "method": "posterior P(p > p0 | x) by scipy.integrate.quad of prior x likelihood; "
        "enumeration of x = 0..n",
        "scipy": __import__("scipy").__version__,
        "cases": {name: case(spec) for name, spec in CASES.items()},
    }
    (HERE / "oc_bruteforce.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    for name, c in out["cases"].items():
        print(name, c["critical"], c["type1"], c["min_margin"])


if __name__ == "__main__":
    main()

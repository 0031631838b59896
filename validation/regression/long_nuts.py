"""A long NUTS run of bayesmeta's own PyMC meta-regression, pinned for the exact engine's tests.

The two models of issue 11's "Done when" (CRR ~ cancer_type + country, ORR ~ age_median), default
priors, 8 chains x 4000 draws after 1500 tuning steps (seed 20261129). For every coefficient,
tau, per-level rate, contrast, pooled rate and study rate: median, 2.5% and 97.5% quantiles and
the posterior SD, so a test can ask the exact engine to agree within 0.02 posterior SD (the
Monte Carlo error of a quantile here is about 0.01 SD at ESS ~ 10000).

Usage (repository root): PYTHONPATH=$PWD .venv/bin/python validation/regression/long_nuts.py
Writes validation/regression/long_nuts.json atomically.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from bayesmeta.atomic import write_text
from bayesmeta.bayes import build_model, fit
from bayesmeta.data.bundled import cart_outcome
from bayesmeta.nuts.summarize import _level_rates, _stacked

OUT = Path(__file__).with_name("long_nuts.json")
MODELS = {
    "crr_cancer_type_country": ("crr", "cancer_type + country"),
    "orr_age_median": ("orr", "age_median"),
}
SEED = 20261129


def summ(x: np.ndarray) -> dict:
    x = np.asarray(x, float).ravel()
    lo, med, hi = np.quantile(x, [0.025, 0.5, 0.975])
    return {"median": med, "lo": lo, "hi": hi, "sd": float(np.std(x, ddof=1))}


def run(outcome: str, formula: str) -> dict:
    spec = build_model(cart_outcome(outcome), formula=formula)
    start = time.perf_counter()
    res = fit(spec, engine="nuts", draws=4000, tune=1500, chains=8, seed=SEED)
    seconds = time.perf_counter() - start
    idata = res.idata
    beta = _stacked(idata, "beta")
    tau = _stacked(idata, "tau")
    rates, _means, groups = _level_rates(spec, idata)
    theta = _stacked(idata, "theta")
    eta = _stacked(idata, "eta")
    from bayesmeta.bayes import derived

    pooled_mean = derived.population_mean(eta, tau[:, None]).mean(axis=1)
    contrasts = []
    for names in groups:
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                diff = rates[a] - rates[b]
                contrasts.append(
                    {"a": a, "b": b, **summ(diff), "prob_a_greater": float(np.mean(diff > 0))}
                )
    return {
        "k": spec.data.k,
        "seconds": seconds,
        "diagnostics": res.diagnostics.to_dict(),
        "coefficients": {c: summ(beta[:, j]) for j, c in enumerate(spec.design.columns)},
        "tau": summ(tau),
        "rates": {k: summ(v) for k, v in rates.items()},
        "contrasts": contrasts,
        "pooled_median": summ(1.0 / (1.0 + np.exp(-eta.mean(axis=1)))),
        "pooled_mean": summ(pooled_mean),
        "study_rates": {s: summ(theta[:, i]) for i, s in enumerate(spec.data.studies)},
    }


def main() -> None:
    result = {
        "meta": {
            "chains": 8,
            "draws": 4000,
            "tune": 1500,
            "seed": SEED,
            "sampler": "pymc",
            "script": "validation/regression/long_nuts.py",
        },
    }
    for name, (outcome, formula) in MODELS.items():
        result[name] = run(outcome, formula)
        print(name, result[name]["diagnostics"], f"{result[name]['seconds']:.0f} s", flush=True)
    write_text(OUT, json.dumps(result, indent=1, default=float) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()

"""Both Bayesian engines of the one-stage IPD model against brms (validation/ipd/brms.json).

Runs the exact engine and NUTS at full settings (4 chains x 1000 draws after 1000 tuning
steps, seed 20261206, the IPD model's target acceptance ``IPD_TARGET_ACCEPT``) on the
validation data, IPD alone and IPD + aggregate, and writes
``engines.json``: each engine's median, 2.5% and 97.5% quantiles (NUTS: with their MCSEs,
arviz's quantile MCSE, the estimator of posterior::mcse_quantile), brms' values, and the largest
difference in combined MCSEs (the issue's criterion: within 3). The test suite repeats the exact
comparison and a shorter NUTS run (``tests/ipd/test_ipd_brms.py``).

Usage (repository root): .venv/bin/python validation/ipd/check_engines.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from bayesmeta.data.patients import aggregate_from_frame, patients_from_frame  # noqa: E402
from bayesmeta.ipd.bayes import IpdPriors, fit_ipd  # noqa: E402
from bayesmeta.ipd.differences import difference_rows  # noqa: E402
from bayesmeta.ipd.glmm import sorted_rows  # noqa: E402
from bayesmeta.ipd.within_across import ipd_design  # noqa: E402
from bayesmeta.model.options import IPD_TARGET_ACCEPT  # noqa: E402
from bayesmeta.nuts.ipd import grouped_diagnostics, sample_grouped  # noqa: E402

SEED = 20261206
QUANTILES = (("median", 0.5), ("lo", 0.025), ("hi", 0.975))


def designs():
    patients = patients_from_frame(pd.read_csv(HERE / "patients.csv"), trial="trial", outcome="y")
    aggregate = aggregate_from_frame(
        pd.read_csv(HERE / "aggregate.csv"), trial="trial", events="events", total="total"
    )
    return {
        "ipd": ipd_design(patients, "x + z"),
        "ipd_ad": ipd_design(patients.with_aggregate(aggregate), "x + z"),
    }


def nuts_draws(design, *, draws=1000, tune=1000, chains=4, seed=SEED):
    """Named draws (chain, draw) of every compared quantity, and the diagnostics."""
    order, starts = sorted_rows(design)
    priors = IpdPriors()
    result = sample_grouped(
        design.matrix[order],
        design.data.events[order],
        design.data.total[order],
        starts,
        coef_priors=[priors.intercept] + [priors.beta] * (design.p - 1),
        tau_prior=priors.tau,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
    )
    named = {c: result.beta[..., j] for j, c in enumerate(design.columns)}
    for m, row in difference_rows(design).items():
        named[f"{m}:difference"] = result.beta @ row
    named["tau"] = result.tau
    return named, grouped_diagnostics(result)


def summarize_draws(values: np.ndarray) -> dict[str, float]:
    import arviz as az

    out = {}
    for key, prob in QUANTILES:
        out[key] = float(np.quantile(values, prob))
        out[f"mcse_{key}"] = float(az.mcse(values, method="quantile", prob=prob))
    return out


def brms_entry(reference: dict, name: str) -> dict:
    if name == "tau":
        return reference["tau"]
    if name.endswith(":difference"):
        return reference["differences"][name.split(":")[0]]
    return reference["coefficients"][name]


def exact_entry(result, name: str) -> dict:
    if name == "tau":
        iv = result.tau
    elif name.endswith(":difference"):
        d = result.differences[name.split(":")[0]]
        return {"median": d["median"], "lo": d["lo"], "hi": d["hi"]}
    else:
        iv = result.coefficients[name]
    return {"median": iv.median, "lo": iv.lo, "hi": iv.hi}


def main() -> None:
    reference = json.loads((HERE / "brms.json").read_text())
    settings = {"chains": 4, "draws": 1000, "tune": 1000, "seed": SEED}
    out = {"settings": {**settings, "target_accept": IPD_TARGET_ACCEPT}}
    for case, design in designs().items():
        ref = reference[case]
        exact = fit_ipd(design, engine="quadrature")
        named, diag = nuts_draws(design)
        rows = {}
        worst = {"exact": 0.0, "nuts": 0.0}
        for name, values in named.items():
            b = brms_entry(ref, name)
            n = summarize_draws(values)
            e = exact_entry(exact, name)
            row = {"brms": b, "nuts": n, "exact": e}
            for key, _ in QUANTILES:
                z_nuts = abs(n[key] - b[key]) / np.hypot(n[f"mcse_{key}"], b[f"mcse_{key}"])
                z_exact = abs(e[key] - b[key]) / b[f"mcse_{key}"]
                worst["nuts"] = max(worst["nuts"], float(z_nuts))
                worst["exact"] = max(worst["exact"], float(z_exact))
            rows[name] = row
        out[case] = {
            "quantities": rows,
            "max_combined_mcse": worst,
            "nuts_diagnostics": diag.to_dict(),
        }
        print(case, worst, diag.to_dict())
    (HERE / "engines.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()

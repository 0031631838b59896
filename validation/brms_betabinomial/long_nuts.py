"""A long NUTS run of bayesmeta's own beta-binomial model on the three brms data sets.

The live NUTS test can afford only a short run, whose Monte Carlo error is large; this script
pins a long one (4 chains x 10000 draws after 2000 tuning steps, seed 20261206) so that the
test ``tests/bayes/test_bayes_betabinomial.py::test_long_nuts_equals_brms`` compares two long
runs: each quantile within 3 combined Monte Carlo SEs (ArviZ's ``mcse(method="quantile")`` for
ours, ``posterior::mcse_quantile`` for brms's).

Usage (repository root, ~20 minutes): .venv/bin/python validation/brms_betabinomial/long_nuts.py
[NAME DRAWS]: all three data sets with 10000 draws per chain, or one data set with DRAWS draws
per chain, merged into the existing file (pritz1997 was pinned with 25000: at 10000 its 2.5%
quantile of the intercept sat 2.6 of its MCSEs below the brute-force value, and brms's 2.1
above, 3.3 combined MCSEs apart; the longer run settles which side the noise was on).
Writes validation/brms_betabinomial/long_nuts.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from bayesmeta import engines  # noqa: E402
from bayesmeta.data import from_frame  # noqa: E402
from bayesmeta.model.spec import build_model  # noqa: E402

DRAWS, TUNE, CHAINS, SEED = 10000, 2000, 4, 20261206


def spec_of(entry: dict):
    data = entry["data"]
    frame = pd.DataFrame({"study": data["study"], "y": data["events"], "n": data["total"]})
    formula = entry.get("formula") or None
    if formula:
        frame[formula] = data["covariate"]
    meta = from_frame(frame, events="y", total="n", study="study")
    return build_model(meta, likelihood="betabinomial", formula=formula)


def summ(x: np.ndarray, chains: int) -> dict:
    import arviz as az

    x = np.asarray(x, float).reshape(chains, -1)
    q = np.quantile(x, [0.5, 0.025, 0.975])
    mcse = [float(az.mcse(x, method="quantile", prob=p)) for p in (0.5, 0.025, 0.975)]
    return {
        "median": float(q[0]),
        "lo": float(q[1]),
        "hi": float(q[2]),
        "mcse_median": mcse[0],
        "mcse_lo": mcse[1],
        "mcse_hi": mcse[2],
    }


def main() -> None:
    from scipy.special import expit

    ref = json.loads((HERE / "reference.json").read_text())
    path = HERE / "long_nuts.json"
    names, draws = ("crr", "pritz1997", "debruin2009"), DRAWS
    out = {"meta": {"draws": DRAWS, "tune": TUNE, "chains": CHAINS, "seed": SEED}}
    if len(sys.argv) == 3:
        names, draws = (sys.argv[1],), int(sys.argv[2])
        out = json.loads(path.read_text())
    for name in names:
        start = time.time()
        spec = spec_of(ref[name])
        result = engines.fit(spec, engine="nuts", draws=draws, tune=TUNE, chains=CHAINS, seed=SEED)
        post = result.idata.posterior
        beta = post["beta"].to_numpy()  # (chain, draw, p)
        phi = post["phi"].to_numpy()
        eta = post["eta"].to_numpy()
        entry = {
            "coefficients": {
                str(c): summ(beta[..., j], CHAINS)
                for j, c in enumerate(post["beta"].coords["coef"].values)
            },
            "phi": summ(phi, CHAINS),
            "icc": summ(1.0 / (1.0 + phi), CHAINS),
            "pooled_mean": summ(expit(eta).mean(axis=-1), CHAINS),
            "draws_per_chain": draws,
            "diagnostics": result.diagnostics.to_dict(),
            "seconds": time.time() - start,
        }
        out[name] = entry
        print(name, entry["diagnostics"], flush=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=1) + "\n")
    tmp.replace(path)


if __name__ == "__main__":
    main()

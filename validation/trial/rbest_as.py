"""RBesT's ankylosing spondylitis (AS) MAP example: the published numbers and their Monte Carlo error.

Source: RBesT 1.9-0 (github.com/Novartis/RBesT, commit 30cf4cd, the stored snapshot):
  * data/AS.rda and R/AS.R -- the 8 placebo studies (study, n, r) of Baeten et al. 2013;
  * R/AS.R, R/gMAP.R (examples) and vignettes/introduction.Rmd -- the analysis
    ``gMAP(cbind(r, n - r) ~ 1 | study, family = binomial, data = AS, tau.dist = "HalfNormal",
    tau.prior = 1, beta.prior = 2)``, then ``automixfit``, ``robustify(map, weight = 0.2,
    mean = 1/2)`` and ``ess``;
  * R/mixstanvar.R / man/mixstanvar.Rd -- the resulting MAP prior as RBesT documents it:
    ``map_AS_beta <- mixbeta(c(0.62, 19.2, 57.8), c(0.38, 3.5, 9.4))``;
  * vignettes/introduction.Rmd -- "the MAP prior has a 95% interval of about 0.1 to 0.5".

RBesT samples the MAP by MCMC: with its defaults (4 chains, 6000 iterations, 2000 warm-up, thin
4) mixfit sees 4000 predictive draws. This script estimates the Monte Carlo error of every
compared quantity by a parametric bootstrap from OUR exact predictive: 4000 independent draws,
the same 2-component EM fit, the same summaries, repeated ``REPLICATES`` times (independent draws
slightly understate the error of a thinned MCMC sample). It also measures how much rounding the
documented mixture to 3 significant digits moves each quantity. The test
``tests/trial/test_rbest_as_example.py`` allows 3 Monte Carlo SDs plus that rounding.

Run from the repository root:  python validation/trial/rbest_as.py  (about a minute)
It writes validation/trial/rbest_as.json.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

HERE = Path(__file__).resolve().parent
AS_DATA = {
    "study": [f"Study {i}" for i in range(1, 9)],
    "n": [107, 44, 51, 39, 139, 20, 78, 35],
    "r": [23, 12, 19, 9, 39, 6, 9, 10],
}
RBEST_MAP = [(0.62, 19.2, 57.8), (0.38, 3.5, 9.4)]
DRAWS = 4000
REPLICATES = 40
SEED = 20260413


def summaries(mix) -> dict:
    from bayesmeta.trial import ess_all, robustify

    lo, med, hi = mix.ppf([0.025, 0.5, 0.975])
    ess = ess_all(mix)
    robust = ess_all(robustify(mix, weight=0.2, mean=0.5))
    return {
        "mean": mix.mean(),
        "sd": mix.var() ** 0.5,
        "q2.5": float(lo),
        "q50": float(med),
        "q97.5": float(hi),
        "ess_elir": ess["elir"],
        "ess_moment": ess["moment"],
        "ess_morita": ess["morita"],
        "robust_ess_elir": robust["elir"],
        "robust_ess_moment": robust["moment"],
    }


def main() -> None:
    from bayesmeta.bayes import build_model
    from bayesmeta.data import from_frame
    from bayesmeta.trial import BetaMixture, map_source
    from bayesmeta.trial.fitting import em_beta

    data = from_frame(pd.DataFrame(AS_DATA), events="r", total="n", study="study")
    spec = build_model(data, mu_prior="normal(0, 2)", tau_prior="halfnormal(1)")
    exact = map_source(spec).mixture
    rng = np.random.default_rng(SEED)
    boot = []
    for _ in range(REPLICATES):
        comp = rng.choice(exact.weight.size, size=DRAWS, p=exact.weight)
        draws = special.expit(rng.normal(exact.loc[comp], exact.scale[comp]))
        boot.append(summaries(em_beta(np.sort(draws), 2)))
    keys = list(boot[0])
    mc_sd = {k: float(np.std([b[k] for b in boot], ddof=1)) for k in keys}
    documented = BetaMixture(*(np.array(c) for c in zip(*RBEST_MAP, strict=True)))
    reference = summaries(documented)
    # rounding: every parameter moved by half a unit of its last printed digit, all sign patterns
    steps = [0.005, 0.05, 0.05, 0.005, 0.05, 0.05]
    flat = [v for comp in RBEST_MAP for v in comp]
    rounding = dict.fromkeys(keys, 0.0)
    for signs in itertools.product((-1, 1), repeat=len(flat)):
        moved = [v + s * d for v, s, d in zip(flat, signs, steps, strict=True)]
        mix = BetaMixture(weight=moved[0::3], a=moved[1::3], b=moved[2::3])
        values = summaries(mix)
        for k in keys:
            rounding[k] = max(rounding[k], abs(values[k] - reference[k]))
    out = {
        "source": "RBesT 1.9-0 (github.com/Novartis/RBesT @ 30cf4cd): R/mixstanvar.R, R/AS.R, "
        "R/gMAP.R, vignettes/introduction.Rmd, data/AS.rda",
        "data": AS_DATA,
        "rbest_map_mixture": [{"weight": w, "a": a, "b": b} for w, a, b in RBEST_MAP],
        "rbest_vignette_interval_95": [0.1, 0.5],
        "rbest_summaries": reference,
        "monte_carlo_sd": mc_sd,
        "rounding": rounding,
        "bootstrap": {"draws": DRAWS, "replicates": REPLICATES, "seed": SEED, "components": 2},
    }
    (HERE / "rbest_as.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(
        json.dumps({k: out[k] for k in ("rbest_summaries", "monte_carlo_sd", "rounding")}, indent=1)
    )


if __name__ == "__main__":
    main()

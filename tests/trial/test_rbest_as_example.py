"""RBesT's ankylosing spondylitis example (gMAP -> automixfit -> robustify -> ess), reproduced.

Reference: RBesT 1.9-0 (github.com/Novartis/RBesT @ 30cf4cd). The AS data (data/AS.rda, 8
placebo studies) are analysed with ``gMAP(..., tau.dist = "HalfNormal", tau.prior = 1,
beta.prior = 2)`` (R/AS.R, R/gMAP.R, vignettes/introduction.Rmd); RBesT documents the resulting
MAP prior as ``mixbeta(c(0.62, 19.2, 57.8), c(0.38, 3.5, 9.4))`` (R/mixstanvar.R) and the
vignette says its 95% interval is "about 0.1 to 0.5". We derive the same MAP exactly (normal(0, 2)
on mu, halfnormal(1) on tau, no MCMC), fit 2 components as RBesT's automixfit did, robustify with
weight 0.2 on Beta(1, 1) and compare every summary and ESS.

Tolerance: 3 Monte Carlo SDs of RBesT's pipeline (4000 predictive draws, RBesT's default, then a
2-component EM fit; estimated by the parametric bootstrap in validation/trial/rbest_as.py) plus
the largest change from rounding the printed mixture to its 3 significant digits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from bayesmeta.bayes import build_model
from bayesmeta.data import from_frame
from bayesmeta.trial import BetaMixture, derive_map, map_source

REFERENCE = json.loads(
    (Path(__file__).resolve().parents[2] / "validation" / "trial" / "rbest_as.json").read_text()
)


@pytest.fixture(scope="module")
def as_map():
    data = from_frame(pd.DataFrame(REFERENCE["data"]), events="r", total="n", study="study")
    spec = build_model(data, mu_prior="normal(0, 2)", tau_prior="halfnormal(1)")
    return derive_map(map_source(spec), components=2, robust=0.2, robust_mean=0.5)


def _ours(prior) -> dict:
    from bayesmeta.trial import ess_all

    fitted = prior.fitted
    lo, med, hi = fitted.ppf([0.025, 0.5, 0.975])
    ess = ess_all(fitted)
    return {
        "mean": fitted.mean(),
        "sd": fitted.var() ** 0.5,
        "q2.5": lo,
        "q50": med,
        "q97.5": hi,
        "ess_elir": ess["elir"],
        "ess_moment": ess["moment"],
        "ess_morita": ess["morita"],
        "robust_ess_elir": prior.ess["elir"],
        "robust_ess_moment": prior.ess["moment"],
    }


@pytest.mark.parametrize("key", sorted(REFERENCE["rbest_summaries"]))
def test_rbest_as_example(as_map, key):
    ours = _ours(as_map)[key]
    rbest = REFERENCE["rbest_summaries"][key]
    tol = 3 * REFERENCE["monte_carlo_sd"][key] + REFERENCE["rounding"][key]
    assert abs(ours - rbest) <= tol, f"{key}: ours {ours:.4f}, RBesT {rbest:.4f}, tol {tol:.4f}"


def test_rbest_as_reference_is_the_documented_mixture():
    from bayesmeta.trial import ess_all

    mix = BetaMixture.from_records(REFERENCE["rbest_map_mixture"])
    assert [c["a"] for c in mix.to_records()] == [19.2, 3.5]
    assert ess_all(mix)["elir"] == pytest.approx(REFERENCE["rbest_summaries"]["ess_elir"])


def test_rbest_as_vignette_interval(as_map):
    """'The MAP prior has a 95% interval of about 0.1 to 0.5' (vignettes/introduction.Rmd)."""
    exact = as_map.source.mixture
    lo, hi = exact.ppf([0.025, 0.975])
    assert round(float(lo), 1) == 0.1 and round(float(hi), 1) == 0.5
    assert as_map.quality.max_cdf_diff < 0.02  # 2 components, as RBesT's automixfit chose
    robust = as_map.mixture.to_records()[-1]
    assert robust == {"weight": pytest.approx(0.2), "a": 1.0, "b": 1.0}

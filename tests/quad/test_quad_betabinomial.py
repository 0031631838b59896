"""The exact engine's beta-binomial fits against references nobody here wrote.

* brms 2.18 / Stan ``beta_binomial`` (``validation/brms_betabinomial/fit_brms_betabinomial.R``,
  pinned ``reference.json``: 4 chains x 10000 draws) on three data sets: CAR-T CRR
  (intercept), metadat ``dat.pritz1997`` (intercept; two studies with every patient an event)
  and ``dat.debruin2009`` (``~ ethnicity``). The exact engine has no Monte Carlo error, so the
  combined SE is brms's: mean rate, phi, the ICC and every coefficient within 3 brms MCSEs of
  each quantile (the issue's tolerance; 33 comparisons). The pooled median-study rate, the
  new study's rate and the level rates use the same band; the 68 study rates x 3 quantiles use
  4.5 (204 comparisons: a 1% family-wise false-alarm rate needs z = 4.1, and brms's study-rate
  draws carry the extra noise of one Beta variate per draw).
* A brute-force 2-D integration over (beta0, log phi) (``validation/evidence/
  bruteforce_betabinomial.py``: adaptive ``scipy.integrate.dblquad``, checked by a dense
  trapezoid; 3-D trapezoid for the covariate model): log evidence within 0.01, and the mean rate
  and phi quantiles within 1e-3 relative.
* Exact LOO (1 / E[1 / L_i] over the nodes) against refitting without each study
  (log p(y) - log p(y_-i), exact by definition): within 0.01; brms's PSIS-LOO sum within 3 of
  its Monte Carlo SEs where every Pareto k < 0.7.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayesmeta import engines
from bayesmeta.data import from_frame
from bayesmeta.model.spec import build_model

ROOT = Path(__file__).resolve().parents[2]
BRMS = json.loads((ROOT / "validation" / "brms_betabinomial" / "reference.json").read_text())
BRUTE = json.loads((ROOT / "validation" / "evidence" / "bruteforce_betabinomial.json").read_text())
NAMES = ("crr", "pritz1997", "debruin2009")
QUANTILES = ("median", "lo", "hi")


def spec_of(name: str):
    """The data brms saw, as a beta-binomial spec with the default priors."""
    entry = BRMS[name]
    data = entry["data"]
    frame = pd.DataFrame({"study": data["study"], "y": data["events"], "n": data["total"]})
    formula = entry["formula"] or None
    if formula:
        frame[formula] = data["covariate"]
    meta = from_frame(frame, events="y", total="n", study="study")
    return build_model(meta, likelihood="betabinomial", formula=formula)


@cache
def exact(name: str):
    return engines.fit(spec_of(name), engine="quadrature")


def compared(result, name: str) -> list[tuple[str, object, dict, float]]:
    """(label, our interval, brms's entry, number of MCSEs allowed) for every quantity."""
    ref = BRMS[name]
    rows = [(f"coef {c}", iv, ref["coefficients"][c], 3.0) for c, iv in result.coefficients.items()]
    rows += [
        ("phi", result.parameters["phi"], ref["phi"], 3.0),
        ("icc", result.parameters["icc"], ref["icc"], 3.0),
        ("pooled_mean", result.pooled_mean, ref["pooled_mean"], 3.0),
        ("pooled_median", result.pooled_median, ref["pooled_median"], 3.0),
        ("new_study", result.new_study, ref["new_study"], 3.0),
    ]
    rows += [(f"rate {lv}", iv, ref["rates"][lv], 3.0) for lv, iv in result.rates.items()]
    return rows


@pytest.mark.parametrize("name", NAMES)
def test_exact_betabinomial_equals_brms(name):
    result = exact(name)
    assert set(result.coefficients) == set(BRMS[name]["coefficients"])
    failures = []
    for label, iv, ref, allowed in compared(result, name):
        for q in QUANTILES:
            gap = abs(getattr(iv, q) - ref[q])
            if gap > allowed * ref[f"mcse_{q}"]:
                failures.append(f"{label} {q}: {getattr(iv, q):.5f} vs brms {ref[q]:.5f}")
    assert not failures, failures


@pytest.mark.parametrize("name", NAMES)
def test_exact_betabinomial_study_rates_equal_brms(name):
    result = exact(name)
    ref = BRMS[name]["study_rates"]
    assert list(result.study_rates["study"]) == [r["study"] for r in ref]
    for row, r in zip(result.study_rates.to_dict(orient="records"), ref, strict=True):
        for q in QUANTILES:
            assert abs(row[q] - r[q]) <= 4.5 * r[f"mcse_{q}"], (row["study"], q, row[q], r[q])


@pytest.mark.parametrize("case", BRUTE["cases"], ids=lambda c: c["name"])
def test_exact_betabinomial_log_evidence_equals_bruteforce(case):
    result = exact(case["name"])
    assert result.log_evidence == pytest.approx(case["log_evidence"], abs=0.01)
    assert result.log_evidence_error < 0.01
    if "quantiles" in case:  # the 2-D cases pin the marginal quantiles too
        q = case["quantiles"]
        for ours, theirs in zip(
            (result.pooled_mean, result.parameters["phi"]),
            (q["pooled_mean"], q["phi"]),
            strict=True,
        ):
            got = [ours.median, ours.lo, ours.hi]
            assert got == pytest.approx(theirs, rel=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_exact_betabinomial_loo_equals_refits_and_brms(name):
    spec = spec_of(name)
    result = exact(name)
    fast = engines.get_engine("quadrature").loo(spec, result=result)
    from bayesmeta.quad.betabinomial.loo import betabinomial_loo

    found = result.posterior
    refit = betabinomial_loo(found.problem, found.post, refit=True)
    assert np.max(np.abs(fast - refit)) < 0.01
    loo = BRMS[name]["loo"]
    if loo["pareto_k_max"] < 0.7:
        assert abs(fast.sum() - loo["elpd_loo"]) <= 3 * loo["mcse_elpd_loo"] + 1e-3


def test_betabinomial_json_has_phi_icc_and_likelihood():
    payload = exact("crr").to_dict()
    assert payload["likelihood"] == "betabinomial"
    assert payload["tau"] is None
    assert set(payload["phi"]) == {"median", "lo", "hi"}
    assert payload["icc"]["median"] == pytest.approx(1 / (1 + payload["phi"]["median"]))
    assert payload["model"]["priors"] == {"mu": "normal(0, 2.5)", "phi": "gamma(0.01, 0.01)"}
    assert "log_evidence" in payload and "coefficients" in payload


def test_betabinomial_refuses_other_structures_and_priors():
    from bayesmeta.data import cart_outcome
    from bayesmeta.errors import InputError
    from bayesmeta.model.likelihoods import likelihood_named

    with pytest.raises(InputError, match="betabinomial likelihood"):
        build_model(cart_outcome("crr"), likelihood="betabinomial", by="cancer_type")
    with pytest.raises(InputError, match="phi prior"):
        likelihood_named("betabinomial").with_priors(phi="normal(0, 1)")
    with pytest.raises(InputError, match="no parameter 'phi'"):
        likelihood_named("binomial").with_priors(phi="gamma(1, 1)")


def test_exact_engine_hands_each_method_to_the_likelihoods_implementation():
    """QuadratureEngine's methods go to ``quad/betabinomial/engine.py`` for this likelihood; a
    method that module lacks (``loo_pooled``) is one line naming the likelihood."""
    from bayesmeta.errors import InputError
    from bayesmeta.quad.betabinomial import engine as implementation

    frame = pd.DataFrame(
        {"study": list("ABCD"), "events": [3, 8, 1, 12], "total": [20, 30, 15, 40]}
    )
    spec = build_model(from_frame(frame, events="events", total="total"), likelihood="betabinomial")
    exact = engines.get_engine("quadrature")
    assert exact.log_evidence(spec) == implementation.log_evidence(spec)
    assert exact.supports(spec) and not hasattr(implementation, "loo_pooled")
    with pytest.raises(InputError, match="^exact leave-one-out pooled rates: not available for "):
        exact.loo_pooled(spec)

"""The exact meta-regression against references computed by software nobody here wrote.

* brms 2.18 / Stan (``validation/brms/fit_brms_regression_exact.R``, pinned
  ``reference_regression_exact.json``): every quantile within 4 Monte Carlo SEs of brms's
  (``posterior::mcse_quantile``); the exact engine has none, so the combined SE is brms's.
  About 90 comparisons: a 4-SE band has a family-wise false-alarm rate under 1%. P(a > b) is
  compared as a proportion with an effective sample size of at least 1000 (conservative).
* A long NUTS run of bayesmeta's own PyMC model (``validation/regression/long_nuts.py``,
  8 chains x 4000 draws, pinned ``long_nuts.json``): within 0.02 posterior SD plus 3 Monte
  Carlo SEs of the NUTS quantile (the 2.5% quantile of 32000 draws with ESS ~ 10000 has an
  MC SE of ~0.027 SD by itself, so 0.02 SD alone would test NUTS's noise, not the engine).
* The brute-force log marginal likelihood (``validation/evidence/bruteforce_regression.py``,
  adaptive scipy cubature, pinned ``bruteforce_regression.json``): within 0.01.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from bayesmeta.data import cart_outcome
from bayesmeta.model.spec import build_model
from bayesmeta.quad.regression import fit_regression_quadrature

ROOT = Path(__file__).resolve().parents[2]
BRMS = ROOT / "validation" / "brms" / "reference_regression_exact.json"
NUTS = ROOT / "validation" / "regression" / "long_nuts.json"
BRUTE = ROOT / "validation" / "evidence" / "bruteforce_regression.json"
MODELS = {
    "crr_cancer_type_country": ("crr", "cancer_type + country"),
    "orr_age_median": ("orr", "age_median"),
}
QUANTILES = {"median": 0.5, "lo": 0.025, "hi": 0.975}


@cache
def exact(name: str):
    outcome, formula = MODELS[name]
    return fit_regression_quadrature(build_model(cart_outcome(outcome), formula=formula))


def quantities(result) -> dict:
    """Every compared interval of a result by name."""
    found = {f"coef {k}": v for k, v in result.coefficients.items()}
    found.update({f"rate {k}": v for k, v in result.rates.items()})
    found.update(
        {
            "tau": result.tau,
            "pooled_median": result.pooled_median,
            "pooled_mean": result.pooled_mean,
        }
    )
    found.update({f"contrast {c.a} - {c.b}": c for c in result.contrasts})
    return found


def reference_quantities(ref: dict) -> dict:
    found = {f"coef {k}": v for k, v in ref["coefficients"].items()}
    found.update({f"rate {k}": v for k, v in (ref.get("rates") or {}).items()})
    found.update({k: ref[k] for k in ("tau", "pooled_median", "pooled_mean")})
    found.update({f"contrast {c['a']} - {c['b']}": c for c in ref.get("contrasts") or []})
    return found


@pytest.mark.parametrize("name", list(MODELS))
def test_exact_regression_agrees_with_brms(name):
    ref = json.loads(BRMS.read_text())[name]
    assert ref["divergences"] == 0 and ref["rhat_max"] < 1.01
    result = exact(name)
    assert result.model["k"] == ref["k"]
    assert list(result.coefficients) == list(ref["columns"])
    ours, theirs = quantities(result), reference_quantities(ref)
    assert set(ours) == set(theirs)
    for key, want in theirs.items():
        got = ours[key]
        for field in QUANTILES:
            tol = 4.0 * want[f"mcse_{field}"] + 1e-4
            assert getattr(got, field) == pytest.approx(want[field], abs=tol), (key, field)
        if "prob_a_greater" in want:
            p = want["prob_a_greater"]
            sd = np.sqrt(max(p * (1 - p), 1e-4) / 1000)
            assert got.prob_a_greater == pytest.approx(p, abs=4 * sd + 1e-3), key


def _mcse(sd: float, q: float, ess: float) -> float:
    """MC SE of a quantile of a near-normal posterior: sqrt(q(1-q)/ESS) / density."""
    return sd * np.sqrt(q * (1 - q) / ess) / stats.norm.pdf(stats.norm.ppf(q))


@pytest.mark.parametrize("name", list(MODELS))
def test_exact_regression_agrees_with_a_long_nuts_run(name):
    ref = json.loads(NUTS.read_text())[name]
    assert ref["diagnostics"]["ok"]
    ess = ref["diagnostics"]["ess_bulk_min"]
    result = exact(name)
    ours = quantities(result)
    theirs = {f"coef {k}": v for k, v in ref["coefficients"].items()}
    theirs.update({f"rate {k}": v for k, v in ref["rates"].items()})
    theirs.update({k: ref[k] for k in ("tau", "pooled_median", "pooled_mean")})
    theirs.update({f"contrast {c['a']} - {c['b']}": c for c in ref["contrasts"]})
    worst = 0.0
    for key, want in theirs.items():
        got = ours[key]
        for field, q in QUANTILES.items():
            diff = abs(getattr(got, field) - want[field])
            worst = max(worst, diff / want["sd"])
            assert diff <= 0.02 * want["sd"] + 3 * _mcse(want["sd"], q, ess), (
                key,
                field,
                diff / want["sd"],
            )
    assert worst < 0.1


@pytest.mark.parametrize("name", list(MODELS))
def test_exact_study_rates_agree_with_a_long_nuts_run(name):
    """Study rates match the study effect's skewness by moments: 0.05 SD + 3 MC SEs."""
    ref = json.loads(NUTS.read_text())[name]
    ess = ref["diagnostics"]["ess_bulk_min"]
    rates = exact(name).study_rates.set_index("study")
    for study, want in ref["study_rates"].items():
        for field, q in QUANTILES.items():
            diff = abs(rates.loc[study, field] - want[field])
            assert diff <= 0.05 * want["sd"] + 3 * _mcse(want["sd"], q, ess), (study, field)


def test_log_evidence_matches_brute_force_integration():
    ref = json.loads(BRUTE.read_text())
    assert ref["quad_error_estimate"] < 1e-4
    result = exact("orr_age_median")
    assert result.model["k"] == ref["k"]
    assert result.log_evidence == pytest.approx(ref["log_evidence"], abs=0.01)
    assert result.log_evidence_error < 0.01


def test_exact_regression_agrees_with_the_existing_brms_death_regression():
    """deaths ~ cancer_type (validation/brms/reference_regression.json, issue 4): 4 brms MC SEs."""
    ref = json.loads((ROOT / "validation" / "brms" / "reference_regression.json").read_text())
    ref = ref["death_regression_cancer_type"]
    result = fit_regression_quadrature(build_model(cart_outcome("death"), formula="cancer_type"))
    ours = quantities(result)
    theirs = reference_quantities(ref)
    for key, want in theirs.items():
        got = ours[key]
        for field in QUANTILES:
            tol = 4.0 * want[f"mcse_{field}"] + 1e-4
            assert getattr(got, field) == pytest.approx(want[field], abs=tol), (key, field)


EVIDENCE = ROOT / "validation" / "evidence" / "reference.json"


def _bruteforce_cases():
    cases = json.loads(EVIDENCE.read_text())["cases"]
    return [
        c
        for c in cases
        if c["model"] == "random" or (c["model"] == "subgroup" and not c["separate_tau"])
    ]


@pytest.mark.parametrize("case", _bruteforce_cases(), ids=lambda c: f"{c['outcome']}-{c['model']}")
def test_log_evidence_of_equivalent_regressions_matches_brute_force(case):
    """Regressions that are the random model ("1") or the common-tau subgroup model in cell-mean
    coding ("0 + cancer_type": every column gets the mu prior, as there) against the independent
    nested-scipy brute force of ``validation/evidence/bruteforce.py``: 0.01 (measured <= 6e-4)."""
    formula = "1" if case["model"] == "random" else f"0 + {case['by']}"
    spec = build_model(cart_outcome(case["outcome"]), kind="regression", formula=formula)
    result = fit_regression_quadrature(spec)
    assert result.model["k"] == case["k"]
    assert result.log_evidence == pytest.approx(case["log_evidence"], abs=0.01)

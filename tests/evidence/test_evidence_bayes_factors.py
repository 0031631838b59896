"""Bayes factors of exact fits against two outside references.

References
----------
``validation/evidence/reference.json``
    log p(y) by nested adaptive ``scipy.integrate.quad`` (``bruteforce.py``; shares no code
    with the engine). A Bayes factor is a difference of two of its values.
``validation/evidence/bridgesampling.json``
    brms 2.18 / Stan fits with ``bridgesampling`` (warp3, 5 repetitions), ``bridgesampling.R``;
    brms' by-level truncation constant corrected (README, known disagreements).
``validation/evidence/threshold.json``
    posterior mass of expit(mu) > B by nested quad (``bruteforce_threshold.py``), for the
    one-sided benchmark factor.

Tolerances
----------
``BF_TOL = 0.02`` on log BF against the brute force: the issue's number; each evidence is within
0.01 of the reference (``tests/quad/test_quad_evidence.py``) and the engine's own error is
~1e-3, so a wrong companion (other priors, other studies) or a sign error fails by far more.
Against bridgesampling: ``max(0.02, 3 sd)`` with sd the combined standard deviation of
bridgesampling's repetitions: bridge sampling has Monte Carlo error; 3 sd covers it, and the
repetitions reuse one set of posterior draws, so their sd understates the full error, which the
0.02 floor (the brute-force tolerance) absorbs. Observed gaps are below 0.015.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from scipy import stats

from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.engines import fit, log_evidence_with_error
from bayesmeta.errors import InputError

ROOT = Path(__file__).parents[2] / "validation" / "evidence"
BRUTE = json.loads((ROOT / "reference.json").read_text(encoding="utf-8"))
BRIDGE = json.loads((ROOT / "bridgesampling.json").read_text(encoding="utf-8"))
THRESHOLD = json.loads((ROOT / "threshold.json").read_text(encoding="utf-8"))
BF_TOL = 0.02
OUTCOMES = ("orr", "crr", "death")


def _brute(outcome: str, model: str, separate: bool = False) -> dict:
    for case in BRUTE["cases"]:
        if case["outcome"] == outcome and case["model"] == model:
            if model != "subgroup" or case["separate_tau"] == separate:
                return case
    raise KeyError((outcome, model, separate))


def _fit(outcome: str, **options):
    return fit(build_model(cart_outcome(outcome), **options), engine="quadrature")


def _bridge_tol(*names: tuple[str, str]) -> float:
    sd = math.sqrt(sum(BRIDGE[o][m]["logml_sd"] ** 2 for o, m in names))
    return max(0.02, 3.0 * sd)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_heterogeneity_bf_matches_bruteforce(outcome):
    result = _fit(outcome)
    bf = result.bayes_factors["heterogeneity"]
    expected = _brute(outcome, "random")["log_evidence"] - _brute(outcome, "common")["log_evidence"]
    assert bf.log_bf == pytest.approx(expected, abs=BF_TOL)
    assert bf.bf == pytest.approx(math.exp(bf.log_bf), rel=1e-12)
    assert 0 <= bf.error < BF_TOL


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("separate", [False, True], ids=["common-tau", "separate-tau"])
def test_covariate_bf_matches_bruteforce(outcome, separate):
    result = _fit(outcome, by="cancer_type", separate_tau=separate)
    case = _brute(outcome, "subgroup", separate)
    random = _brute(outcome, "random")
    assert case["k"] == random["k"] == result.to_dict()["k"]  # the same studies
    expected = case["log_evidence"] - random["log_evidence"]
    assert result.bayes_factors["cancer_type"].log_bf == pytest.approx(expected, abs=BF_TOL)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_bayes_factors_match_bridgesampling(outcome):
    bs = BRIDGE[outcome]
    random = _fit(outcome).bayes_factors["heterogeneity"]
    expected = bs["random"]["logml"] - bs["common"]["logml"]
    assert random.log_bf == pytest.approx(
        expected, abs=_bridge_tol((outcome, "random"), (outcome, "common"))
    )
    sub = _fit(outcome, by="cancer_type").bayes_factors
    expected = bs["subgroup"]["logml"] - bs["subgroup_common"]["logml"]
    tol = _bridge_tol((outcome, "subgroup"), (outcome, "subgroup_common"))
    assert sub["heterogeneity"].log_bf == pytest.approx(expected, abs=tol)
    expected = bs["subgroup"]["logml"] - bs["random"]["logml"]
    tol = _bridge_tol((outcome, "subgroup"), (outcome, "random"))
    assert sub["cancer_type"].log_bf == pytest.approx(expected, abs=tol)
    sep = _fit(outcome, by="cancer_type", separate_tau=True).bayes_factors
    expected = bs["separate"]["logml"] - bs["random"]["logml"]
    tol = _bridge_tol((outcome, "separate"), (outcome, "random"))
    assert sep["cancer_type"].log_bf == pytest.approx(expected, abs=tol)


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize(
    "model,options",
    [
        ("random", {}),
        ("common", {"kind": "common"}),
        ("subgroup", {"by": "cancer_type"}),
        ("separate", {"by": "cancer_type", "separate_tau": True}),
    ],
)
def test_log_evidence_matches_bridgesampling(outcome, model, options):
    result = _fit(outcome, **options)
    reference = BRIDGE[outcome][model]
    assert result.to_dict()["k"] == reference["k"]
    assert reference["divergences"] == 0 and reference["rhat_max"] < 1.01
    assert result.log_evidence == pytest.approx(
        reference["logml"], abs=_bridge_tol((outcome, model))
    )


def test_error_is_the_sum_of_both_evidence_errors():
    spec = build_model(cart_outcome("death"))
    result = fit(spec, engine="quadrature")
    _, companion_error = log_evidence_with_error(build_model(cart_outcome("death"), kind="common"))
    bf = result.bayes_factors["heterogeneity"]
    assert bf.error == pytest.approx(result.log_evidence_error + companion_error, rel=1e-12)
    assert bf.error > 0


def test_common_model_reports_random_against_common():
    random = _fit("crr").bayes_factors["heterogeneity"]
    common = _fit("crr", kind="common").bayes_factors["heterogeneity"]
    assert common.log_bf == pytest.approx(random.log_bf, abs=1e-9)
    assert common.log_bf > 0  # CRR is strongly heterogeneous: the sign says so


@pytest.mark.parametrize("case", [c for c in THRESHOLD["cases"] if c["model"] == "random"],
                         ids=lambda c: c["outcome"])  # fmt: skip
def test_benchmark_bf_matches_bruteforce(case):
    result = fit(
        build_model(cart_outcome(case["outcome"])), engine="quadrature", benchmark=case["threshold"]
    )
    bf = result.bayes_factors["pooled_vs_benchmark"]
    assert bf.log_bf == pytest.approx(case["pooled_vs_benchmark_log_bf"], abs=BF_TOL)
    assert bf.error < BF_TOL


def test_subgroup_benchmark_prior_mass_is_the_normal_of_the_weighted_sum():
    from bayesmeta.quad.decisions import prior_prob_above

    spec = build_model(cart_outcome("orr"), by="cancer_type")
    counts = [spec.group_index().count(g) for g in range(len(spec.groups))]
    shares = [c / sum(counts) for c in counts]
    sd = 2.5 * math.sqrt(sum(a * a for a in shares))  # sum of independent normal(0, 2.5)
    for benchmark in (0.3, 0.7, 0.9):
        expected = stats.norm.sf(math.log(benchmark / (1 - benchmark)), scale=sd)
        assert prior_prob_above(spec, benchmark) == pytest.approx(expected, abs=1e-5)


def test_benchmark_needs_the_exact_engine_and_a_rate():
    spec = build_model(cart_outcome("orr"))
    with pytest.raises(InputError, match="exact engine"):
        fit(spec, engine="nuts", benchmark=0.7)
    with pytest.raises(InputError, match="between 0 and 1"):
        fit(spec, engine="quadrature", benchmark=1.2)


def test_bayes_factors_are_in_the_json():
    payload = _fit("orr", by="cancer_type").to_dict()
    assert set(payload["bayes_factors"]) == {"heterogeneity", "cancer_type"}
    for bf in payload["bayes_factors"].values():
        assert set(bf) == {"log_bf", "bf", "error", "against"}


def test_regression_companions_drop_one_covariate_and_its_reference_level():
    from bayesmeta.model.bayes_factor import companions

    spec = build_model(
        cart_outcome("crr"), formula="cancer_type + country", reference={"cancer_type": "myeloma"}
    )
    found = companions(spec)
    assert set(found) == {"cancer_type", "country"}
    without_type = found["cancer_type"].spec
    assert without_type.formula == "country" and dict(without_type.reference) == {}
    assert list(without_type.design.columns) == ["intercept", "country[USA]"]
    without_country = found["country"].spec
    assert dict(without_country.reference) == {"cancer_type": "myeloma"}
    assert without_country.data is spec.data  # the same studies
    single = companions(build_model(cart_outcome("orr"), formula="age_median"))["age_median"]
    assert single.spec.kind == "random" and single.spec.data.k == 22


@pytest.mark.parametrize(
    "formula, reference",
    [
        ("cancer_type + country + age_median + year", {}),
        ("cancer_type + country + age_median + year + phase", {"cancer_type": "myeloma"}),
        ("C(year) + age_median", {}),
        ("0 + cancer_type + age_median", {}),
    ],
)
def test_regression_companions_share_the_design_their_formula_builds(formula, reference):
    """A companion's design is the model's columns without the covariate where that is exact
    (with an intercept, C() terms too), else built from its formula: either way the matrix,
    columns and factor levels its own formula gives."""
    import numpy as np

    from bayesmeta.formula import design_matrix
    from bayesmeta.model.bayes_factor import companions

    spec = build_model(cart_outcome("orr"), formula=formula, reference=reference)
    for name, companion in companions(spec).items():
        other = companion.spec
        built = design_matrix(other.data.covariates, other.formula, reference=other.reference)
        found = other.design
        assert np.array_equal(found.matrix, built.matrix), name
        assert (found.columns, found.factors, found.numeric, found.covariates) == (
            built.columns,
            built.factors,
            built.numeric,
            built.covariates,
        ), name
        assert not found.matrix.flags.writeable


@pytest.mark.parametrize(
    ("formula", "name", "expected"),
    [
        ("C(year) + age_median", "age_median", "C(year)"),
        ("C(year) + age_median", "year", "age_median"),
        ("0 + cancer_type + age_median", "cancer_type", "0 + age_median"),
        ("cancer_type + age_median - 1", "age_median", "0 + cancer_type"),
        ("cancer_type + country + age_median", "country", "cancer_type + age_median"),
    ],
)
def test_a_regression_companion_keeps_the_other_terms_as_written(formula, name, expected):
    """Dropping a covariate keeps the other terms' C() and the formula's intercept, as R's
    update(formula, . ~ . - name) does: the companion of C(year) + age_median without
    age_median has year as a factor, not as a number."""
    from bayesmeta.formula import design_matrix
    from bayesmeta.model.bayes_factor import companions

    spec = build_model(cart_outcome("orr"), formula=formula)
    other = companions(spec)[name].spec
    assert other.formula == expected
    by_hand = design_matrix(other.data.covariates, expected)
    assert other.design.columns == by_hand.columns


def test_the_bayes_factor_of_a_covariate_beside_a_c_term_is_against_the_model_as_written():
    """The factor of age_median in C(year) + age_median is the evidence of the model against
    that of C(year) alone (year categorical), each computed directly."""
    spec = build_model(cart_outcome("orr"), formula="C(year) + age_median")
    result = fit(spec, engine="quadrature")
    full, _ = log_evidence_with_error(spec)
    alone, _ = log_evidence_with_error(build_model(spec.data, formula="C(year)"))  # same studies
    assert result.bayes_factors["age_median"].log_bf == pytest.approx(full - alone, abs=1e-6)


def test_bayes_factors_and_thresholds_survive_save_and_load(tmp_path):
    import dataclasses

    from bayesmeta.analysis.draws import from_quadrature, to_idata
    from bayesmeta.model.storage import load, save

    spec = build_model(cart_outcome("death"), by="cancer_type")
    result = fit(spec, engine="quadrature", thresholds=[0.2], benchmark=0.3)
    draws, params = from_quadrature(spec, chains=1, draws=20, seed=1)
    result = dataclasses.replace(result, idata=to_idata(spec, draws, params))
    back = load(save(result, tmp_path / "posterior.nc"))
    assert back.bayes_factors == result.bayes_factors
    assert back.prob_above == result.prob_above

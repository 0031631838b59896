"""Hedges' tau^2 estimator (``HE``) against metafor's ``rma(method = "HE")``.

Reference values: ``validation/metafor/hedges.R`` -> ``validation/metafor/hedges.json`` (the
data sets of ``reference_dev.json`` and ``reference_unseen.json``, plus a homogeneous set whose
unbounded estimate is negative). HE is closed form, so every field is compared with
``RTOL_EXACT`` (``tests/freq/conftest.py``: floating-point order only; the Q-profile bounds are
solved to 1e-12 on both sides) and ``ATOL_ZERO`` where the value is exactly 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayesmeta.data import cart_outcome
from bayesmeta.freq import metareg
from bayesmeta.freq.effects import effect_sizes
from bayesmeta.freq.rma import rma_arrays
from bayesmeta.freq.tau2 import estimate_tau2, hedges

from .conftest import load_reference

REFERENCE = load_reference("hedges.json")
CASES = [
    pytest.param(entry, ref, id=f"{name}-{key}")
    for name, entry in REFERENCE["datasets"].items()
    for key, ref in entry["rma"].items()
]
OUTCOME = {"cart_orr": "orr", "cart_crr": "crr", "cart_death": "death"}


@pytest.mark.r_reference
@pytest.mark.parametrize(("entry", "ref"), CASES)
def test_hedges_equals_metafor(entry, ref, checks, tol):
    """Estimate, SE, CI (z and Hartung-Knapp), Q-profile CI of tau^2, Q, I^2, H^2, PI."""
    result = rma_arrays(
        np.array(entry["events"]),
        np.array(entry["total"]),
        method="HE",
        measure=ref["measure"],
        ci="hk" if ref["ci_method"] == "knha" else "z",
    )
    checks.rma(result, ref)
    assert tol.close(result.to_dict()["ci_mu"], ref["ci_mu"], rtol=tol.RTOL_EXACT)


@pytest.mark.r_reference
@pytest.mark.parametrize(("entry", "ref"), CASES)
def test_hedges_formula_before_truncation_equals_metafor(entry, ref, tol):
    yi, vi = effect_sizes(entry["events"], entry["total"], measure=ref["measure"])
    X = np.ones((len(yi), 1))
    untruncated = hedges(yi, vi, X)
    assert tol.close(untruncated, ref["tau2_untruncated"], rtol=tol.RTOL_EXACT)
    assert estimate_tau2(yi, vi, X, method="HE") == max(0.0, untruncated)


def test_a_negative_hedges_estimate_is_truncated_at_zero():
    ref = REFERENCE["datasets"]["homogeneous"]["rma"]["HE_z"]
    assert ref["tau2_untruncated"] < 0  # the case this set exists for
    result = rma_arrays(
        np.array(REFERENCE["datasets"]["homogeneous"]["events"]),
        np.array(REFERENCE["datasets"]["homogeneous"]["total"]),
        method="HE",
    )
    assert result.tau2 == 0.0


@pytest.mark.r_reference
@pytest.mark.parametrize("key", sorted(REFERENCE["metareg"]))
def test_hedges_metareg_equals_metafor(key, tol):
    ref = REFERENCE["metareg"][key]
    result = metareg(
        cart_outcome(OUTCOME[key.rsplit("_", 1)[0]]),
        formula=ref["formula"],
        method="HE",
        ci=ref["ci_method"],
    )
    assert result.k == ref["k"]
    assert sorted(result.coefficients) == sorted(ref["coefficients"])
    for term, expected in ref["coefficients"].items():
        got = result.coefficients[term]
        rtol = tol.RTOL_EXACT
        assert tol.close(
            got["estimate"], expected["estimate"], rtol=rtol, atol=rtol * expected["se"]
        )
        assert tol.close(got["se"], expected["se"], rtol=rtol)
    assert tol.close(result.tau2, ref["tau2"], rtol=tol.RTOL_EXACT)
    assert tol.close(result.qe, ref["qe"], rtol=tol.RTOL_EXACT)
    assert tol.close(result.qm, ref["qm"], rtol=tol.RTOL_EXACT)
    assert result.qm_df == ref["qm_df"]
    assert tol.close(result.qm_p, ref["qm_p"], rtol=10 * tol.RTOL_EXACT)


def test_every_list_of_estimators_offers_each_one():
    """The lists kept apart from ``ESTIMATORS`` (so that a parser imports no numpy) name the
    same estimators: the CLI's ``cumulative --method``, spec baselines, multiverse, simulate."""
    import argparse

    from bayesmeta.analysis.multiverse_choices import FREQ_IV
    from bayesmeta.analysis.schema import BASELINE_METHODS
    from bayesmeta.cli import cumulative
    from bayesmeta.freq.tau2 import ESTIMATORS
    from bayesmeta.simulate.scenarios import IV

    parser = argparse.ArgumentParser()
    cumulative.register(parser.add_subparsers())
    (method,) = [
        action
        for action in parser._subparsers._group_actions[0].choices["cumulative"]._actions
        if "--method" in action.option_strings
    ]
    assert set(method.choices) == set(ESTIMATORS)
    assert set(FREQ_IV) == set(ESTIMATORS)
    assert set(IV) == set(ESTIMATORS)
    assert set(BASELINE_METHODS) == set(ESTIMATORS) - {"EE"} | {"GLMM"}

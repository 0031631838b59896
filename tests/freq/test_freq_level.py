"""A non-default confidence level (0.9) reaches every interval: pooled rma and GLMM,
meta-regression coefficients (z, Knapp-Hartung, GLMM), Egger's and Peters' limit estimates,
leave-one-out. Values pinned from metafor 3.8 by ``validation/metafor/level.R``.

Tolerances are those of ``conftest.py``: ``RTOL_EXACT`` for the inverse-variance paths (both
sides exact); for the GLMM, lme4's optimiser tolerance ``RTOL_GLMM`` on the estimate and its
standard error, so an interval end ``b +- z se`` is compared to ``RTOL_GLMM (|b| + z se)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayesmeta.data import cart_outcome
from bayesmeta.freq import egger, leave_one_out, metareg, peters, rma

from .conftest import load_reference

REF = load_reference("reference_level.json")
LEVEL = REF["level"]
OUTCOMES = sorted(REF["outcomes"])
Z = float(stats.norm.ppf(1 - (1 - LEVEL) / 2))
METAREG = {
    "REML_z": ("REML", "z"),
    "DL_z": ("DL", "z"),
    "REML_hk": ("REML", "hk"),
    "GLMM": ("GLMM", "z"),
}


def test_reference_is_at_a_non_default_level():
    assert LEVEL == 0.9


@pytest.mark.r_reference
@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("case", ["rma_DL_z", "rma_REML_hk", "glmm"])
def test_pooled_intervals_at_level(outcome, case, tol):
    ref = REF["outcomes"][outcome][case]
    method, ci = {"rma_DL_z": ("DL", "z"), "rma_REML_hk": ("REML", "hk"), "glmm": ("GLMM", "z")}[
        case
    ]
    result = rma(cart_outcome(outcome), method=method, ci=ci, level=LEVEL)
    if method == "GLMM":
        atol = tol.RTOL_GLMM * (abs(result.mu) + Z * np.sqrt(result.se**2 + result.tau2))
        assert np.allclose(result.extra["ci_mu"], ref["ci"], rtol=0, atol=atol)
        assert np.allclose(result.extra["pi_mu"], ref["pi"], rtol=0, atol=atol)
    else:
        assert tol.close(result.extra["ci_mu"], ref["ci"], rtol=tol.RTOL_EXACT)
        assert tol.close(result.extra["pi_mu"], ref["pi"], rtol=tol.RTOL_EXACT)


@pytest.mark.r_reference
@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("case", sorted(METAREG))
def test_metaregression_coefficient_intervals_at_level(outcome, case, tol):
    method, ci = METAREG[case]
    result = metareg(
        cart_outcome(outcome), formula="cancer_type + age_median", method=method, ci=ci, level=LEVEL
    )
    ref = REF["outcomes"][outcome]["metareg"][case]
    assert sorted(result.coefficients) == sorted(ref)
    for term, expected in ref.items():
        got = result.coefficients[term]["ci"]
        if method == "GLMM":
            atol = tol.RTOL_GLMM * (abs(expected["estimate"]) + Z * expected["se"])
            assert np.allclose(got, expected["ci"], rtol=0, atol=atol), term
        else:
            assert tol.close(got, expected["ci"], rtol=tol.RTOL_EXACT), term
    assert result.to_dict()["level"] == LEVEL


@pytest.mark.r_reference
@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("case", ["egger_rma", "egger_lm", "peters_lm"])
def test_regression_test_limit_interval_at_level(outcome, case, tol):
    data = cart_outcome(outcome)
    test, model = case.split("_")
    result = (egger if test == "egger" else peters)(data, model=model, level=LEVEL)
    ref = REF["outcomes"][outcome]["regtest"][case]
    assert tol.close(result.limit_estimate, ref["est"], rtol=tol.RTOL_EXACT)
    assert tol.close(result.limit_ci, ref["ci"], rtol=tol.RTOL_EXACT)


@pytest.mark.r_reference
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_leave_one_out_intervals_at_level(outcome, tol):
    fits = leave_one_out(cart_outcome(outcome), method="DL", level=LEVEL)
    ref = REF["outcomes"][outcome]["leave1out"]
    lows = [fit.extra["ci_mu"][0] for fit in fits.values()]
    highs = [fit.extra["ci_mu"][1] for fit in fits.values()]
    assert tol.close(lows, ref["ci_lb"], rtol=tol.RTOL_EXACT)
    assert tol.close(highs, ref["ci_ub"], rtol=tol.RTOL_EXACT)

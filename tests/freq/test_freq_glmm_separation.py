"""GLMM subgroups with a perfectly separated level (no events or only events in all its studies).

metafor's ``rma.glmm`` (lme4) does not converge there: the pinned reference records lme4's
warnings and the arbitrary, huge coefficient and standard error it returns for the level
(``glmm_unfittable`` in ``validation/metafor/reference_dev.json``). We refuse such a fit with a
one-line InputError naming the levels, and no numerical warning escapes on the way.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError
from bayesmeta.freq import subgroup
from bayesmeta.freq.glmm import glmm_result
from bayesmeta.freq.glmm_fit import fit_glmm

OUTCOME = {"cart_orr": "orr", "cart_crr": "crr", "cart_death": "death"}
NOT_CONVERGED = ("singular", "converge", "unidentifiable", "not positive definite")


@pytest.mark.parametrize("tau2", ["separate", "common"])
def test_separated_level_is_refused_where_metafor_does_not_converge(glmm_unfittable_case, tau2):
    name, _entry, by, ref = glmm_unfittable_case
    # the reference: lme4 warned that it did not converge, and the level's "estimate" is
    # meaningless (|logit| > 15, se > 100)
    assert any(key in w for w in ref["lme4_warnings"] for key in NOT_CONVERGED)
    for level in ref["separated"]:
        assert abs(ref["separated_mu"][level]) > 15 and ref["separated_se"][level] > 100
    data = cart_outcome(OUTCOME[name])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError) as caught:
            subgroup(data, by=by, method="GLMM", tau2=tau2)
    message = str(caught.value)
    assert "\n" not in message and by in message and "infinite" in message
    for level in ref["separated"]:
        assert f"'{level}'" in message
        for study in ref["studies"][level]:
            assert study in message


@pytest.mark.parametrize("method", ["DL", "REML"])
def test_inverse_variance_subgroup_with_separated_level_still_fits(method):
    data = cart_outcome("death")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = subgroup(data, by="antigen", method=method, tau2="common")
    assert np.isfinite(result.q_between)
    assert all(np.isfinite(g.mu) and g.se > 0 for g in result.groups.values())


def test_unidentified_glmm_fit_is_refused_from_the_data_before_fitting():
    """Without the subgroup check, the fit itself refuses the separated level, from the data
    (a linear program on the design), not from the sign of a Hessian: with numpy 2.4.6 the
    optimiser drove the CD33 coefficient to -111 and the information came out positive
    definite (variance 2e11), so a Hessian check alone depended on the floating-point path."""
    data = cart_outcome("crr").complete_for(["antigen"])  # level CD33: 0 of 3 respond
    labels = data.covariates["antigen"].astype(str).to_numpy()
    levels = sorted(set(labels))
    X = np.column_stack([(labels == level).astype(float) for level in levels])
    events, total = data.events.astype(float), data.total.astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match="infinite ML estimate") as caught:
            fit_glmm(X, events, total, columns=levels, studies=data.studies)
    message = str(caught.value)
    assert "\n" not in message
    assert "coefficient(s) CD33 " in message and "Tambaro FP 2021: no events" in message


def test_glmm_back_transform_does_not_overflow_for_extreme_logits():
    events = np.array([0.0, 3.0])
    total = np.array([3.0, 10.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        low = glmm_result(-800.0, 1.0, 1.0, events, total, level=0.95)
        high = glmm_result(800.0, 1.0, 1.0, events, total, level=0.95)
    assert low.estimate == 0.0 and low.ci == (0.0, 0.0) and low.pi == (0.0, 0.0)
    assert high.estimate == 1.0 and high.ci == (1.0, 1.0)

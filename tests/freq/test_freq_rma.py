"""Inverse-variance meta-analysis against metafor::rma (values pinned in validation/metafor)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayesmeta.data import cart_outcome, from_frame
from bayesmeta.errors import InputError
from bayesmeta.freq import rma
from bayesmeta.freq.effects import back_transform, effect_sizes
from bayesmeta.freq.rma import rma_arrays


@pytest.mark.r_reference
def test_rma_equals_metafor(rma_case, tol, checks):
    _name, entry, _key, ref = rma_case
    ci = "hk" if ref["ci_method"] == "knha" else "z"
    result = rma_arrays(
        np.array(entry["events"]), np.array(entry["total"]), method=ref["method"], ci=ci
    )
    checks.rma(result, ref)


@pytest.mark.r_reference
def test_other_measures_equal_metafor(measures_case, tol, checks):
    _name, entry, _key, ref = measures_case
    yi, vi = effect_sizes(entry["events"], entry["total"], measure=ref["measure"])
    assert tol.close(yi, ref["yi"], rtol=tol.RTOL_EXACT, atol=1e-12)
    assert tol.close(vi, ref["vi"], rtol=tol.RTOL_EXACT, atol=1e-12)
    result = rma_arrays(
        np.array(entry["events"]),
        np.array(entry["total"]),
        method=ref["method"],
        measure=ref["measure"],
    )
    checks.rma(result, ref)


def test_cart_outcome_through_metadata_equals_metafor(dev_reference, checks):
    data = cart_outcome("death")
    result = rma(data, method="REML")
    checks.rma(result, dev_reference["cart_death"]["rma"]["REML_z"])
    assert [e.study for e in result.excluded] == [e.study for e in data.excluded]
    assert len(result.excluded) == 5


def test_continuity_only_for_zero_or_all_events():
    yi, vi = effect_sizes([0, 3, 10], [10, 10, 10], measure="PLO")
    assert yi[0] == pytest.approx(np.log(0.5 / 10.5))
    assert yi[1] == pytest.approx(np.log(3 / 7))
    assert vi[2] == pytest.approx(1 / 10.5 + 1 / 0.5)
    yi_all, _ = effect_sizes([1, 3], [10, 10], measure="PLO", to="all", add=0.5)
    assert yi_all[0] == pytest.approx(np.log(1.5 / 9.5))


def test_back_transforms_invert_the_measures():
    p = np.array([0.1, 0.5, 0.8])
    assert np.allclose(back_transform("PLO", np.log(p / (1 - p))), p)
    assert np.allclose(back_transform("PAS", np.arcsin(np.sqrt(p))), p)
    assert back_transform("PAS", -0.1) == 0.0


def test_common_effect_has_no_prediction_interval_and_no_tau2():
    result = rma(cart_outcome("orr"), method="EE")
    assert result.tau2 == 0.0
    assert result.pi is None and result.tau2_ci is None
    assert result.to_dict()["pi"] is None


def test_homogeneous_studies_truncate_tau2_at_zero(tol):
    frame = pd.DataFrame({"study": list("abcd"), "x": [10, 11, 10, 11], "n": [50, 50, 50, 50]})
    result = rma(from_frame(frame, events="x", total="n"), method="DL")
    assert result.tau2 == 0.0
    assert result.i2 == pytest.approx(0.0, abs=tol.ATOL_ZERO)
    assert result.tau2_ci[0] == 0.0


@pytest.mark.parametrize(
    "kwargs", [{"method": "XX"}, {"ci": "t"}, {"measure": "OR"}, {"to": "some"}]
)
def test_bad_options_raise_input_error(kwargs):
    with pytest.raises(InputError):
        rma(cart_outcome("orr"), **kwargs)


def test_data_is_not_modified():
    data = cart_outcome("crr")
    before = (data.events.copy(), data.total.copy(), data.covariates.copy())
    rma(data, method="PM", ci="hk")
    assert np.array_equal(before[0], data.events) and np.array_equal(before[1], data.total)
    pd.testing.assert_frame_equal(before[2], data.covariates)


def test_single_study_is_its_own_estimate_as_metafor():
    """metafor's rma with k = 1 (xi = 5, ni = 20): -1.0986123 (0.5163978), tau^2 = 0."""
    result = rma_arrays(np.array([5]), np.array([20]))
    assert result.mu == pytest.approx(-1.0986123, abs=1e-7)
    assert result.se == pytest.approx(0.5163978, abs=1e-7)
    assert result.tau2 == 0.0 and result.q == 0.0 and result.tau2_ci is None
    assert result.pi == pytest.approx(result.ci)
    with pytest.raises(InputError):
        rma_arrays(np.array([5]), np.array([20]), ci="hk")


@pytest.mark.parametrize("kwargs", [{"ci": "hk"}, {"measure": "PFT"}])
def test_glmm_refuses_options_it_does_not_have(kwargs):
    from bayesmeta.freq import metareg

    with pytest.raises(InputError, match="GLMM"):
        rma(cart_outcome("orr"), method="GLMM", **kwargs)
    with pytest.raises(InputError, match="GLMM"):
        metareg(cart_outcome("orr"), formula="age_median", method="GLMM", **kwargs)

"""The exact engine pays for the evidence's error and the Bayes factors only when they are read.

A fit builds its own grid (its normalizing constant is ``log_evidence``, free). The companion
models behind ``bayes_factors`` are built when the factors are first read, the refined grids behind
``log_evidence_error`` and each factor's ``error`` when those are read: each once, and equal to
what an eager computation gives.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import bayesmeta.quad.grid as grid_module
from bayesmeta.data import cart_outcome
from bayesmeta.engines import fit
from bayesmeta.model.deferred import is_pending
from bayesmeta.model.spec import build_model
from bayesmeta.quad.decisions import evidence_with_error
from bayesmeta.quad.evidence import log_evidence_with_error


def _first(data, k):
    return data.where(np.arange(data.k) < k)


@pytest.fixture
def builds(monkeypatch):
    calls = []
    real = grid_module._build_grid

    def counting(events, total, priors, *, common, acc):
        calls.append(common)
        return real(events, total, priors, common=common, acc=acc)

    grid_module._KEPT.clear()
    monkeypatch.setattr(grid_module, "_build_grid", counting)
    return calls


def test_fit_builds_one_grid_and_defers_the_rest(builds):
    spec = build_model(_first(cart_outcome("death"), 12))
    result = fit(spec)
    assert builds == [False]  # the fit's own grid, nothing else
    assert is_pending(result, "log_evidence_error") and is_pending(result, "bayes_factors")
    value = result.log_evidence  # free: the grid's normalizing constant
    assert builds == [False]
    factors = result.bayes_factors
    assert builds == [False, True]  # + the common-effect companion's grid; no refined grid
    bf = factors["heterogeneity"]
    assert is_pending(bf, "error") and is_pending(result, "log_evidence_error")
    error = result.log_evidence_error
    assert builds == [False, True, False]  # + the refined grid
    bf_error = bf.error
    assert builds == [False, True, False, True]  # + the companion's refined grid
    grid_module._KEPT.clear()
    assert (value, error) == pytest.approx(log_evidence_with_error(spec), rel=1e-12)
    companion, companion_error = evidence_with_error(build_model(spec.data, kind="common"))
    assert bf.log_bf == pytest.approx(value - companion, rel=1e-12)
    assert bf_error == pytest.approx(error + companion_error, rel=1e-12)
    before = len(builds)
    assert result.bayes_factors is factors and result.log_evidence_error == error
    assert bf.error == bf_error and len(builds) == before  # computed once


def test_copies_stay_deferred_and_share_the_value(builds):
    result = fit(build_model(_first(cart_outcome("crr"), 10)))
    copy = result.updated(prob_above={"0.5": {}})
    assert is_pending(copy, "bayes_factors") and copy.prob_above == {"0.5": {}}
    assert copy.log_evidence_error == result.log_evidence_error
    assert not is_pending(result, "log_evidence_error")  # one computation serves both copies
    with pytest.raises(TypeError, match="no field 'nope'"):
        result.updated(nope=1)


def test_pickling_a_result_carries_the_values():
    result = fit(build_model(_first(cart_outcome("crr"), 10)))
    back = pickle.loads(pickle.dumps(result))
    assert back.log_evidence_error == result.log_evidence_error
    assert back.bayes_factors == result.bayes_factors


def test_json_reports_what_the_eager_fit_reported(builds):
    spec = build_model(cart_outcome("crr"), by="cancer_type")
    payload = fit(spec).to_dict()
    assert set(payload["bayes_factors"]) == {"heterogeneity", "cancer_type"}
    assert payload["log_evidence_error"] is not None and payload["log_evidence_error"] >= 0


def test_a_regression_integrates_its_companions_only_when_the_factors_are_read(monkeypatch):
    # issue 22: an exact regression refitted every drop-one-covariate model eagerly
    import bayesmeta.quad.regression.nested_fit as nested_fit

    problems = []
    real = nested_fit.integrate

    def counting(problem, *args, **kwargs):
        problems.append(problem.X.shape[1])
        return real(problem, *args, **kwargs)

    monkeypatch.setattr(nested_fit, "integrate", counting)
    result = fit(build_model(cart_outcome("orr"), formula="age_median + year"))
    assert problems == [3]  # the model's own integration, nothing else
    assert is_pending(result, "bayes_factors")
    assert set(result.bayes_factors) == {"age_median", "year"}
    assert problems[0] == 3 and sorted(problems[1:]) == [2, 2]  # one companion per covariate

"""Multiverse, simulate and sensitivity ask the exact engine only for what they report (issue
22 item 2): one grid per Bayesian fit, no refined grid (the evidence's error), no companion
model (the Bayes factors) unless the table shows it (sensitivity's log BF of heterogeneity)."""

from __future__ import annotations

import numpy as np
import pytest

import bayesmeta.quad.grid as grid_module
from bayesmeta.quad.controls import Accuracy


@pytest.fixture
def builds(monkeypatch):
    """Every exact grid built: (common-effect model?, refined accuracy?)."""
    calls = []
    real = grid_module._build_grid
    default = Accuracy()

    def counting(events, total, priors, *, common, acc):
        calls.append((common, acc != default))
        return real(events, total, priors, common=common, acc=acc)

    grid_module._KEPT.clear()
    monkeypatch.setattr(grid_module, "_build_grid", counting)
    yield calls
    grid_module._KEPT.clear()


def test_a_multiverse_specification_builds_its_own_grid_only(builds, multiverse_spec):
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.multiverse.run import multiverse_data
    from bayesmeta.multiverse.specification import Context, fit_specification

    spec = load_spec(multiverse_spec)
    context = Context.of(
        multiverse_data(spec, spec.multiverse), covariates=["region"], seed=1, min_studies=3
    )
    choices = {"filter_region": "all", "min_total": 0, "left_out": "", "method": "bayes"}
    choices.update(hartung_knapp="n/a", mu_prior="normal(0, 2.5)", tau_prior="halfnormal(1)")
    row = fit_specification(context, "k1", choices)
    assert row["status"] == "ok" and row["k"] == 7
    assert builds == [(False, False)]


def test_a_simulated_replicate_builds_its_own_grid_only(builds):
    from bayesmeta.simulate.methods import fit_method

    events, total = np.array([3, 12, 1, 30, 7]), np.array([40, 60, 25, 120, 35])
    row, note = fit_method(
        "bayes",
        events,
        total,
        level=0.95,
        priors={"mu": "normal(0, 2.5)", "tau": "halfnormal(1)"},
        nuts={},
        seed=1,
    )
    assert note == "" and 0 < row["median"] < 1
    assert builds == [(False, False)]


def test_sensitivity_reads_the_factor_it_tabulates_and_not_its_error(builds):
    from bayesmeta.data import cart_outcome
    from bayesmeta.sensitivity import sensitivity

    data = cart_outcome("death").where(np.arange(cart_outcome("death").k) < 8)
    result = sensitivity(data, what=("loo",))
    assert result.table["log_bf_heterogeneity"].notna().all()
    # each of the 9 fits (baseline + 8 left out): its grid and the common-effect companion's,
    # never a refined grid
    assert not any(refined for _, refined in builds)
    assert sorted(common for common, _ in builds) == [False] * 9 + [True] * 9

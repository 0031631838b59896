"""The prior grid: families, scales and their documented parameterization."""

from __future__ import annotations

import pytest

from bayesmeta.sensitivity import mu_prior_grid, tau_prior, tau_prior_grid


def test_default_tau_grid_has_24_priors_over_four_families():
    grid = tau_prior_grid()
    assert len(grid) == 24
    assert {family for family, _, _ in grid} == {
        "halfnormal",
        "halfcauchy",
        "exponential",
        "uniform",
    }
    assert min(s for _, s, _ in grid) == 0.25 and max(s for _, s, _ in grid) == 2.0


@pytest.mark.parametrize("scale", [0.25, 1.0, 2.0])
def test_scale_meaning_per_family(scale):
    assert tau_prior("halfnormal", scale).distribution().std() == pytest.approx(
        scale * (1 - 2 / 3.141592653589793) ** 0.5
    )
    assert tau_prior("halfcauchy", scale).ppf(0.5) == pytest.approx(scale)  # median = scale
    assert tau_prior("exponential", scale).distribution().mean() == pytest.approx(scale)
    assert tau_prior("uniform", scale).params == (0.0, 4 * scale)


def test_mu_grid_and_bad_input():
    assert [str(p) for _, p in mu_prior_grid(scales=(1, 10))] == ["normal(0, 1)", "normal(0, 10)"]
    with pytest.raises(ValueError, match="unknown tau prior family"):
        tau_prior("weibull", 1.0)
    with pytest.raises(ValueError, match="positive"):
        tau_prior("halfnormal", 0.0)

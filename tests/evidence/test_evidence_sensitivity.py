"""log Bayes factors across the sensitivity prior grid, and their plot (content, not pixels)."""

from __future__ import annotations

import numpy as np
import pytest

from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.engines import fit
from bayesmeta.sensitivity import sensitivity


@pytest.fixture(scope="module")
def table():
    result = sensitivity(
        cart_outcome("orr"),
        what=["priors"],
        kind="subgroup",
        by="cancer_type",
        tau_families=("halfnormal", "lognormal"),
        tau_scales=(0.5, 1.5),
        mu_scales=(1.0, 5.0),
    )
    return result.table


def test_each_prior_row_carries_the_log_bf_of_its_own_fit(table):
    rows = table[table["kind"].isin(["baseline", "tau_prior", "mu_prior"])]
    assert len(rows) == 1 + 4 + 2
    assert rows["log_bf_heterogeneity"].notna().all() and rows["log_bf_covariate"].notna().all()
    row = rows[rows["tau_prior"] == "lognormal(0.405465, 1)"].iloc[0]
    spec = build_model(cart_outcome("orr"), by="cancer_type", tau_prior="lognormal(0.405465, 1)")
    factors = fit(spec, engine="quadrature").bayes_factors
    assert row["log_bf_heterogeneity"] == pytest.approx(factors["heterogeneity"].log_bf, abs=1e-9)
    assert row["log_bf_covariate"] == pytest.approx(factors["cancer_type"].log_bf, abs=1e-9)
    # the priors move the factors (the point of the grid)
    assert np.ptp(rows["log_bf_heterogeneity"]) > 0.1


def test_bayes_factor_plot_draws_every_prior_row(table):
    from bayesmeta.plots import bayes_factor_plot

    figure = bayes_factor_plot(table)
    axes = [a for a in figure.axes if a.collections]
    assert len(axes) == 2
    for axis, column in zip(axes, ["log_bf_heterogeneity", "log_bf_covariate"], strict=True):
        points = np.concatenate([c.get_offsets() for c in axis.collections if c.get_offsets().size])
        rows = table[table["kind"].isin(["baseline", "tau_prior", "mu_prior"])]
        assert sorted(points[:, 0]) == pytest.approx(sorted(rows[column]))
        lo, hi = rows[column].min(), rows[column].max()
        assert f"log BF {lo:.2f} to {hi:.2f}" in axis.get_title(loc="left")
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert labels[0].startswith("baseline: tau ~ halfnormal(1.5)")


def test_plot_refuses_a_table_without_factors(table):
    from bayesmeta.plots import bayes_factor_plot

    with pytest.raises(ValueError, match="no log Bayes factors"):
        bayes_factor_plot(table.assign(log_bf_heterogeneity=np.nan, log_bf_covariate=np.nan))


def test_cli_sensitivity_writes_the_bayes_factor_figure(tmp_path, capsys):
    from bayesmeta.cli import main

    out = tmp_path / "sens"
    argv = ["sensitivity", "cart_wu2025", "--events", "dead_events", "--total", "dead_total",
            "--what", "priors", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert (out / "bayes_factors.png").stat().st_size > 0
    assert "log_bf_heterogeneity" in capsys.readouterr().out

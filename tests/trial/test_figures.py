"""What the trial figures draw: the exact predictive and its mixtures; the OC curves."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from bayesmeta.trial import (
    BetaMixture,
    FitQuality,
    MapPrior,
    MapSource,
    NormalMixture,
    operating_characteristics,
    prior_data_conflict,
    robustify,
)
from bayesmeta.trial.figures import map_figure, oc_figure

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def prior():
    target = NormalMixture(weight=[0.7, 0.3], loc=[1.5, 0.5], scale=[0.5, 0.8])
    fitted = BetaMixture(weight=[0.7, 0.3], a=[14.0, 4.0], b=[3.5, 2.5])
    robust = robustify(fitted, weight=0.2)
    quality = FitQuality(0.004, {"50%": 0.001}, {"50%": 0.8}, {"50%": 0.801})
    return MapPrior(
        source=MapSource(mixture=target, label="cancer_type=myeloma", k=12, model={}),
        fitted=fitted,
        quality=quality,
        mixture=robust,
        robust_weight=0.2,
        ess={"elir": 10.0, "moment": 5.0, "morita": 12.0},
        ess_map={"elir": 15.0, "moment": 9.0, "morita": 16.0},
        conflict=prior_data_conflict(robust, events=10, total=40),
    )


def _lines(figure):
    return {line.get_label(): line for line in figure.axes[0].lines}


def test_map_figure_draws_exact_predictive_and_mixtures(prior):
    figure = map_figure(prior)
    lines = _lines(figure)
    exact = lines["exact predictive"]
    x = np.asarray(exact.get_xdata())
    np.testing.assert_allclose(exact.get_ydata(), prior.source.mixture.pdf(x), rtol=1e-12)
    fitted = lines["beta mixture (2 comp.)"]
    np.testing.assert_allclose(fitted.get_ydata(), prior.fitted.pdf(x), rtol=1e-12)
    robust = lines["robust mixture (w = 0.2)"]
    np.testing.assert_allclose(robust.get_ydata(), prior.mixture.pdf(x), rtol=1e-12)
    new_trial = lines["new trial 10/40"]
    assert new_trial.get_xdata()[0] == pytest.approx(0.25)
    assert "myeloma" in figure.axes[0].get_title()
    assert any("ESS (robust) elir 10.0" in t.get_text() for t in figure.axes[0].texts)


def test_oc_figure_draws_power_curves_and_p0():
    mix = BetaMixture(weight=[1.0], a=[8.0], b=[4.0])
    flat = BetaMixture(weight=[1.0], a=[1.0], b=[1.0])
    curves = {
        "MAP prior": operating_characteristics(mix, n=30, p0=0.5, confidence=0.9),
        "Beta(1, 1)": operating_characteristics(flat, n=30, p0=0.5, confidence=0.9),
    }
    figure = oc_figure(curves, p0=0.5)
    lines = _lines(figure)
    for label, oc in curves.items():
        (line,) = [v for k, v in lines.items() if k.startswith(f"{label}: GO if ")]
        rates = np.array([float(r) for r in oc.power])
        order = np.argsort(rates)
        np.testing.assert_allclose(line.get_xdata(), rates[order])
        np.testing.assert_allclose(line.get_ydata(), np.array(list(oc.power.values()))[order])
        assert f"type I {oc.type1:.3f}" in line.get_label()
    assert lines["p0 = 0.5"].get_xdata()[0] == 0.5


def test_oc_figure_of_a_death_rate_draws_the_nogo_rule_and_names_the_direction(prior):
    """Issue 23: a death rate is named as such, lower is better, and NO-GO is on the plot."""
    from dataclasses import replace

    mix = BetaMixture(weight=[1.0], a=[2.0], b=[7.0])
    oc = operating_characteristics(
        mix, n=40, p0=0.3, confidence=0.9, nogo_rate=0.2, lower_is_better=True
    )
    figure = oc_figure({"MAP prior": oc}, p0=0.3, outcome="dead_events")
    ax = figure.axes[0]
    assert ax.get_xlabel() == "true death rate (lower is better)"
    assert ax.get_ylabel() == "P(GO) solid, P(NO-GO) dashed"
    lines = _lines(figure)
    (go,) = [v for k, v in lines.items() if k.startswith("MAP prior: GO if P(p < 0.3")]
    (nogo,) = [v for k, v in lines.items() if k.startswith("MAP prior: NO-GO if P(p > 0.2")]
    rates = np.sort([float(r) for r in oc.power])
    np.testing.assert_allclose(nogo.get_xdata(), rates)
    np.testing.assert_allclose(
        nogo.get_ydata(), [oc.nogo["prob"][r] for r in sorted(oc.power, key=float)]
    )
    assert go.get_linestyle() == "-" and nogo.get_linestyle() == "--"
    dead = replace(prior, source=replace(prior.source, model={"outcome": "dead_events"}))
    assert map_figure(dead).axes[0].get_xlabel() == "death rate of a new study"

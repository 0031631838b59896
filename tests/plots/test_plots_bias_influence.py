"""Content of the new figures: contour funnel with filled studies, Baujat, drapery, cumulative,
GOSH. Each test checks what is drawn (points at the right coordinates, lines, labels)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from scipy import special

from bayesmeta.analysis.gosh import gosh
from bayesmeta.analysis.sequential import bayes_cumulative
from bayesmeta.data import cart_outcome, from_frame
from bayesmeta.freq import rma
from bayesmeta.freq.cumulative import cumulative
from bayesmeta.freq.effects import effect_sizes
from bayesmeta.freq.trimfill import trim_fill
from bayesmeta.plots.baujat import baujat_coordinates, baujat_plot
from bayesmeta.plots.contour_funnel import contour_funnel_plot
from bayesmeta.plots.cumulative import cumulative_plot
from bayesmeta.plots.drapery import drapery_plot, p_value_function
from bayesmeta.plots.gosh import gosh_plot

REF = json.loads(
    (Path(__file__).parents[2] / "validation" / "metafor" / "bias_influence.json").read_text()
)


def _scatter(axis, label):
    legend = dict(zip(*reversed(axis.get_legend_handles_labels()), strict=True))
    handle = legend[label]
    assert isinstance(handle, PathCollection)
    return np.asarray(handle.get_offsets())


def test_contour_funnel_marks_the_filled_studies():
    data = cart_outcome("death")
    tf = trim_fill(data)
    assert tf.k0 > 0
    figure = contour_funnel_plot(data, trimfill=tf)
    figure.canvas.draw()
    axis = figure.axes[0]
    yi, vi = effect_sizes(data.events, data.total)
    observed = _scatter(axis, "studies")
    assert np.allclose(np.sort(observed[:, 0]), np.sort(yi))
    filled = _scatter(axis, f"filled studies ({tf.k0})")
    assert np.allclose(np.sort(filled[:, 0]), np.sort(tf.filled_yi))
    assert np.allclose(np.sort(filled[:, 1]), np.sort(np.sqrt(tf.filled_vi)))
    labels = axis.get_legend_handles_labels()[1]
    assert {"p > 0.01", "p > 0.05", "p > 0.1", "trim-and-fill estimate"} <= set(labels)
    lines = {ln.get_label(): ln for ln in axis.get_lines()}
    assert np.allclose(lines["trim-and-fill estimate"].get_xdata(), tf.mu)
    assert axis.get_ylim()[0] > axis.get_ylim()[1]  # standard error grows downwards


def test_contour_funnel_without_filled_studies_has_no_open_circles():
    entry = REF["datasets"]["debruin2009"]
    frame = pd.DataFrame({"study": entry["study"], "x": entry["events"], "n": entry["total"]})
    data = from_frame(frame, events="x", total="n", covariates=[])
    tf = trim_fill(data)
    assert tf.k0 == entry["DL"]["trimfill_L0"]["k0"] == 0
    figure = contour_funnel_plot(data, trimfill=tf)
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert "trim-and-fill estimate" in labels
    assert not any(label.startswith("filled") for label in labels)


@pytest.mark.r_reference
def test_baujat_coordinates_equal_metafor():
    for name, entry in REF["datasets"].items():
        yi, vi = effect_sizes(np.array(entry["events"]), np.array(entry["total"]))
        for method in ("DL", "REML"):
            x, y = baujat_coordinates(yi, vi, method=method)
            ref = entry[method]["baujat"]
            assert np.allclose(x, ref["x"], rtol=1e-6, atol=1e-12), name
            assert np.allclose(y, ref["y"], rtol=1e-6, atol=1e-12), name


def test_baujat_plot_draws_every_study_and_labels_the_most_extreme():
    data = cart_outcome("crr")
    figure = baujat_plot(data, label=3)
    axis = figure.axes[0]
    x, y = baujat_coordinates(*effect_sizes(data.events, data.total))
    points = _scatter(axis, "studies")
    assert np.allclose(points, np.column_stack([x, y]))
    texts = [t.get_text() for t in axis.texts]
    assert len(texts) == 3
    top = data.studies[int(np.argmax(x / x.max() + y / y.max()))]
    assert top in texts


def test_drapery_curves_peak_at_the_estimates_and_cross_005_at_the_ci():
    data = cart_outcome("orr")
    fit = rma(data)
    figure = drapery_plot(data, freq=fit)
    axis = figure.axes[0]
    curves = [ln for ln in axis.get_lines() if len(ln.get_xdata()) > 2]
    assert len(curves) == data.k + 1
    pooled = [ln for ln in curves if ln.get_label() == "pooled (DL)"][0]
    x, p = pooled.get_xdata(), pooled.get_ydata()
    assert abs(x[np.argmax(p)] - fit.estimate) < 2e-3
    # the 95% confidence limits are where the pooled p-value function equals 0.05
    for limit in fit.ci:
        assert p_value_function(fit.mu, fit.se, np.array([limit]))[0] == pytest.approx(0.05)
    assert any(np.allclose(ln.get_ydata(), 0.05) for ln in axis.get_lines())


def test_cumulative_plot_shows_both_sequences():
    data = cart_outcome("orr").where(np.arange(24) < 6)
    freq = cumulative(data, order_by="year")
    bayes = bayes_cumulative(data, order_by="year")
    figure = cumulative_plot(freq, bayes)
    axis = figure.axes[0]
    assert [t.get_text() for t in axis.get_yticklabels()] == [f"+ {r.study}" for r in freq.rows]
    containers = {c.get_label(): c for c in axis.containers}
    f = containers["frequentist DL (95% CI)"].lines[0]
    b = containers["Bayesian, exact engine (95% CrI)"].lines[0]
    assert np.allclose(f.get_xdata(), [r.estimate for r in freq.rows])
    assert np.allclose(b.get_xdata(), [r.median for r in bayes.rows])


def test_gosh_plot_draws_every_subset_and_the_bayesian_sample():
    data = cart_outcome("orr").where(np.arange(24) < 8)
    result = gosh(data, n_bayes=5)
    figure = gosh_plot(result)
    main = figure.axes[2]
    dl = _scatter(main, "DL subsets")
    assert len(dl) == 2**8 - 1
    assert np.allclose(dl[:, 0], special.expit(result.mu))
    assert np.allclose(dl[:, 1], result.i2)
    bayes = _scatter(main, "exact Bayes (posterior median)")
    assert np.allclose(bayes[:, 0], result.bayes_median)
    full = _scatter(main, "all studies")
    fit = rma(data)
    assert np.allclose(full[0], [fit.estimate, fit.i2])

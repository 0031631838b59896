"""Forest plots: rows, labels, legend, footnote and the exact CIs, checked on content."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pytest
from scipy import stats

from bayesmeta.plots import forest_plot, subgroup_forest_plot
from bayesmeta.plots.inputs import clopper_pearson


def _labels(axis):
    # the rows' labels are texts at the plot's left edge, top to bottom (no ticks)
    assert not axis.get_yticks().size
    return [t.get_text() for t in sorted(axis.texts, key=lambda t: -t.get_position()[1])]


def _texts(figure):
    return [t.get_text() for ax in figure.axes for t in ax.texts]


def test_clopper_pearson_equals_scipy_exact_interval():
    # scipy's binomtest (method="exact") is an independent implementation of Clopper-Pearson.
    events = np.array([0, 3, 12, 20, 81])
    total = np.array([18, 4, 17, 35, 81])
    lo, hi = clopper_pearson(events, total)
    for x, n, a, b in zip(events, total, lo, hi, strict=True):
        ref = stats.binomtest(int(x), int(n)).proportion_ci(method="exact")
        assert a == pytest.approx(ref.low, abs=1e-10)
        assert b == pytest.approx(ref.high, abs=1e-10)
    # closed forms at the edges: 0/n -> [0, 1 - 0.025^(1/n)]
    assert hi[0] == pytest.approx(1 - 0.025 ** (1 / 18), rel=1e-10)
    assert lo[-1] == pytest.approx(0.025 ** (1 / 81), rel=1e-10)


def test_forest_plot_rows_legend_and_footnote(death, make_result, fake_freq):
    bayes = make_result(death, mu=-1.4, tau=1.5)
    freq = {
        "DL": fake_freq("DL", 0.2, (0.14, 0.28), (0.03, 0.70)),
        "GLMM": fake_freq("GLMM", 0.19, (0.11, 0.32)),
    }
    before = dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = forest_plot(death, bayes=bayes, freq=freq)
        figure.canvas.draw()  # layout and drawing emit no warning either
    assert dict(matplotlib.rcParams) == before
    main, numbers = figure.axes[:2]
    labels = _labels(main)
    assert labels[: death.k] == list(death.studies)
    assert labels[death.k :] == [
        "DL pooled",
        "GLMM pooled",
        "Bayesian median rate",
        "Bayesian mean rate",
        "Prediction interval (DL)",
        "Prediction interval (Bayesian)",
    ]
    texts = _texts(figure)
    assert "12/15" in texts  # Wang Z 2021 deaths
    assert "0.20 [0.14, 0.28]" in texts
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == [
        "Observed (exact 95% CI)",
        "Shrunken (posterior 95% interval)",
        "Pooled estimate (95% interval)",
        "Prediction interval",
    ]
    note = figure._supxlabel.get_text()
    assert "Excluded (5)" in note and "Mailankody S 2022" in note
    assert main.get_xlabel() == "Death rate"  # the outcome's words (bayesmeta.data.outcome_words)


def test_forest_plot_data_only_has_no_pooled_rows(cart_data):
    figure = forest_plot(cart_data, order="rate")
    labels = _labels(figure.axes[0])
    assert len(labels) == cart_data.k
    observed = cart_data.events / cart_data.total
    assert labels[0] == cart_data.studies[int(np.argmin(observed))]
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["Observed (exact 95% CI)"]


def test_forest_plot_rejects_unknown_order(death):
    with pytest.raises(ValueError, match="order"):
        forest_plot(death, order="alphabet")


def test_subgroup_forest_plot_groups_and_between_group_test(death, make_result, fake_freq):
    levels = death.levels("cancer_type")
    bayes = make_result(death, groups=levels)

    class Subgroups:
        method = "DL"
        q_between, df_between, p_between = 14.13, 3, 0.0027
        groups = {level: fake_freq("DL", 0.3, (0.2, 0.4)) for level in levels}

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = subgroup_forest_plot(death, by="cancer_type", bayes=bayes, freq=Subgroups())
    labels = _labels(figure.axes[0])
    headers = [label for label in labels if label.startswith("cancer_type = ")]
    assert headers == [
        f"cancer_type = {level} ({int((death.covariates['cancer_type'] == level).sum())} studies)"
        for level in levels
    ]
    assert labels.count("DL pooled") == len(levels)
    assert labels.count("Bayesian rate") == len(levels)
    assert sum(label in death.studies for label in labels) == death.k
    note = figure._supxlabel.get_text()
    assert "Test for subgroup differences (DL): Q = 14.13, df = 3" in note

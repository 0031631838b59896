"""The specification curve's choice panel: a row per option where the choice applies; "n/a" is
no option, so a choice with one value where it applies (one mu prior) has no row (#22 item 1)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from bayesmeta.plots.spec_curve import spec_curve_plot

NA = "n/a"


def _table():
    estimate = np.array([0.50, 0.50, 0.73, 0.73, 0.62, 0.82, 0.73, 0.88])
    return pd.DataFrame(
        {
            "estimate": estimate,
            "ci_lo": estimate - 0.1,
            "ci_hi": estimate + 0.1,
            "status": "ok",
            "method": ["DL"] * 4 + ["bayes"] * 4,
            "hartung_knapp": ["no", "yes", "no", "yes", NA, NA, NA, NA],
            "mu_prior": [NA] * 4 + ["normal(0, 2.5)"] * 4,
            "tau_prior": [NA] * 4 + ["h1", "h2", "h1", "h2"],
            "subset": ["a", "a", "b", "b", "a", "a", "b", "b"],
        }
    )


def test_panel_rows_are_the_options_where_a_choice_applies():
    columns = ["method", "hartung_knapp", "mu_prior", "tau_prior", "subset"]
    figure = spec_curve_plot(_table(), columns=columns)
    try:
        panel = figure.axes[1]
        labels = [t.get_text() for t in panel.get_yticklabels()]
        assert labels == [
            "method: DL",
            "method: bayes",
            "hartung_knapp: no",
            "hartung_knapp: yes",
            "tau_prior: h1",
            "tau_prior: h2",
            "subset: a",
            "subset: b",
        ]
        # the marks of a row are the specifications that made the choice (sorted by estimate)
        marks = {
            label: line.get_xdata().size
            for label, line in zip(labels, panel.get_lines(), strict=True)
        }
        assert marks["hartung_knapp: no"] == marks["hartung_knapp: yes"] == 2
        assert marks["tau_prior: h1"] == marks["tau_prior: h2"] == 2
    finally:
        plt.close(figure)

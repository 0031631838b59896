"""The layout checker finds what the figure test is for: legends on data, cut-off titles, loose axes."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from bayesmeta.plots.layout import layout_problems


def _figure() -> tuple[Figure, object]:
    figure = Figure(figsize=(5, 3.5), layout="constrained")
    return figure, figure.subplots()


def test_a_clean_figure_has_no_problem():
    figure, axes = _figure()
    x = np.linspace(0.70, 0.91, 50)
    axes.plot(x, np.exp(-((x - 0.8) ** 2) / 0.002), label="posterior")
    axes.set_title("Pooled rate", loc="left")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    assert layout_problems(figure) == []


def test_a_legend_on_the_peak_is_found():
    figure, axes = _figure()
    x = np.linspace(0.70, 0.91, 50)
    axes.plot(x, np.exp(-((x - 0.85) ** 2) / 0.002), label="a long label for the posterior curve")
    axes.legend(loc="upper right")
    kinds = [p.kind for p in layout_problems(figure)]
    assert "legend on data" in kinds


def test_reference_lines_do_not_count_as_data():
    figure, axes = _figure()
    axes.plot([1.0, 0.0, 0.0], [0.0, 0.0, 1.0], label="data")  # an L: upper right is free
    axes.axvline(0.9, color="grey")  # under the legend: a reference line, not data
    axes.legend(loc="upper right")
    assert [p.kind for p in layout_problems(figure)] == []


def test_a_title_wider_than_the_figure_is_cut_off():
    figure, axes = _figure()
    axes.plot([0.0, 1.0], [0.0, 1.0])
    axes.set_title("Bayes factor across the prior grid: random vs common (tau = 0), " * 2)
    assert any(p.kind == "text cut off" for p in layout_problems(figure))


def test_a_legend_on_the_title_is_found():
    figure, axes = _figure()
    axes.plot([0.0, 1.0], [0.0, 1.0], label="x")
    axes.set_title("Cumulative estimate", loc="left")
    axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0))
    assert any(p.kind == "legend on title" for p in layout_problems(figure))


def test_a_zero_one_axis_squeezing_the_data_is_found():
    figure, axes = _figure()
    axes.plot([0.70, 0.91], [0, 1], marker="o")
    axes.set_xlim(0.0, 1.0)
    problems = layout_problems(figure)
    assert [p.kind for p in problems] == ["axis does not fit the data"]
    assert "x runs 0 to 1" in problems[0].where

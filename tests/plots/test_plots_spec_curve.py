"""The specification curve: its content read back from the artists (not pixels).

The choice panel has a row per option where the choice applies; "n/a" is no option, so a choice
with one value where it applies (one mu prior) has no row (#22 item 1). The curve shows every
fitted specification's estimate and interval, sorted; each row marks the specifications that made
its choice. The layout is fixed (no layout engine, #22 item 7): every text lies inside the
figure and the labels clear the panel, for a few specifications and for thousands.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from bayesmeta.plots.layout import layout_problems
from bayesmeta.plots.spec_curve import curve_columns, spec_curve_plot, spec_curve_png

NA = "n/a"
COLUMNS = ["method", "hartung_knapp", "mu_prior", "tau_prior", "subset"]


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


def _large(n=3000, seed=3):
    """Many specifications: a left-out choice with more options than rows, a skipped status."""
    rng = np.random.default_rng(seed)
    estimate = rng.uniform(0.5, 0.95, n)
    return pd.DataFrame(
        {
            "estimate": estimate,
            "ci_lo": estimate - rng.uniform(0.02, 0.4, n),
            "ci_hi": np.minimum(estimate + rng.uniform(0.02, 0.1, n), 1.0),
            "status": np.where(rng.uniform(size=n) < 0.1, "skipped: 2 studies", "ok"),
            "method": rng.choice(["DL", "REML", "PM", "GLMM"], n),
            "left_out": rng.choice([""] + [f"Study {i:02d}" for i in range(20)], n),
            "filter_country": rng.choice(["all", "USA", "China"], n),
        }
    )


def _panel(figure):
    top, panel = figure.axes
    labels = [t.get_text() for t in panel.texts]
    marks = {label: bars.marks for label, bars in zip(labels, panel.patches, strict=True)}
    return top, panel, labels, marks


def test_panel_rows_are_the_options_where_a_choice_applies():
    figure = spec_curve_plot(_table(), columns=COLUMNS)
    _, _, labels, marks = _panel(figure)
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
    # the marks of a row are the specifications that made the choice, at their place in the
    # curve (sorted by estimate: 0.50 0.50 0.62 0.73 0.73 0.73 0.82 0.88, ties in table order)
    assert marks["method: DL"].tolist() == [0, 1, 3, 4]
    assert marks["method: bayes"].tolist() == [2, 5, 6, 7]
    assert marks["hartung_knapp: no"].tolist() == [0, 3]
    assert marks["hartung_knapp: yes"].tolist() == [1, 4]
    assert marks["tau_prior: h1"].tolist() == [2, 5]
    assert marks["subset: b"].tolist() == [3, 4, 5, 7]


def test_curve_shows_every_estimate_and_interval_sorted():
    table = _table()
    figure = spec_curve_plot(table, columns=COLUMNS, threshold=0.8, title="A curve")
    top, _, _, _ = _panel(figure)
    order = np.argsort(table["estimate"].to_numpy(), kind="stable")
    points = next(line for line in top.lines if line.get_label() == "pooled rate")
    assert points.get_xdata().tolist() == list(range(8))
    np.testing.assert_array_equal(points.get_ydata(), table["estimate"].to_numpy()[order])
    # the band: the step outline of the intervals (upper edge out, lower edge back)
    band = next(p for p in top.patches if p.get_label() == "95% interval")
    vertices = band.get_path().vertices
    upper, lower = vertices[:16], vertices[16:32]
    np.testing.assert_array_equal(upper[::2, 1], table["ci_hi"].to_numpy()[order])
    np.testing.assert_array_equal(lower[::-2, 1], table["ci_lo"].to_numpy()[order])
    assert upper[0, 0] == 0 and upper[-1, 0] == 7  # from the first to the last specification
    legend = [t.get_text() for t in top.get_legend().get_texts()]
    assert legend == ["95% interval", "pooled rate", "median 0.730", "threshold 0.8"]
    assert figure._suptitle.get_text() == "A curve"
    assert figure.get_layout_engine() is None  # one drawing, no layout pass


def test_an_interval_not_computed_is_a_gap_in_the_band():
    table = _table()
    table.loc[4, "ci_lo"] = np.nan  # third in the curve (0.62)
    figure = spec_curve_plot(table, columns=COLUMNS)
    band = next(p for p in figure.axes[0].patches if p.get_label() == "95% interval")
    path = band.get_path()
    starts = np.flatnonzero(path.codes == path.MOVETO)
    assert starts.tolist() == [0, 9]  # two outlines: specifications 0-1 and 3-7
    assert np.isfinite(path.vertices).all()
    xs = path.vertices[:, 0]
    assert xs[:9].max() == 1 and xs[9:].min() == 3


def test_many_specifications_one_bar_path_per_row():
    table = _large()
    figure = spec_curve_plot(table, columns=["filter_country", "left_out", "method"])
    top, panel, labels, marks = _panel(figure)
    ok = table[table["status"] == "ok"].sort_values("estimate", kind="mergesort")
    assert figure._suptitle.get_text() == f"Specification curve ({len(ok)} specifications)"
    assert labels[:3] == ["country: China", "country: USA", "country: all"]
    assert labels[3:5] == ["left_out: none", "left_out: one left out"]  # 21 options: 2 rows
    for label, column, value in [
        ("country: USA", "filter_country", "USA"),
        ("left_out: none", "left_out", ""),
        ("method: GLMM", "method", "GLMM"),
    ]:
        expected = np.flatnonzero(ok[column].to_numpy() == value)
        np.testing.assert_array_equal(marks[label], expected)
    assert marks["left_out: one left out"].size == len(ok) - marks["left_out: none"].size
    # neighbouring marks merge into bars: far fewer rectangles than marks, each mark covered
    for bars in panel.patches:
        path = bars.get_path()
        corners = path.vertices.reshape(-1, 5, 2)
        assert len(corners) < bars.marks.size
        left, right = corners[:, 0, 0], corners[:, 1, 0]
        inside = (bars.marks[:, None] >= left) & (bars.marks[:, None] <= right)
        assert inside.any(axis=1).all()


def test_a_row_without_marks_is_empty():
    # every specification leaves a study out: the "none" row of left_out marks nothing
    table = _large()
    table["left_out"] = [f"Study {i % 20:02d}" for i in range(len(table))]
    figure = spec_curve_plot(table, columns=["left_out", "method"])
    _, panel, _, marks = _panel(figure)
    assert marks["left_out: none"].size == 0
    assert panel.patches[0].get_path().vertices.shape == (0, 2)
    assert marks["left_out: one left out"].size == (table["status"] == "ok").sum()


@pytest.mark.parametrize("make", [_table, _large])
def test_layout_is_clean_at_any_size(make):
    long_title = "Objective response rate: a long multiverse title " * 3
    table = make()
    columns = [c for c in table.columns if c in COLUMNS + ["left_out", "filter_country"]]
    figure = spec_curve_plot(table, columns=columns, threshold=0.8, title=long_title)
    assert "\n" in figure._suptitle.get_text()  # wrapped to the figure's width
    assert layout_problems(figure) == []
    top, panel, _, _ = _panel(figure)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    edge = panel.get_window_extent(renderer).x0
    for text in panel.texts:  # row labels right of the figure's edge, left of the panel
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 < edge
    legend = top.get_legend().get_window_extent(renderer)
    assert legend.y0 >= top.get_window_extent(renderer).y1 - 1  # above the curve
    assert legend.y1 <= figure._suptitle.get_window_extent(renderer).y0 + 1  # under the title


def test_long_row_labels_widen_the_figure_not_cut_it():
    table = _table()
    table["method"] = table["method"].map(lambda m: f"{m} with a long descriptive option name")
    figure = spec_curve_plot(table, columns=COLUMNS, threshold=0.8)
    assert figure.get_figwidth() > 7.5  # 7.5 inches unless the labels need more
    assert layout_problems(figure) == []  # the legend and the labels inside the figure
    assert spec_curve_plot(_table(), columns=COLUMNS).get_figwidth() == 7.5


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("fitted", [0, 1])
def test_nothing_or_one_fitted_draws_without_warnings(fitted):
    table = _table()
    table["status"] = ["ok"] * fitted + ["skipped: 2 studies"] * (len(table) - fitted)
    png = spec_curve_png(table, columns=COLUMNS, threshold=0.8, title="t")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_is_the_same_bytes_when_drawn_again():
    first = spec_curve_png(_large(), columns=["method", "left_out"], threshold=0.8, title="t")
    again = spec_curve_png(_large(), columns=["method", "left_out"], threshold=0.8, title="t")
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and first == again
    from PIL import Image

    width, height = Image.open(io.BytesIO(first)).size
    assert width == 750 and 300 < height < 1000


def test_the_columns_sent_to_a_side_process_draw_the_same_png_as_the_table():
    # what a multiverse run sends its side process (plain arrays, no pandas): same bytes
    table, columns = _large(), ["method", "left_out", "filter_country"]
    arrays = curve_columns(table, columns)
    assert sorted(arrays) == sorted(["estimate", "ci_lo", "ci_hi", "status", *columns])
    assert all(isinstance(v, np.ndarray) and v.dtype != object for v in arrays.values())
    png = spec_curve_png(table, columns=columns, threshold=0.8, title="t")
    assert spec_curve_png(arrays, columns=columns, threshold=0.8, title="t") == png

"""The index's figure (issue 23): every analysis's pooled rate by the paper, DL, GLMM and the
Bayesian model side by side, one panel per outcome, and each outcome's model-averaged rate."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from bayesmeta import bayes, freq
from bayesmeta.analysis.index_page import overview_rows
from bayesmeta.data import cart_outcome
from bayesmeta.plots.layout import layout_problems
from bayesmeta.plots.overview import METHODS, overview_plot


def _fitted(name: str, outcome: str, *, paper: bool, glmm: bool):
    data = cart_outcome("death" if outcome == "dead" else outcome)
    baselines = {"DL": freq.rma(data, method="DL")}
    if glmm:
        baselines["GLMM"] = freq.rma(data, method="GLMM")
    spec = SimpleNamespace(
        name=name,
        outcome=outcome,
        paper={"estimate": 0.8, "ci": [0.7, 0.88]} if paper else {},
    )
    result = bayes.fit(bayes.build_model(data))
    return SimpleNamespace(spec=spec, baselines=baselines, result=result)


@pytest.fixture(scope="module")
def rows():
    fitted = [
        _fitted("orr_pooled", "orr", paper=True, glmm=True),
        _fitted("dead_pooled", "dead", paper=False, glmm=False),  # a GLMM refused: no estimate
        _fitted("orr_again", "orr", paper=False, glmm=True),
    ]
    averaged = SimpleNamespace(
        averaged={"pooled_median": SimpleNamespace(median=0.81, lo=0.74, hi=0.87)}
    )
    return fitted, overview_rows(fitted, {"orr": averaged, "dead": None})


def test_rows_group_by_outcome_with_every_method_and_the_averaged_rate_last(rows):
    fitted, rows = rows
    assert [(r.outcome, r.label, r.averaged) for r in rows] == [
        ("orr", "orr_pooled", False),
        ("orr", "orr_again", False),
        ("orr", "model-averaged", True),
        ("dead", "dead_pooled", False),
    ]
    assert list(rows[0].estimates) == ["paper", "DL", "GLMM", "Bayesian"]
    assert list(rows[3].estimates) == ["DL", "Bayesian"]  # no paper value, GLMM refused
    dl = freq.rma(cart_outcome("orr"), method="DL")
    assert rows[0].estimates["DL"].estimate == pytest.approx(dl.estimate)
    assert rows[0].estimates["Bayesian"].estimate == fitted[0].result.pooled_median.median
    assert rows[2].estimates["Bayesian"].estimate == 0.81


def test_figure_has_a_panel_per_outcome_and_a_mark_per_estimate(rows):
    _, rows = rows
    figure = overview_plot(rows)
    panels = figure.axes
    assert len(panels) == 2
    assert [t.get_text() for t in panels[0].get_yticklabels()] == [
        "orr_pooled",
        "orr_again",
        "model-averaged",
    ]
    assert "(dead)" in panels[1].get_xlabel() and "death" in panels[1].get_xlabel().lower()
    markers = {m for _, m in METHODS}
    marks = [
        [
            (line.get_marker(), line.get_xdata()[0])
            for line in axis.lines
            if line.get_marker() in markers
        ]
        for axis in panels
    ]
    expected = [sum(len(r.estimates) for r in rows if r.outcome == o) for o in ("orr", "dead")]
    assert [len(m) for m in marks] == expected
    diamonds = [x for m, x in marks[0] if m == "D"]
    assert 0.81 in diamonds  # the model-averaged rate, beside each row's Bayesian estimate
    for axis in panels:  # each panel's axis fits its own estimates
        xs = np.array([x for line in axis.lines for x in line.get_xdata()])
        lo, hi = axis.get_xlim()
        assert lo <= xs.min() and xs.max() <= hi and (xs.max() - xs.min()) > 0.5 * (hi - lo)
    assert layout_problems(figure) == []

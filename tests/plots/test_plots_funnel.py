"""Funnel plot and Egger's test, checked against metafor's regtest(model = "lm").

Reference values: validation/plots/egger_regtest.R (metafor 3.8.1), pinned in
validation/plots/egger_regtest.json. Tolerance 1e-8 relative: a closed-form least-squares fit,
only floating-point rounding differs.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError
from bayesmeta.freq.effects import effect_sizes
from bayesmeta.plots import egger_line, funnel_plot

REFERENCE = json.loads(
    (Path(__file__).parents[2] / "validation" / "plots" / "egger_regtest.json").read_text()
)
REL = 1e-8


@pytest.mark.r_reference
@pytest.mark.parametrize("outcome", ["orr", "crr", "death"])
def test_egger_line_equals_metafor_regtest(outcome):
    data = cart_outcome(outcome)
    fit = egger_line(*effect_sizes(data.events, data.total))
    ref = REFERENCE[outcome]
    assert fit.limit == pytest.approx(ref["limit"], rel=REL)
    assert fit.asymmetry == pytest.approx(ref["asymmetry"], rel=REL)
    assert fit.t == pytest.approx(ref["t"], rel=REL)
    assert fit.df == ref["df"]
    assert fit.p == pytest.approx(ref["p"], rel=1e-6)


def test_funnel_plot_content(death):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = funnel_plot(death)
        figure.canvas.draw()
    axis = figure.axes[0]
    legend = [t.get_text() for t in axis.get_legend().get_texts()]
    assert legend == [
        "pseudo 95% region",
        "common-effect estimate",
        "studies",
        "Egger's regression line",
    ]
    assert axis.collections[-1].get_offsets().shape[0] == death.k
    assert axis.get_ylim()[0] > axis.get_ylim()[1]  # standard error grows downwards
    note = figure._supxlabel.get_text()
    assert "Egger's test, classical" in note and "mixed-effects z test" in note
    assert "intercept -2.128" in note and "p = 0.0153" in note


def test_funnel_without_egger_has_no_line(death):
    figure = funnel_plot(death, egger=False)
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert "Egger's regression line" not in legend


def test_egger_needs_three_studies():
    with pytest.raises(InputError, match="at least 3"):
        egger_line([0.1, 0.2], [0.1, 0.1])

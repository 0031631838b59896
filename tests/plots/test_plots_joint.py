"""The joint model's panel of pooled rates names each outcome and marks lower-is-better ones."""

from __future__ import annotations

import io

from bayesmeta.plots.joint import pooled_rates_panel
from bayesmeta.plots.layout import layout_problems


def _interval(median, lo, hi):
    return {"median": median, "lo": lo, "hi": hi}


def _payload(names):
    rates = {"orr": 0.8, "crr": 0.5, "dead": 0.2, "toxicity": 0.3, "time_to_x": 0.4}
    return {
        "outcomes": {
            name: {
                "pooled_median": _interval(rates[name], rates[name] - 0.05, rates[name] + 0.05),
                "pooled_mean": _interval(rates[name], rates[name] - 0.06, rates[name] + 0.06),
                "new_study": _interval(rates[name], rates[name] - 0.2, rates[name] + 0.15),
            }
            for name in names
        }
    }


def _problems(figure):
    """Layout problems of the figure as the joint run saves it (PNG at 110 dpi)."""
    figure.savefig(io.BytesIO(), dpi=110, format="png")
    return [str(p) for p in layout_problems(figure, drawn=True, dpi=110)]


def _row_labels(figure):
    axis = figure.axes[0]
    labels = [t.get_text() for t in axis.get_yticklabels()]
    return dict(zip((int(round(y)) for y in axis.get_yticks()), labels, strict=True))


def test_rows_are_named_by_outcome_with_direction():
    names = ["orr", "crr", "dead", "toxicity", "time_to_x"]
    figure = pooled_rates_panel(_payload(names))
    rows = _row_labels(figure)
    # row 0 is drawn at the top (y = len - 1)
    by_name = {name: rows[len(names) - 1 - i] for i, name in enumerate(names)}
    assert by_name == {
        "orr": "Response rate (orr)",
        "crr": "Complete response rate (crr)",
        "dead": "Death rate (dead)\nlower is better",
        "toxicity": "Toxicity rate (toxicity)\nlower is better",
        "time_to_x": "Rate of time_to_x (time_to_x)",
    }
    assert figure.axes[0].get_xlabel() == "Rate (median and 95% interval)"
    assert not _problems(figure)


def test_the_flagship_outcomes_fit_the_figure():
    figure = pooled_rates_panel(_payload(["orr", "crr", "dead"]))
    assert not _problems(figure)
    assert "lower is better" in _row_labels(figure)[0]  # dead, the bottom row


def test_the_rate_axis_fits_the_intervals():
    # two outcomes near each other: a 0-1 axis would squeeze them into a sliver
    payload = _payload(["orr", "crr"])
    for name in ("orr", "crr"):
        for key in ("pooled_median", "pooled_mean", "new_study"):
            payload["outcomes"][name][key] = _interval(0.8, 0.74, 0.86)
    figure = pooled_rates_panel(payload)
    lo, hi = figure.axes[0].get_xlim()
    assert 0.7 < lo < 0.74 and 0.86 < hi < 0.9
    assert not _problems(figure)

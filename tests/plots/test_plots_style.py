"""Every plot leaves the global matplotlib state alone: rcParams unchanged, no pyplot figure."""

from __future__ import annotations

import ast
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from bayesmeta.plots import forest_plot, funnel_plot, pooled_posterior_plot

PLOTS = Path(__file__).parents[2] / "bayesmeta" / "plots"


def test_plots_keep_global_state(death, make_result):
    before = dict(matplotlib.rcParams)
    figures = [
        forest_plot(death),
        funnel_plot(death),
        pooled_posterior_plot({"m": make_result(death)}),
    ]
    assert dict(matplotlib.rcParams) == before
    assert plt.get_fignums() == []
    assert all(f.get_layout_engine() is not None for f in figures)
    assert figures[0].axes[0].title.get_fontweight() == "bold"  # the shared style applied


def test_plot_modules_never_import_pyplot_or_matplotlib_at_top_level():
    for path in PLOTS.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                )
                assert not any(n.startswith("matplotlib") for n in names), (
                    f"{path.name} imports {names}"
                )
            text = path.read_text()
        assert "plt.show(" not in text and "import matplotlib.pyplot" not in text

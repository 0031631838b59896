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


def _titled(title: str):
    from bayesmeta.plots.style import new_figure, styled_plot

    @styled_plot
    def plot():
        figure, axes = new_figure()
        axes[0, 0].plot([0.0, 1.0], [1.0, 0.0])
        axes[0, 0].set_title(title)
        return figure

    return plot()


LONG = "a title long enough to be measured, and then some more words to wrap at the edge " * 2


def test_a_figure_is_drawn_once_to_be_saved_with_savefig_bytes(monkeypatch):
    import io

    from matplotlib.figure import Figure

    from bayesmeta.analysis.spec_figures import png_bytes

    expected = io.BytesIO()
    reference = _titled(LONG)
    reference.savefig(expected, dpi=reference.dpi, format="png")
    draws = []
    real = Figure.draw

    def counting(self, renderer):
        draws.append(renderer)
        return real(self, renderer)

    monkeypatch.setattr(Figure, "draw", counting)
    figure = _titled(LONG)  # fit_titles renders it (the title fits after one wrap)
    before = len(draws)
    assert before >= 1
    assert png_bytes(figure, "t.png") == expected.getvalue()
    assert len(draws) == before  # saved from the rendered canvas, not drawn again
    short = _titled("short")  # never measured: drawn once when saved
    assert png_bytes(short, "s.png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(draws) == before + 1


def test_a_figure_changed_after_rendering_is_drawn_again():
    from bayesmeta.analysis.spec_figures import png_bytes
    from bayesmeta.plots.style import is_rendered

    figure = _titled(LONG)
    assert is_rendered(figure)
    first = png_bytes(figure, "a.png")
    figure.axes[0].plot([0.0, 1.0], [0.0, 1.0], color="red")
    assert not is_rendered(figure)
    figure.draw_without_rendering()  # a layout pass alone does not make the pixels current
    assert not is_rendered(figure)
    second = png_bytes(figure, "b.png")
    assert second != first
    assert is_rendered(figure)

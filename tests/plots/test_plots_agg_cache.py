"""The shared-text Agg canvas: the same pixels as matplotlib's own canvas, each string measured
and laid out once per process."""

from __future__ import annotations

import pytest

import bayesmeta.plots.agg_cache as agg_cache
from bayesmeta.analysis.spec_figures import png_bytes
from bayesmeta.plots import forest_plot, pooled_posterior_plot


def _figures(death, make_result, fake_freq):
    bayes = make_result(death, mu=-1.4, tau=1.5)
    freq = {"DL": fake_freq("DL", 0.2, (0.14, 0.28), (0.03, 0.70))}
    long_title = "Death after CAR-T therapy in every study reporting it, a title that is wrapped"
    return {
        "forest": forest_plot(death, bayes=bayes, freq=freq, title=long_title),
        "posterior": pooled_posterior_plot({"Bayes": bayes}, quantity="both", title=long_title),
    }


@pytest.fixture
def cold_caches():
    for cache in (agg_cache._METRICS, agg_cache._HEIGHTS, agg_cache._GLYPHS):
        cache.clear()


def test_same_png_bytes_as_matplotlibs_canvas(
    death, make_result, fake_freq, monkeypatch, cold_caches
):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    cold = {name: png_bytes(f, name) for name, f in _figures(death, make_result, fake_freq).items()}
    warm = {name: png_bytes(f, name) for name, f in _figures(death, make_result, fake_freq).items()}
    with monkeypatch.context() as patched:
        patched.setattr(agg_cache, "attach", FigureCanvasAgg)  # matplotlib's own canvas
        figures = _figures(death, make_result, fake_freq)
        assert all(type(f.canvas) is FigureCanvasAgg for f in figures.values())
        plain = {name: png_bytes(f, name) for name, f in figures.items()}
    assert all(len(b) > 10_000 for b in plain.values())
    assert cold == plain
    assert warm == plain


def test_each_string_is_measured_and_laid_out_once(death, make_result, fake_freq, cold_caches):
    first = _figures(death, make_result, fake_freq)
    for name, figure in first.items():
        png_bytes(figure, name)
    assert type(first["forest"].canvas).__name__ == "SharedTextCanvas"
    sizes = [len(c) for c in (agg_cache._METRICS, agg_cache._HEIGHTS, agg_cache._GLYPHS)]
    assert all(size > 0 for size in sizes)
    assert "Death rate" in {key[0] for key in agg_cache._GLYPHS}  # the forest's axis label
    again = _figures(death, make_result, fake_freq)
    for name, figure in again.items():
        png_bytes(figure, name)
    # the second figures' renderers are new, yet nothing was measured or laid out again
    assert again["forest"].canvas.get_renderer() is not first["forest"].canvas.get_renderer()
    assert [len(c) for c in (agg_cache._METRICS, agg_cache._HEIGHTS, agg_cache._GLYPHS)] == sizes


def _forest_png(death) -> bytes:
    return png_bytes(forest_plot(death, title="Deaths"), "forest.png")


def test_a_forked_process_draws_after_its_parent(death):
    # matplotlib drops its font objects in a forked child; glyphs laid out by the parent name
    # them, so the child lays out its own (it crashed when it reused the parent's)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    here = _forest_png(death)  # the parent's caches hold every string of the figure
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=fork) as pool:  # a crash raises BrokenProcessPool
        there = pool.submit(_forest_png, death).result(timeout=120)
    assert there == here

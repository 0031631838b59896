"""An Agg canvas whose text measurements and glyph layouts are shared by every figure of the
process, so that each figure does not measure and lay out the same strings again.

matplotlib caches a string's size per renderer, and every figure (every size of it) gets a
renderer of its own: the tick labels, headers and legend entries that every forest plot and
posterior plot repeats were measured again in each figure (and each figure's layout pass
measures every tick label twice). Its text layout also looks up the font and reads the font's
height tables for every measurement. The renderer here answers those three questions from
process-wide caches keyed by everything the answer depends on (the string, the font
properties, the resolution, the hinting mode, the font features and language); the pixels
drawn are the same (``tests/plots/test_plots_agg_cache.py`` compares the PNG bytes against
matplotlib's own canvas).

matplotlib is imported on first use (:func:`attach`), as in every module of the package.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

#: (string, font properties, dpi, hinting) -> (width, height, descent) in pixels
_METRICS: dict[tuple, tuple[float, float, float]] = {}
#: (font properties, dpi) -> (ascent, descent, line gap) of the font, in pixels
_HEIGHTS: dict[tuple, tuple[float, float, float]] = {}
#: (string, font properties, dpi, hinting, features, language, thread) -> the laid-out glyphs
#: (each glyph names its font object: matplotlib keeps one per thread)
_GLYPHS: dict[tuple, tuple[Any, list[Any]]] = {}
# matplotlib drops its font objects in a forked child (they read their files lazily); the
# glyphs laid out here name font objects: a child lays its glyphs out again
os.register_at_fork(after_in_child=_GLYPHS.clear)
#: entries kept per cache before it is emptied (a run of the command line needs a few thousand)
LIMIT = 50_000


def _remember(cache: dict, key: tuple, value: Any) -> Any:
    if len(cache) >= LIMIT:
        cache.clear()
    cache[key] = value
    return value


def attach(figure: Any) -> Any:
    """Give ``figure`` an Agg canvas drawing with the shared text caches (its own renderer, the
    text measured once per process).

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure (its current canvas is replaced).

    Returns
    -------
    matplotlib.backends.backend_agg.FigureCanvasAgg
        The new canvas (``figure.canvas``).
    """
    return _canvas_class()(figure)


@functools.cache
def _canvas_class() -> type:
    """The canvas class (defined on first use: matplotlib is imported here, not at import)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
    from matplotlib.font_manager import fontManager, get_font

    class SharedTextRenderer(RendererAgg):
        """:class:`~matplotlib.backends.backend_agg.RendererAgg` with text metrics, font heights
        and glyph layouts cached across renderers (see the module's docstring)."""

        def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> Any:
            """Width, height and descent of ``s`` in pixels (cached for plain text)."""
            if ismath:
                return super().get_text_width_height_descent(s, prop, ismath)
            key = (s, prop.copy(), self.dpi, get_hinting_flag())
            found = _METRICS.get(key)
            if found is None:
                found = _remember(
                    _METRICS, key, super().get_text_width_height_descent(s, prop, ismath)
                )
            return found

        def _get_font_height_metrics(self, prop: Any) -> tuple[float, float, float]:
            """The font's ascent, descent and line gap in pixels, as :class:`matplotlib.text.Text`
            computes them without this method (its ``_get_layout``), cached."""
            key = (prop.copy(), self.dpi)
            found = _HEIGHTS.get(key)
            if found is not None:
                return found
            font = get_font(fontManager._find_fonts_by_props(prop))
            possible = [
                ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                ("hhea", "lineGap", "ascent", "descent"),
            ]
            for table_name, linegap_key, ascent_key, descent_key in possible:
                table = font.get_sfnt_table(table_name)
                if table is None:
                    continue
                units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
                scale = 1 / units_per_em * prop.get_size_in_points() * self.dpi / 72
                heights = (
                    table[ascent_key] * scale,
                    -table[descent_key] * scale,
                    table[linegap_key] * scale,
                )
                return _remember(_HEIGHTS, key, heights)
            return (None, None, None)  # type: ignore[return-value]  # matplotlib measures "lp"

        def draw_text(
            self,
            gc: Any,
            x: float,
            y: float,
            s: str,
            prop: Any,
            angle: float,
            ismath: Any = False,
            mtext: Any = None,
        ) -> None:
            """Draw ``s`` as :class:`RendererAgg` does, its glyphs laid out once per process."""
            if ismath:
                return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            features = mtext.get_fontfeatures() if mtext is not None else None
            language = mtext.get_language() if mtext is not None else None
            flags = get_hinting_flag()
            key = (
                s,
                prop.copy(),
                self.dpi,
                flags,
                None if features is None else tuple(features),
                language,
                threading.get_ident(),  # the fonts are matplotlib's for this thread
            )
            found = _GLYPHS.get(key)
            if found is None:
                font = self._prepare_font(prop)
                items = list(font._layout(s, flags=flags, features=features, language=language))
                # the font is kept with its glyphs: they point into it and its fallback fonts
                found = _remember(_GLYPHS, key, (font, items))
            items = found[1]
            size = prop.get_size_in_points()
            self._draw_text_glyphs_and_boxes(
                gc,
                x,
                y,
                angle,
                ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items),
                [],
            )
            return None

    class SharedTextCanvas(FigureCanvasAgg):
        """An Agg canvas drawing with :class:`SharedTextRenderer`."""

        def get_renderer(self) -> SharedTextRenderer:
            """The canvas's renderer (a new one when the size or the resolution changed).

            Returns
            -------
            SharedTextRenderer
            """
            w, h = self.get_width_height(physical=True)
            key = w, h, self.figure.dpi
            if self._lastKey != key:
                self.renderer = SharedTextRenderer(w, h, self.figure.dpi)
                self._lastKey = key
            return self.renderer

    return SharedTextCanvas

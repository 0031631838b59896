"""Figures meta-analysts expect; each function returns a :class:`matplotlib.figure.Figure`.

No function calls ``plt.show`` or changes the global ``rcParams`` (see :mod:`.style`).
"""

from bayesmeta.plots.forest import forest_plot
from bayesmeta.plots.posterior import pooled_posterior_plot

__all__ = ["forest_plot", "pooled_posterior_plot"]

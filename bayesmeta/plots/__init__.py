"""Figures meta-analysts expect; each function returns a :class:`matplotlib.figure.Figure`.

No function calls ``plt.show`` or changes the global ``rcParams`` (see :mod:`.style`);
figures are bare :class:`~matplotlib.figure.Figure` objects not registered with pyplot.
"""

from bayesmeta.plots.bayes_factors import bayes_factor_plot
from bayesmeta.plots.forest import forest_plot
from bayesmeta.plots.funnel import egger_line, funnel_plot
from bayesmeta.plots.posterior import pooled_posterior_plot
from bayesmeta.plots.ppc import ppc_plot
from bayesmeta.plots.sensitivity import sensitivity_plot
from bayesmeta.plots.subgroup import subgroup_forest_plot
from bayesmeta.plots.tau import tau_prior_posterior_plot

__all__ = [
    "bayes_factor_plot",
    "egger_line",
    "forest_plot",
    "funnel_plot",
    "pooled_posterior_plot",
    "ppc_plot",
    "sensitivity_plot",
    "subgroup_forest_plot",
    "tau_prior_posterior_plot",
]

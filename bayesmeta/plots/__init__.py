"""Figures meta-analysts expect; each function returns a :class:`matplotlib.figure.Figure`.

No function calls ``plt.show`` or changes the global ``rcParams`` (see :mod:`.style`);
figures are bare :class:`~matplotlib.figure.Figure` objects not registered with pyplot.
The functions are loaded on first use (PEP 562), so a module that draws one figure
(``bayesmeta.plots.spec_curve``) does not import the others (nor scipy.stats).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bayesmeta.plots.bayes_factors import bayes_factor_plot
    from bayesmeta.plots.forest import forest_plot
    from bayesmeta.plots.funnel import egger_line, funnel_plot
    from bayesmeta.plots.posterior import pooled_posterior_plot
    from bayesmeta.plots.ppc import ppc_plot
    from bayesmeta.plots.sensitivity import sensitivity_plot
    from bayesmeta.plots.subgroup import subgroup_forest_plot
    from bayesmeta.plots.tau import tau_prior_posterior_plot

_HOMES = {
    "bayes_factor_plot": "bayes_factors",
    "egger_line": "funnel",
    "forest_plot": "forest",
    "funnel_plot": "funnel",
    "pooled_posterior_plot": "posterior",
    "ppc_plot": "ppc",
    "sensitivity_plot": "sensitivity",
    "subgroup_forest_plot": "subgroup",
    "tau_prior_posterior_plot": "tau",
}

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


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(f"bayesmeta.plots.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bayesmeta.plots' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])

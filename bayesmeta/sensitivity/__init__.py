"""Sensitivity analysis: priors, leave-one-study-out, small studies, frequentist variants."""

from bayesmeta.sensitivity.analysis import WHAT, SensitivityResult, sensitivity
from bayesmeta.sensitivity.grid import mu_prior_grid, tau_prior, tau_prior_grid
from bayesmeta.sensitivity.rows import COLUMNS

__all__ = [
    "COLUMNS",
    "WHAT",
    "SensitivityResult",
    "mu_prior_grid",
    "sensitivity",
    "tau_prior",
    "tau_prior_grid",
]

"""From a meta-analysis to the next trial: MAP priors, robustification, ESS, trial design.

Pure numpy/scipy. The pieces, one module each:

- ``normal_mixture``: the exact predictive of a new study's logit (a normal mixture) and its
  change of variables to the rate;
- ``source``: that mixture from the exact engine's (mu, tau) grid, pooled or per level;
- ``regression_source``: that mixture at a covariate pattern, from the exact meta-regression's
  (beta, tau) nodes (x'beta smoothed per tau node);
- ``pattern``: which model and level a ``--level`` or ``--pattern`` names;
- ``beta_mixture``: Beta mixtures (conjugate: posterior and beta-binomial predictive exact);
- ``fitting``: EM fit of a Beta mixture to the exact predictive, automatic K, fit quality;
- ``robust``: robustification with a vague component (Schmidli et al. 2014);
- ``ess``: effective sample size: ELIR, moment and Morita-Thall-Mueller;
- ``conflict``: Box's prior-predictive p-value and the posterior for a new trial's data;
- ``map_prior``: all of the above in one :class:`MapPrior`;
- ``oc``: exact operating characteristics of a one-sample design;
- ``figures``: the MAP and OC plots; ``report``: the report folders.
"""

from bayesmeta.trial.beta_mixture import BetaMixture
from bayesmeta.trial.conflict import Conflict, prior_data_conflict
from bayesmeta.trial.ess import ess_all, ess_elir, ess_moment, ess_morita
from bayesmeta.trial.fitting import FitQuality, fit_beta_mixture, fit_quality
from bayesmeta.trial.map_prior import MapPrior, derive_map
from bayesmeta.trial.normal_mixture import NormalMixture
from bayesmeta.trial.oc import OperatingCharacteristics, operating_characteristics, smallest_n
from bayesmeta.trial.robust import robustify
from bayesmeta.trial.source import MapSource, grid_mixture, linear_predictor_mixture, map_source

__all__ = [
    "BetaMixture",
    "Conflict",
    "FitQuality",
    "MapPrior",
    "MapSource",
    "NormalMixture",
    "OperatingCharacteristics",
    "derive_map",
    "ess_all",
    "ess_elir",
    "ess_moment",
    "ess_morita",
    "fit_beta_mixture",
    "fit_quality",
    "grid_mixture",
    "linear_predictor_mixture",
    "map_source",
    "operating_characteristics",
    "prior_data_conflict",
    "robustify",
    "smallest_n",
]
